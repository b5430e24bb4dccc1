"""Assemble a generation's vector files on disk, reusing stored vectors where it can.

``vectors.npy`` (one row per chunk) and ``sentences.npy`` (one row per sentence, in
chunk order) are written in place, row by row (``VectorFile``), so an ingest of many
thousands of abstracts never holds its vectors in memory: unchanged documents' rows are
copied from the previous generation, chunk vectors lost from disk are fetched from its
Chroma collection, and everything else is embedded a window at a time.
"""

from __future__ import annotations

import ctypes
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
# See batch_size_for: the most word pieces the model reads, and word pieces per batch.
MODEL_TOKENS = 256
BATCH_TOKENS = 16 * MODEL_TOKENS


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
    vectors = VectorFile(tmp / "vectors.npy", sum(len(c) for c in chunks.values()))
    sentences = VectorFile(tmp / "sentences.npy", sum(len(c.sentences) for cs in chunks.values() for c in cs))
    with vectors, sentences:
        jobs, lost = _copy_stored(
            documents, chunks, reused, vectors, sentences, can_fetch=old_collection is not None
        )
        recovered = store.fetch_vectors(old_collection, list(lost)) if lost else {}
        position = {d.id: i for i, d in enumerate(documents)}
        for chunk_id, target in lost.items():
            if chunk_id in recovered:
                vectors.write(np.array([target]), recovered[chunk_id][None, :])
            else:
                doc_id, chunk = _chunk_at(chunks, chunk_id)
                jobs.append((0, target, position[doc_id], chunk.start, chunk.end))
        _embed(jobs, documents, (vectors, sentences), embedder, settings, progress)
    return len(jobs), len(recovered)


class VectorFile:
    """A ``.npy`` file of float32 rows, created at full size and written in place.

    Writes go through ``pwrite``, not a memory map: rows written never stay in this
    process's memory, and the blocks are reserved up front, so a full disk is an
    ENOSPC at the start rather than a SIGBUS on a write into a sparse mapping.
    """

    def __init__(self, path: Path, rows: int) -> None:
        header = np.lib.format.open_memmap(
            path, mode="w+", dtype=np.float32, shape=(rows, Embedder.dimension)
        )
        self._offset = header.offset
        del header  # only the header and the file's length were written; no page touched
        self._stride = Embedder.dimension * 4
        self._fd = os.open(path, os.O_RDWR)
        size = os.fstat(self._fd).st_size
        if size:
            os.posix_fallocate(self._fd, 0, size)

    def write(self, rows: np.ndarray, values: np.ndarray) -> None:
        """Write ``values[i]`` to row ``rows[i]``."""
        data = np.ascontiguousarray(values, dtype=np.float32)
        for row, vector in zip(rows.tolist(), data, strict=True):
            os.pwrite(self._fd, vector.tobytes(), self._offset + row * self._stride)

    def write_block(self, first: int, values: np.ndarray) -> None:
        """Write consecutive rows starting at ``first``."""
        data = np.ascontiguousarray(values, dtype=np.float32).tobytes()
        os.pwrite(self._fd, data, self._offset + first * self._stride)

    def __enter__(self) -> VectorFile:
        return self

    def __exit__(self, *_: object) -> None:
        os.close(self._fd)


Job = tuple[int, int, int, int, int]  # (0 chunk | 1 sentence, row, document number, start, end)


def _copy_stored(
    documents: list[Document],
    chunks: dict[str, list[Chunk]],
    reused: dict[str, Reused],
    vectors: VectorFile,
    sentences: VectorFile,
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
            vectors.write_block(row, kept.chunk_vectors)
        elif kept is not None and can_fetch:
            lost.update({c.id: row + i for i, c in enumerate(own)})
        else:
            jobs.extend((0, row + i, number, c.start, c.end) for i, c in enumerate(own))
        if kept is not None and kept.sentence_vectors is not None:
            sentences.write_block(sentence_row, kept.sentence_vectors)
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
    targets: tuple[VectorFile, VectorFile],
    embedder: Embedder,
    settings: Settings,
    progress: ProgressFactory | None,
) -> None:
    """Embed the texts of ``jobs`` a window at a time, writing each vector to its row.

    Longest texts first, in windows of similar length, each with a batch size that
    keeps the model's attention memory bounded (see ``batch_size_for``).
    """
    bar = progress(len(jobs), "embedding") if progress and jobs else None
    release = _memory_release()

    def after_batch(n: int) -> None:
        release()
        if bar is not None:
            bar.update(n)

    ordered = sorted(jobs, key=lambda job: job[3] - job[4])  # longest first
    try:
        for window, batch_size in _windows(ordered, settings.embed_batch_size):
            texts = [documents[doc].text[s:e] for _, _, doc, s, e in window]
            out = embedder.encode(texts, batch_size=batch_size, on_batch=after_batch)
            kinds = np.array([kind for kind, *_ in window])
            rows = np.array([row for _, row, *_ in window])
            for kind, target in enumerate(targets):
                target.write(rows[kinds == kind], out[kinds == kind])
    finally:
        if bar:
            bar.close()


def _memory_release() -> Callable[[], Any]:
    """A function that hands memory freed by the model back to the system (glibc only).

    glibc keeps what the model frees after each batch in its per-thread arenas, and
    batches of ever different shapes fragment them: over 80 batches of 16 texts the
    process grew from 361 to 764 MB of anonymous memory, and so an ingest's peak grew
    with the corpus. ``malloc_trim(0)`` after each batch kept it flat at 364 MB.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        return lambda: libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return lambda: None


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
    """Texts per model call for texts of up to ``chars`` characters: a power of two.

    A batch's activations grow with its word pieces (batch x tokens), and attention
    with batch x tokens^2. Measured at ingest, 64 chunks of ~256 pieces took ~390 MB
    above the model's ~500 MB, 16 of them ~140 MB. So a batch holds at most 16 x 256
    pieces: 16 chunks of ~200 pieces, 32 of ~100, and short sentences keep ``largest``.
    Pieces are estimated at one per 3 characters (e.g. a 600-character chunk: ~200).
    """
    tokens = min(MODEL_TOKENS, chars // 3 + 2)
    fits = max(1, min(largest, BATCH_TOKENS // tokens))
    return 1 << (fits.bit_length() - 1)  # few distinct sizes, so windows stay long
