"""The Chroma vector store: embedded on disk by default, or a Chroma server.

Chroma never embeds anything here: every add and query passes our own vectors, so its
default embedding function (which would download a model) is never used.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ingest.errors import ConfigError, StoreError
from ingest.settings import Settings

logger = logging.getLogger(__name__)

COLLECTION_PREFIX = "citewise-"
# Chroma caps one add() call; stay well below it.
ADD_BATCH = 2000


def describe_store(settings: Settings) -> str:
    """Human-readable location of the store, for messages and the manifest.

    A server URL is given without a trailing slash, so ``http://host:8000/`` and
    ``http://host:8000`` name the same store.
    """
    if settings.chroma_url:
        return settings.chroma_url.strip().rstrip("/")
    return str(settings.home / "chroma")


def open_client(settings: Settings) -> Any:
    """Connect to the configured Chroma store.

    Raises:
        ConfigError: the Chroma URL is malformed.
        StoreError: the server cannot be reached or the store cannot be opened.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.chroma_url:
            host, port, ssl = _parse_url(settings.chroma_url)
            client = chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=chroma_settings)
            client.heartbeat()
            return client
        path = settings.home / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except (ConfigError, StoreError):
        raise
    except Exception as exc:
        raise StoreError(
            f"cannot open the Chroma store at {describe_store(settings)}: {_reason(exc)}"
            + ("; is `chroma run` started there?" if settings.chroma_url else "")
        ) from exc


def _parse_url(url: str) -> tuple[str, int, bool]:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"CITEWISE_CHROMA_URL must look like http://127.0.0.1:8000, got {url!r}")
    port = parsed.port or (443 if parsed.scheme == "https" else 8000)
    return parsed.hostname, port, parsed.scheme == "https"


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def create_collection(client: Any, name: str) -> Any:
    """Create (replacing any leftover of the same name) an empty cosine collection."""
    if name in list_collections(client):
        client.delete_collection(name)
    return client.create_collection(name=name, metadata={"hnsw:space": "cosine"}, embedding_function=None)


def get_collection(client: Any, name: str) -> Any:
    """Open an existing collection without an embedding function."""
    return client.get_collection(name=name, embedding_function=None)


def list_collections(client: Any) -> list[str]:
    """Names of all collections in the store."""
    return [c if isinstance(c, str) else c.name for c in client.list_collections()]


def add_vectors(
    collection: Any, ids: list[str], vectors: Any, metadatas: list[dict], documents: list[str]
) -> None:
    """Add vectors in batches Chroma accepts."""
    for start in range(0, len(ids), ADD_BATCH):
        stop = start + ADD_BATCH
        collection.add(
            ids=ids[start:stop],
            embeddings=vectors[start:stop],
            metadatas=metadatas[start:stop],
            documents=documents[start:stop],
        )


def drop_collections(client: Any, keep: str | None, owner: str) -> None:
    """Delete this index's collections other than ``keep`` (left over by old or failed ingests)."""
    for name in list_collections(client):
        if name.startswith(COLLECTION_PREFIX + owner) and name != keep:
            logger.info("removing stale collection %s", name)
            try:
                client.delete_collection(name)
            except Exception as exc:  # a stale collection is harmless; never fail the ingest on it
                logger.warning("could not remove stale collection %s: %s", name, _reason(exc))


def store_path(settings: Settings) -> Path | None:
    """Directory of the embedded store, or None for a server."""
    return None if settings.chroma_url else settings.home / "chroma"
