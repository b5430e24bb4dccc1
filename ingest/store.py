"""The Chroma vector store: embedded on disk by default, or a Chroma server.

Chroma never embeds anything here: every add and query passes our own vectors, so its
default embedding function (which would download a model) is never used.

Every generation also keeps its chunk vectors in ``vectors.npy``, so the embedded store
is never the only copy: a corrupt store is moved aside and rebuilt by ``citewise
doctor`` or ``citewise ingest``, and a data directory that cannot be written (a
read-only share) is served by ``ExactSearch``, an exact cosine search over those
vectors, because the embedded Chroma needs write access even to read.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

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
    """Create (replacing any leftover of the same name) an empty cosine collection.

    Raises:
        StoreError: the store refused (a full disk, a server that went away).
    """
    try:
        if name in list_collections(client):
            client.delete_collection(name)
        return client.create_collection(name=name, metadata={"hnsw:space": "cosine"}, embedding_function=None)
    except Exception as exc:
        raise StoreError(f"creating collection {name} in the Chroma store failed: {_reason(exc)}") from exc


def get_collection(client: Any, name: str) -> Any:
    """Open an existing collection without an embedding function."""
    return client.get_collection(name=name, embedding_function=None)


def list_collections(client: Any) -> list[str]:
    """Names of all collections in the store."""
    return [c if isinstance(c, str) else c.name for c in client.list_collections()]


def add_vectors(
    collection: Any,
    ids: list[str],
    vectors: Any,
    metadatas: list[dict],
    documents: list[str],
    on_batch: Callable[[int], Any] | None = None,
) -> None:
    """Add vectors in batches Chroma accepts (``vectors`` may be memory-mapped).

    Raises:
        StoreError: Chroma refused a batch (a full disk, a server that went away).
    """
    for start in range(0, len(ids), ADD_BATCH):
        stop = start + ADD_BATCH
        try:
            collection.add(
                ids=ids[start:stop],
                embeddings=np.asarray(vectors[start:stop]),
                metadatas=metadatas[start:stop],
                documents=documents[start:stop],
            )
        except Exception as exc:
            raise StoreError(f"writing vectors to the Chroma store failed: {_reason(exc)}") from exc
        if on_batch is not None:
            on_batch(len(ids[start:stop]))


def fetch_vectors(collection: Any, ids: Sequence[str]) -> dict[str, np.ndarray]:
    """Stored vectors of ``ids`` that the collection holds (missing ids are left out)."""
    found: dict[str, np.ndarray] = {}
    for start in range(0, len(ids), ADD_BATCH):
        got = collection.get(ids=list(ids[start : start + ADD_BATCH]), include=["embeddings"])
        for chunk_id, vector in zip(got["ids"], got["embeddings"], strict=True):
            found[chunk_id] = np.asarray(vector, dtype=np.float32)
    return found


def is_intact(collection: Any, size: int, probe: np.ndarray | None) -> bool:
    """True when ``collection`` holds ``size`` vectors and finds ``probe`` (a stored
    vector) at distance ~0, so its search index works too."""
    try:
        if collection.count() != size:
            return False
        if probe is None or size == 0:
            return True
        hit = collection.query(
            query_embeddings=[np.asarray(probe).tolist()], n_results=1, include=["distances"]
        )
        return bool(hit["distances"][0]) and hit["distances"][0][0] < 1e-3
    except Exception as exc:
        logger.warning("collection %s is unreadable: %s", getattr(collection, "name", "?"), _reason(exc))
        return False


def open_repairing(settings: Settings) -> tuple[Any, str | None]:
    """``open_client``, moving a corrupt embedded store aside and starting a new one.

    Returns the client and, when the store was moved, a line saying so. Only a store
    whose SQLite file fails its own integrity check is moved; a locked or read-only
    store is an error as before.
    """
    try:
        return open_client(settings), None
    except StoreError as exc:
        path = store_path(settings)
        if path is None or not _sqlite_damaged(path / "chroma.sqlite3"):
            raise
        aside = path.with_name(path.name + ".damaged")
        shutil.rmtree(aside, ignore_errors=True)
        path.rename(aside)
        _forget_client(path)
        note = (
            f"the Chroma store at {path} was corrupt ({_reason(exc.__cause__ or exc)}); moved it to "
            f"{aside} and rebuilt it from the stored vectors (delete {aside} once you are satisfied)"
        )
        logger.warning(note)
        return open_client(settings), note


def _sqlite_damaged(db: Path) -> bool:
    """True when ``db`` exists and SQLite itself says it is not a sound database."""
    if not db.is_file():
        return False
    try:
        connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            row = connection.execute("PRAGMA quick_check").fetchone()
        finally:
            connection.close()
    except sqlite3.OperationalError:  # locked, or cannot be opened: not proof of damage
        return False
    except sqlite3.DatabaseError:  # "file is not a database", "disk image is malformed"
        return True
    return row is None or row[0] != "ok"


def _forget_client(path: Path) -> None:
    """Drop Chroma's cached client for ``path``: after a failed open it is left broken."""
    try:
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient._identifier_to_system.pop(str(path), None)
    except (ImportError, AttributeError):  # another chromadb version: nothing cached to drop
        pass


def is_writable(settings: Settings) -> bool:
    """False when the embedded store's directory cannot be written (a read-only share)."""
    path = store_path(settings)
    if path is None:
        return True
    target = path if path.exists() else settings.home
    return os.access(target, os.W_OK) and not _read_only_mount(target)


def _read_only_mount(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


class ExactSearch:
    """Cosine search over a generation's ``vectors.npy``, answering like a Chroma collection.

    Used where the embedded Chroma cannot be opened (read-only, damaged): the vectors
    are the same, and an exact search finds what Chroma's approximate one finds, or
    better. A matrix-vector product over 10,000 x 384 floats takes about a millisecond.
    """

    def __init__(self, vectors: np.ndarray, ids: Sequence[str], name: str) -> None:
        self._vectors = vectors
        self._ids = list(ids)
        self.name = name

    def count(self) -> int:
        """Number of vectors."""
        return len(self._ids)

    def query(self, query_embeddings: Sequence[Sequence[float]], n_results: int, **_: Any) -> dict[str, Any]:
        """The ``n_results`` nearest ids and cosine distances for each query vector."""
        ids, distances = [], []
        for query in query_embeddings:
            scores = np.asarray(self._vectors @ np.asarray(query, dtype=np.float32))
            k = min(n_results, len(scores))
            top = np.argpartition(-scores, k - 1)[:k] if k else np.zeros(0, dtype=int)
            top = top[np.argsort(-scores[top], kind="stable")]
            ids.append([self._ids[i] for i in top])
            distances.append([float(1.0 - scores[i]) for i in top])
        return {"ids": ids, "distances": distances}


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
