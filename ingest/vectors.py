"""Assemble a generation's vector files on disk, reusing stored vectors where it can.

``vectors.npy`` (one row per chunk) and ``sentences.npy`` (one row per sentence, in
chunk order) are written through memory maps, so an ingest of many thousands of
abstracts never holds all its vectors in memory: unchanged documents' rows are copied
from the previous generation, chunk vectors lost from disk are fetched from its Chroma
collection, and everything else is embedded a window at a time.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ingest import store
from ingest.chunking import Chunk
from ingest.corpus import Document
from ingest.embedding import Embedder
from ingest.salvage import Reused
from ingest.settings import Settings

# Texts handed to the embedder at once: enough for it to sort by length and batch well,
# few enough that their vectors (2,048 x 384 floats = 3 MB) never add up in memory.
EMBED_WINDOW = 2048
# See batch_size_for: the most word pieces the model reads, and the attention budget.
ATTENTION_TOKENS = 256
ATTENTION_BUDGET = 16 * ATTENTION_TOKENS * ATTENTION_TOKENS


class Progress(Protocol):
    """A progress bar: ``update(n)`` after each step, ``close()`` at the end."""

    def update(self, n: int) -> Any: ...
    def close(self) -> Any: ...


ProgressFactory = Callable[[int, str], Progress]


def fill_vectors(
    tmp: Path,
    documents: list[Document],
    chunks: dict[str, list[Chunk]],
    reused: dict[str, Reused],
    old_collection: Any,
    embedder: Embedder,
    settings: Settings,
    progress: ProgressFactory | None,
) -> tuple[int, int]:
    """Write ``vectors.npy`` and ``sentences.npy`` into ``tmp``, row by row on disk.

    Stored rows are copied; chunk vectors lost from disk come from the old collection;
    the rest is embedded in windows. Returns (texts embedded, vectors from the store).
    """
    vectors = _allocate(tmp / "vectors.npy", sum(len(c) for c in chunks.values()))
    sentences = _allocate(tmp / "sentences.npy", sum(len(c.sentences) for cs in chunks.values() for c in cs))
    jobs, lost = _copy_stored(
        documents, chunks, reused, vectors, sentences, can_fetch=old_collection is not None
    )
    recovered = store.fetch_vectors(old_collection, list(lost)) if lost else {}
    position = {d.id: i for i, d in enumerate(documents)}
    for chunk_id, target in lost.items():
        if chunk_id in recovered:
            vectors[target] = recovered[chunk_id]
        else:
            doc_id, chunk = _chunk_at(chunks, chunk_id)
            jobs.append((0, target, position[doc_id], chunk.start, chunk.end))
    _embed(jobs, documents, (vectors, sentences), embedder, settings, progress)
    for array in (vectors, sentences):
        if isinstance(array, np.memmap):
            array.flush()
    return len(jobs), len(recovered)


Job = tuple[int, int, int, int, int]  # (0 chunk | 1 sentence, row, document number, start, end)


def _copy_stored(
    documents: list[Document],
    chunks: dict[str, list[Chunk]],
    reused: dict[str, Reused],
    vectors: np.ndarray,
    sentences: np.ndarray,
    *,
    can_fetch: bool,
) -> tuple[list[Job], dict[str, int]]:
    """Copy the stored vectors of unchanged documents into place.

    Returns the texts left to embed, and the chunk rows (by chunk id) to fetch from
    the old collection because their vector file is lost.
    """
    jobs: list[Job] = []
    lost: dict[str, int] = {}
    row = sentence_row = 0
    for number, doc in enumerate(documents):
        kept, own = reused.get(doc.id), chunks[doc.id]
        spans = [span for c in own for span in c.sentences]
        if kept is not None and kept.chunk_vectors is not None:
            vectors[row : row + len(own)] = kept.chunk_vectors
        elif kept is not None and can_fetch:
            lost.update({c.id: row + i for i, c in enumerate(own)})
        else:
            jobs.extend((0, row + i, number, c.start, c.end) for i, c in enumerate(own))
        if kept is not None and kept.sentence_vectors is not None:
            sentences[sentence_row : sentence_row + len(spans)] = kept.sentence_vectors
        else:
            jobs.extend((1, sentence_row + j, number, s, e) for j, (s, e) in enumerate(spans))
        row += len(own)
        sentence_row += len(spans)
    return jobs, lost


def _chunk_at(chunks: dict[str, list[Chunk]], chunk_id: str) -> tuple[str, Chunk]:
    doc_id, ordinal = chunk_id.rsplit("#", 1)
    return doc_id, chunks[doc_id][int(ordinal)]


def _embed(
    jobs: list[Job],
    documents: list[Document],
    targets: tuple[np.ndarray, np.ndarray],
    embedder: Embedder,
    settings: Settings,
    progress: ProgressFactory | None,
) -> None:
    """Embed the texts of ``jobs`` a window at a time, writing each vector to its row.

    Longest texts first, in windows of similar length, each with a batch size that
    keeps the model's attention memory bounded (see ``batch_size_for``).
    """
    bar = progress(len(jobs), "embedding") if progress and jobs else None
    ordered = sorted(jobs, key=lambda job: job[3] - job[4])  # longest first
    try:
        for window, batch_size in _windows(ordered, settings.embed_batch_size):
            texts = [documents[doc].text[s:e] for _, _, doc, s, e in window]
            out = embedder.encode(texts, batch_size=batch_size, on_batch=bar.update if bar else None)
            kinds = np.array([kind for kind, *_ in window])
            rows = np.array([row for _, row, *_ in window])
            for kind, target in enumerate(targets):
                target[rows[kinds == kind]] = out[kinds == kind]
    finally:
        if bar:
            bar.close()


def _windows(ordered: list[Job], largest: int) -> Iterator[tuple[list[Job], int]]:
    """Consecutive runs of at most EMBED_WINDOW jobs that share one batch size."""
    window: list[Job] = []
    size = 0
    for job in ordered:
        wanted = batch_size_for(job[4] - job[3], largest)
        if window and (wanted != size or len(window) == EMBED_WINDOW):
            yield window, size
            window = []
        window.append(job)
        size = wanted
    if window:
        yield window, size


def batch_size_for(chars: int, largest: int) -> int:
    """Texts per model call for texts of up to ``chars`` characters.

    Self-attention holds batch x heads x tokens^2 scores per layer, so peak memory
    grows with the square of the length: 64 chunks of 256 word pieces took ~390 MB
    above the model's 550 MB, 16 of them ~140 MB. The batch is capped so that
    batch x tokens^2 stays within 16 x 256^2; short sentences keep the full batch.
    E.g. a 600-character chunk (~200 pieces at ~3 characters each) gets 26.
    """
    tokens = min(ATTENTION_TOKENS, chars // 3 + 2)
    return max(1, min(largest, ATTENTION_BUDGET // (tokens * tokens)))


def _allocate(path: Path, rows: int) -> np.ndarray:
    """A float32 (rows, dimension) array backed by the ``.npy`` file at ``path``."""
    if rows == 0:  # an empty file cannot be memory-mapped
        empty = np.zeros((0, Embedder.dimension), np.float32)
        np.save(path, empty)
        return empty
    array = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(rows, Embedder.dimension))
    # Reserve the blocks now: a sparse file that meets a full disk later kills the
    # process with SIGBUS on a write to the mapping; this fails with ENOSPC instead.
    with open(path, "r+b") as fh:
        os.posix_fallocate(fh.fileno(), 0, os.fstat(fh.fileno()).st_size)
    return array
