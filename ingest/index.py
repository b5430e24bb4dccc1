"""Write the index: Chroma vectors plus our own files, in generations.

Layout under ``<home>/index``::

    CURRENT            name of the live generation, replaced atomically
    OWNER              random id naming this index's Chroma collections
    LOCK               held while an ingest (or `citewise doctor`) runs
    g000007/           one generation
        manifest.json  model, dimension, chunker, per-document hashes, store, counts
        documents.json metadata and full text of every document
        chunks.jsonl   one chunk per line, with offsets and sentence spans
        vectors.npy    chunk vectors (kept so later ingests never re-embed unchanged text)
        sentences.npy  sentence vectors, precomputed for the extractive answerer
        bm25/          the bm25s index, row i = chunk i

An ingest builds a complete new generation (a ``.tmp`` directory and a new collection)
and only then points CURRENT at it, so a failed or killed ingest leaves the previous
generation untouched and usable. A failure it can see (a full disk, a store error)
removes what it wrote before it reports; what a killed one leaves is removed by the
next ingest. The previous generation is read leniently (``ingest.salvage``): whatever
survives of it is reused, so a damaged index is repaired by the next ingest, and only
what cannot be recovered is embedded again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ingest import datadir, lexical, store
from ingest.chunking import CHUNK_TOKENS, CHUNKER_VERSION, Chunk, chunk_text
from ingest.corpus import Document
from ingest.embedding import Embedder, TokenCounter, model_cache
from ingest.generation import FORMAT_VERSION
from ingest.lexicon import Lexicon, load_lexicon_file, stored_lexicon, write_lexicon
from ingest.salvage import Reused, Salvage, chunk_record, find_live
from ingest.scan import read_corpus
from ingest.settings import Settings
from ingest.vectors import Progress, ProgressFactory, fill_vectors

logger = logging.getLogger(__name__)


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
    repaired: tuple[str, ...] = ()  # damage found in the previous index, and repaired
    skipped: tuple[str, ...] = ()  # duplicate PubMed records left out

    def summary(self) -> str:
        """What happened, for people: one line, then any repairs and skipped duplicates."""
        state = "index updated" if self.changed else "index already up to date"
        if self.repaired and not (self.added or self.updated or self.removed):
            state = "index repaired"
        lines = [
            f"{state}: {self.documents} documents, {self.chunks} chunks "
            f"({self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged; {self.embedded_texts} texts embedded) in {self.seconds:.1f} s"
        ]
        lines += [f"  repaired: {line}" for line in self.repaired]
        if self.skipped:
            lines.append(f"  skipped {len(self.skipped)} duplicate PubMed records (same PMID or DOI):")
            lines += [f"    {line}" for line in self.skipped[:20]]
            lines += [f"    ... and {len(self.skipped) - 20} more"] if len(self.skipped) > 20 else []
        return "\n".join(lines)


def build_index(
    settings: Settings,
    corpus_dir: Path,
    *,
    embedder: Embedder | None = None,
    progress: ProgressFactory | None = None,
) -> IngestReport:
    """Load, validate, chunk and embed ``corpus_dir`` into a new index generation.

    Only documents whose content hash changed are embedded; with nothing changed and
    nothing damaged this does no embedding and writes nothing.

    Raises:
        CorpusError: a corpus file is invalid (nothing is changed).
        ConfigError: the data directory is not writable.
        IndexBusyError: another ingest is running.
        IndexWriteError: the new generation could not be written (the old one is kept).
        StoreError: the Chroma store cannot be used.
    """
    started = time.perf_counter()
    corpus = read_corpus(corpus_dir)
    documents = sorted(corpus.documents, key=lambda d: d.id)
    lexicon = load_lexicon_file(corpus_dir)
    datadir.ensure_writable(settings.home)
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    with datadir.index_lock(settings.index_dir):
        datadir.remove_partial(settings.index_dir)
        old, notes = find_live(settings)
        outcome = write_index(settings, documents, old, embedder=embedder, progress=progress, lexicon=lexicon)
    report = IngestReport(
        *outcome.plan.counts(),
        outcome.embedded,
        time.perf_counter() - started,
        outcome.generation,
        outcome.written,
        tuple(notes + outcome.repairs()),
        tuple(corpus.skipped),
    )
    logger.info(report.summary())
    return report


@dataclass
class _Plan:
    previous: Salvage | None
    unchanged_ids: set[str]
    added: int
    updated: int
    removed: int
    total_chunks: int = 0
    store_stale: bool = False  # the store moved, or its collection is lost or damaged

    @classmethod
    def make(cls, previous: Salvage | None, documents: list[Document], where: str) -> _Plan:
        if previous is None:
            return cls(None, set(), len(documents), 0, 0)
        if not previous.compatible and previous.manifest is not None:
            logger.warning("index was built with another model or chunker; rebuilding with the current ones")
        old = previous.hashes
        new_hashes = {d.id: d.sha256 for d in documents}
        unchanged = {i for i, h in new_hashes.items() if previous.compatible and old.get(i) == h}
        added = sum(1 for i in new_hashes if i not in old)
        updated = len(new_hashes) - added - len(unchanged)
        removed = sum(1 for i in old if i not in new_hashes)
        manifest = previous.manifest or {}
        moved = manifest.get("store", {}).get("location") != where
        return cls(previous, unchanged, added, updated, removed, store_stale=moved)

    @property
    def changed(self) -> bool:
        compatible = self.previous is None or self.previous.compatible
        return bool(self.added or self.updated or self.removed or self.store_stale or not compatible)

    def counts(self) -> tuple[int, int, int, int, int, int]:
        docs = len(self.unchanged_ids) + self.added + self.updated
        chunks = self.total_chunks or (max(self.previous.size, 0) if self.previous else 0)
        return docs, chunks, self.added, self.updated, self.removed, len(self.unchanged_ids)


@dataclass
class Outcome:
    """What ``write_index`` did, for the reports of ingest and doctor."""

    plan: _Plan
    generation: str
    written: bool
    embedded: int = 0
    from_store: int = 0  # chunk vectors recovered from the old Chroma collection
    new_collection: bool = False
    notes: list[str] = field(default_factory=list)

    def repairs(self) -> list[str]:
        """Lines naming the damage found and how each piece was restored."""
        previous = self.plan.previous
        lines = list(previous.damage) if previous is not None and self.written else []
        if self.from_store:
            lines.append(f"{self.from_store} chunk vectors recovered from the Chroma collection")
        return lines + self.notes


def write_index(
    settings: Settings,
    documents: list[Document],
    old: Salvage | None,
    *,
    embedder: Embedder | None = None,
    progress: ProgressFactory | None = None,
    lexicon: Lexicon | None = None,
) -> Outcome:
    """Write ``documents`` as a new generation, reusing what survives of ``old``.

    Nothing is written when the documents and the lexicon (``None``: keep the old one) are
    unchanged, ``old`` is healthy and its collection intact. The caller holds the index lock.
    """
    # Loads its model only when something is embedded.
    embedder = embedder or Embedder(cache_dir=model_cache(settings.home))
    kept = stored_lexicon(old.directory) if old is not None else Lexicon()
    lexicon = kept if lexicon is None else lexicon
    client, note = store.open_repairing(settings)
    plan = _Plan.make(old, documents, store.describe_store(settings))
    previous, damage = _previous_collection(settings, client, old, plan)
    notes = ([note] if note else []) + damage
    intact = previous is not None and not damage
    if old is not None and not plan.changed and lexicon == kept and old.healthy and intact:
        return Outcome(plan, old.generation, written=False, notes=notes)
    if old is not None:
        old.verify_model(embedder)
    reused = {d.id: r for d in documents if old and d.id in plan.unchanged_ids and (r := old.reuse(d))}
    chunks = _chunk_all(documents, reused)
    plan.total_chunks = sum(len(c) for c in chunks.values())
    gen = datadir.next_generation(settings.index_dir)
    # Unchanged documents and an intact collection: point the new generation at it.
    keep = previous.name if intact and not plan.changed and previous is not None else None
    collection = keep or _collection_name(settings, gen)
    outcome = Outcome(plan, gen, written=True, notes=notes, new_collection=keep is None)
    with datadir.cleanup_on_failure(settings, gen, client, None if keep else collection):
        tmp = settings.index_dir / f"{gen}.tmp"
        tmp.mkdir()
        outcome.embedded, outcome.from_store = fill_vectors(
            tmp, documents, chunks, reused, previous, embedder, settings, progress
        )
        write_lexicon(lexicon, tmp)
        _write_generation(
            settings, gen, documents, chunks, collection, client, fill=not keep, progress=progress
        )
    store.drop_collections(client, keep=collection, owner=datadir.owner(settings.index_dir))
    datadir.remove_old_generations(settings.index_dir, keep=gen)
    return outcome


def _chunk_all(documents: list[Document], reused: dict[str, Reused]) -> dict[str, list[Chunk]]:
    """Each document's chunks: reused when it is unchanged, else chunked now."""
    counter = TokenCounter()
    return {
        d.id: reused[d.id].chunks if d.id in reused else chunk_text(d.text, doc_id=d.id, count_tokens=counter)
        for d in documents
    }


def _previous_collection(
    settings: Settings, client: Any, old: Salvage | None, plan: _Plan
) -> tuple[Any, list[str]]:
    """The old generation's collection (None if it is in another store or gone), and a
    note when it is missing or damaged and must be rebuilt."""
    if old is None or plan.store_stale:
        return None, []
    previous = _old_collection(client, old, datadir.owner(settings.index_dir))
    if previous is not None and _intact(previous, old):
        return previous, []
    name = (old.manifest or {}).get("store", {}).get("collection", "of the index")
    return previous, [f"the Chroma collection {name} was missing, incomplete or unreadable; rebuilt it"]


def _collection_name(settings: Settings, gen: str) -> str:
    return f"{store.COLLECTION_PREFIX}{datadir.owner(settings.index_dir)}-{gen}"


def _old_collection(client: Any, old: Salvage, owner: str) -> Any:
    """The previous generation's collection: named by its manifest, else this index's only one."""
    names = store.list_collections(client)
    name = (old.manifest or {}).get("store", {}).get("collection")
    if name is None:
        owned = [n for n in names if n.startswith(f"{store.COLLECTION_PREFIX}{owner}-")]
        name = owned[0] if len(owned) == 1 else None
    if name not in names:
        return None
    try:
        return store.get_collection(client, name)
    except Exception:
        return None


def _intact(collection: Any, old: Salvage) -> bool:
    probe = old.vectors[0] if old.vectors is not None and len(old.vectors) else None
    return old.size >= 0 and store.is_intact(collection, old.size, probe)


def _write_generation(
    settings: Settings,
    gen: str,
    documents: list[Document],
    chunks: dict[str, list[Chunk]],
    collection: str,
    client: Any,
    *,
    fill: bool,
    progress: ProgressFactory | None = None,
) -> None:
    """Write every other file of ``<gen>.tmp`` (its vectors are already there), fill the
    collection unless it is reused, then make the generation live. The one place that
    writes generation files: a new file goes here."""
    tmp = settings.index_dir / f"{gen}.tmp"
    ordered = [c for d in documents for c in chunks[d.id]]
    meta = {d.id: d for d in documents}
    with open(tmp / "documents.json", "w", encoding="utf-8") as fh:
        entries = (
            (d.id, {"meta": d.meta.model_dump(mode="json"), "text": d.text, "path": d.path})
            for d in documents
        )
        _dump_object(fh, entries)
    with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(chunk_record(c)) + "\n" for c in ordered)
    lexical.build_bm25([_lexical_text(meta[c.doc_id], c) for c in ordered] or [""], tmp / "bm25")
    if fill:
        _fill_collection(
            client, collection, ordered, meta, np.load(tmp / "vectors.npy", mmap_mode="r"), progress
        )
    manifest = _manifest(settings, gen, documents, chunks, collection)
    (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    datadir.fsync_tree(tmp)
    tmp.rename(settings.index_dir / gen)
    datadir.point_to(settings.index_dir, gen)


def _manifest(
    settings: Settings, gen: str, documents: list[Document], chunks: dict[str, list[Chunk]], collection: str
) -> dict[str, Any]:
    """What a generation was built with and from: written last, so it marks a complete one."""
    ordered = [c for d in documents for c in chunks[d.id]]
    return {
        "format": FORMAT_VERSION,
        "generation": gen,
        "model": Embedder.name,
        "dimension": Embedder.dimension,
        "chunker_version": CHUNKER_VERSION,
        "chunk_tokens": CHUNK_TOKENS,
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "corpus_sha256": hashlib.sha256("".join(d.sha256 for d in documents).encode()).hexdigest(),
        "store": {"location": store.describe_store(settings), "collection": collection},
        "counts": {
            "documents": len(documents),
            "chunks": len(ordered),
            "sentences": sum(len(c.sentences) for c in ordered),
        },
        "documents": {
            d.id: {"sha256": d.sha256, "path": d.path, "chunks": len(chunks[d.id])} for d in documents
        },
    }


def _dump_object(fh: Any, entries: Iterator[tuple[str, Any]]) -> None:
    """Write ``{key: value, ...}`` one entry at a time, never the whole text at once."""
    fh.write("{")
    for i, (key, value) in enumerate(entries):
        fh.write(("," if i else "") + json.dumps(key) + ":" + json.dumps(value, ensure_ascii=False))
    fh.write("}")


def _fill_collection(
    client: Any,
    name: str,
    ordered: list[Chunk],
    meta: dict[str, Document],
    vectors: np.ndarray,
    progress: ProgressFactory | None,
) -> None:
    coll = store.create_collection(client, name)
    bar = progress(len(ordered), "storing") if progress and len(ordered) > store.ADD_BATCH else None
    try:
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
            on_batch=bar.update if bar else None,
        )
    finally:
        if bar:
            bar.close()


def _lexical_text(doc: Document, chunk: Chunk) -> str:
    """What BM25 indexes: the chunk with its document title and section heading."""
    return f"{doc.meta.title}\n{chunk.section}\n{chunk.text}"


__all__ = ["IngestReport", "Progress", "ProgressFactory", "build_index"]
