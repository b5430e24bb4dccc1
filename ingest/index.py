"""Write and read the index: Chroma vectors plus our own files, in generations.

Layout under ``<home>/index``::

    CURRENT            name of the live generation, replaced atomically
    OWNER              random id naming this index's Chroma collections
    LOCK               held while an ingest runs
    g000007/           one generation
        manifest.json  model, dimension, chunker, per-document hashes, store, counts
        documents.json metadata and full text of every document
        chunks.jsonl   one chunk per line, with offsets and sentence spans
        vectors.npy    chunk vectors (kept so later ingests never re-embed unchanged text)
        sentences.npy  sentence vectors, precomputed for the extractive answerer
        bm25/          the bm25s index, row i = chunk i

An ingest builds a complete new generation (a ``.tmp`` directory and a new collection)
and only then points CURRENT at it, so a failed or killed ingest leaves the previous
generation untouched and usable. Leftovers are removed by the next ingest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ingest import lexical, store
from ingest.chunking import CHUNK_TOKENS, CHUNKER_VERSION, Chunk, chunk_text
from ingest.corpus import Document, load_corpus
from ingest.embedding import Embedder, TokenCounter, model_cache
from ingest.errors import ConfigError, IndexBusyError
from ingest.generation import FORMAT_VERSION, LoadedGeneration, current_generation
from ingest.lexicon import Lexicon, load_lexicon_file, stored_lexicon, write_lexicon
from ingest.settings import Settings

logger = logging.getLogger(__name__)


class Progress(Protocol):
    """A progress bar: ``update(n)`` after each step, ``close()`` at the end."""

    def update(self, n: int) -> Any: ...
    def close(self) -> Any: ...


ProgressFactory = Callable[[int, str], Progress]


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What an ingest did."""

    documents: int
    chunks: int
    added: int
    updated: int
    removed: int
    unchanged: int
    embedded_texts: int
    seconds: float
    generation: str
    changed: bool

    def summary(self) -> str:
        """One line for people."""
        state = "index updated" if self.changed else "index already up to date"
        return (
            f"{state}: {self.documents} documents, {self.chunks} chunks "
            f"({self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged; {self.embedded_texts} texts embedded) in {self.seconds:.1f} s"
        )


def build_index(
    settings: Settings,
    corpus_dir: Path,
    *,
    embedder: Embedder | None = None,
    progress: ProgressFactory | None = None,
) -> IngestReport:
    """Load, validate, chunk and embed ``corpus_dir`` into a new index generation.

    Only documents whose content hash changed are embedded; with nothing changed this
    does no embedding and writes nothing.

    Raises:
        CorpusError: a corpus file is invalid (nothing is changed).
        ConfigError: the data directory is not writable.
        IndexBusyError: another ingest is running.
        StoreError: the Chroma store cannot be used.
    """
    started = time.perf_counter()
    documents = sorted(load_corpus(corpus_dir), key=lambda d: d.id)
    lexicon = load_lexicon_file(corpus_dir)
    _ensure_writable(settings.home)
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    with _lock(settings.index_dir):
        _remove_partial(settings.index_dir)
        previous = _load_previous(settings)
        owner = _owner(settings.index_dir)
        client = store.open_client(settings)
        plan = _Plan.make(previous, documents, store.describe_store(settings))
        plan.lexicon_changed = previous is not None and stored_lexicon(previous.directory) != lexicon
        if not plan.changed and previous is not None:
            if _store_intact(client, previous):
                return plan.report(previous.generation, 0, time.perf_counter() - started)
            plan.store_stale = True  # rewritten below from the stored vectors, nothing re-embedded
        gen = _next_generation(settings.index_dir)
        counter = TokenCounter()
        chunks = {
            d.id: plan.reuse_chunks(d) or chunk_text(d.text, doc_id=d.id, count_tokens=counter)
            for d in documents
        }
        vectors, sentences, embedded = _vectors(
            plan,
            documents,
            chunks,
            embedder or Embedder(cache_dir=model_cache(settings.home)),
            settings,
            progress,
        )
        collection = f"{store.COLLECTION_PREFIX}{owner}-{gen}"
        _write_generation(settings, gen, documents, chunks, vectors, sentences, collection, client, lexicon)
        store.drop_collections(client, keep=collection, owner=owner)
        _remove_old_generations(settings.index_dir, keep=gen)
        report = plan.report(gen, embedded, time.perf_counter() - started)
        logger.info(report.summary())
        return report


@dataclass
class _Plan:
    previous: LoadedGeneration | None
    compatible: bool
    unchanged_ids: set[str]
    added: int
    updated: int
    removed: int
    total_chunks: int = 0
    store_stale: bool = False  # the store moved, or lost the live collection
    lexicon_changed: bool = False  # only corpus/lexicon.yaml changed: nothing is re-embedded

    @classmethod
    def make(cls, previous: LoadedGeneration | None, documents: list[Document], where: str) -> _Plan:
        if previous is None:
            return cls(None, False, set(), len(documents), 0, 0)
        compatible = previous.compatible_for_reuse()
        if not compatible:
            logger.warning(
                "index was built with %s; rebuilding with the current model and chunker", previous.describe()
            )
        old = previous.manifest["documents"]
        new_hashes = {d.id: d.sha256 for d in documents}
        unchanged = {i for i, h in new_hashes.items() if compatible and old.get(i, {}).get("sha256") == h}
        added = sum(1 for i in new_hashes if i not in old)
        updated = len(new_hashes) - added - len(unchanged)
        removed = sum(1 for i in old if i not in new_hashes)
        moved = previous.manifest["store"]["location"] != where
        return cls(previous, compatible, unchanged, added, updated, removed, store_stale=moved)

    @property
    def changed(self) -> bool:
        return bool(
            self.added
            or self.updated
            or self.removed
            or self.store_stale
            or self.lexicon_changed
            or not self.compatible
        )

    def reuse_chunks(self, doc: Document) -> list[Chunk] | None:
        if self.previous is None or doc.id not in self.unchanged_ids:
            return None
        return self.previous.chunks_of(doc.id)

    def report(self, generation: str, embedded: int, seconds: float) -> IngestReport:
        docs = len(self.unchanged_ids) + self.added + self.updated
        chunks = self.total_chunks or (self.previous.size if self.previous else 0)
        return IngestReport(
            docs,
            chunks,
            self.added,
            self.updated,
            self.removed,
            len(self.unchanged_ids),
            embedded,
            seconds,
            generation,
            self.changed,
        )


def _vectors(
    plan: _Plan,
    documents: list[Document],
    chunks: dict[str, list[Chunk]],
    embedder: Embedder,
    settings: Settings,
    progress: ProgressFactory | None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Chunk and sentence vectors for every document, embedding only what changed."""
    texts: list[str] = []
    for doc in documents:
        if doc.id not in plan.unchanged_ids:
            for c in chunks[doc.id]:
                texts.append(c.text)
                texts.extend(doc.text[s:e] for s, e in c.sentences)
    bar = progress(len(texts), "embedding") if progress and texts else None
    fresh = embedder.encode(texts, batch_size=settings.embed_batch_size, on_batch=bar.update if bar else None)
    if bar:
        bar.close()
    chunk_rows: list[np.ndarray] = []
    sentence_rows: list[np.ndarray] = []
    cursor = 0
    for doc in documents:
        if doc.id in plan.unchanged_ids:
            assert plan.previous is not None
            chunk_vecs, sent_vecs = plan.previous.vectors_of(doc.id)
            chunk_rows.append(chunk_vecs)
            sentence_rows.append(sent_vecs)
            continue
        for c in chunks[doc.id]:
            chunk_rows.append(fresh[cursor : cursor + 1])
            sentence_rows.append(fresh[cursor + 1 : cursor + 1 + len(c.sentences)])
            cursor += 1 + len(c.sentences)
    plan.total_chunks = sum(len(v) for v in chunks.values())
    dim = embedder.dimension
    stack = lambda rows: np.concatenate(rows) if rows else np.zeros((0, dim), np.float32)  # noqa: E731
    return stack(chunk_rows), stack(sentence_rows), len(texts)


def _write_generation(
    settings: Settings,
    gen: str,
    documents: list[Document],
    chunks: dict[str, list[Chunk]],
    vectors: np.ndarray,
    sentences: np.ndarray,
    collection: str,
    client: Any,
    lexicon: Lexicon,
) -> None:
    tmp = settings.index_dir / f"{gen}.tmp"
    tmp.mkdir()
    write_lexicon(lexicon, tmp)
    ordered = [c for d in documents for c in chunks[d.id]]
    meta = {d.id: d for d in documents}
    _write_json(
        tmp / "documents.json",
        {d.id: {"meta": d.meta.model_dump(mode="json"), "text": d.text, "path": d.path} for d in documents},
    )
    with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as fh:
        for c in ordered:
            record = {
                "id": c.id,
                "doc_id": c.doc_id,
                "ordinal": c.ordinal,
                "section": c.section,
                "start": c.start,
                "end": c.end,
                "sentences": c.sentences,
            }
            fh.write(json.dumps(record) + "\n")
    np.save(tmp / "vectors.npy", vectors)
    np.save(tmp / "sentences.npy", sentences)
    lexical.build_bm25([_lexical_text(meta[c.doc_id], c) for c in ordered] or [""], tmp / "bm25")
    coll = store.create_collection(client, collection)
    store.add_vectors(
        coll,
        [c.id for c in ordered],
        vectors,
        [
            {
                "doc_id": c.doc_id,
                "kind": meta[c.doc_id].kind,
                "section": c.section,
                "start": c.start,
                "end": c.end,
            }
            for c in ordered
        ],
        [c.text for c in ordered],
    )
    manifest = {
        "format": FORMAT_VERSION,
        "generation": gen,
        "model": Embedder.name,
        "dimension": Embedder.dimension,
        "chunker_version": CHUNKER_VERSION,
        "chunk_tokens": CHUNK_TOKENS,
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "corpus_sha256": hashlib.sha256("".join(d.sha256 for d in documents).encode()).hexdigest(),
        "store": {"location": store.describe_store(settings), "collection": collection},
        "counts": {"documents": len(documents), "chunks": len(ordered), "sentences": int(len(sentences))},
        "documents": {
            d.id: {"sha256": d.sha256, "path": d.path, "chunks": len(chunks[d.id])} for d in documents
        },
    }
    _write_json(tmp / "manifest.json", manifest)
    _fsync_tree(tmp)
    tmp.rename(settings.index_dir / gen)
    _atomic_write(settings.index_dir / "CURRENT", gen + "\n")


def _lexical_text(doc: Document, chunk: Chunk) -> str:
    """What BM25 indexes: the chunk with its document title and section heading."""
    return f"{doc.meta.title}\n{chunk.section}\n{chunk.text}"


def _load_previous(settings: Settings) -> LoadedGeneration | None:
    directory = current_generation(settings)
    if directory is None:
        return None
    try:
        return LoadedGeneration(directory)
    except (OSError, ValueError, KeyError) as exc:
        logger.warning("previous index in %s is unreadable (%s); rebuilding", directory, exc)
        return None


def _store_intact(client: Any, previous: LoadedGeneration) -> bool:
    name = previous.manifest["store"]["collection"]
    try:
        return store.get_collection(client, name).count() == previous.size
    except Exception:
        logger.warning("collection %s is missing or unreadable; rebuilding it", name)
        return False


def _next_generation(index_dir: Path) -> str:
    numbers = [int(p.name[1:7]) for p in index_dir.glob("g[0-9][0-9][0-9][0-9][0-9][0-9]*")]
    return f"g{max(numbers, default=0) + 1:06d}"


def _remove_partial(index_dir: Path) -> None:
    for tmp in index_dir.glob("g*.tmp"):
        logger.info("removing unfinished generation %s", tmp.name)
        shutil.rmtree(tmp, ignore_errors=True)


def _remove_old_generations(index_dir: Path, keep: str) -> None:
    for old in index_dir.glob("g[0-9]*"):
        if old.is_dir() and old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


def _owner(index_dir: Path) -> str:
    path = index_dir / "OWNER"
    if not path.exists():
        _atomic_write(path, secrets.token_hex(4) + "\n")
    return path.read_text(encoding="utf-8").strip()


def _ensure_writable(home: Path) -> None:
    try:
        home.mkdir(parents=True, exist_ok=True)
        probe = home / f".write-test-{os.getpid()}"
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"data directory {home} is not writable ({exc.strerror or exc}); "
            "set CITEWISE_HOME to a writable directory"
        ) from exc


@contextlib.contextmanager
def _lock(index_dir: Path) -> Iterator[None]:
    with open(index_dir / "LOCK", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexBusyError(
                f"another 'citewise ingest' is writing {index_dir}; wait for it to finish"
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(root)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = ["IngestReport", "build_index"]
