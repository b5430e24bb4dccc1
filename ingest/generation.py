"""Read one index generation: its manifest, documents, chunks and stored vectors.

The layout is described in ``ingest.index``, which writes generations; this module
only reads them, for the next ingest (to reuse unchanged documents) and for answering.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ingest.chunking import CHUNK_TOKENS, CHUNKER_VERSION, Chunk
from ingest.embedding import Embedder
from ingest.errors import IndexMismatchError, IndexNotFoundError
from ingest.settings import Settings

FORMAT_VERSION = 1


class LoadedGeneration:
    """The files of one index generation, read into memory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.generation = directory.name
        self.manifest: dict[str, Any] = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        self.documents: dict[str, dict[str, Any]] = json.loads(
            (directory / "documents.json").read_text(encoding="utf-8")
        )
        self.chunks: list[Chunk] = []
        self.sentence_rows: list[int] = []
        row = 0
        with open(directory / "chunks.jsonl", encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                text = self.documents[r["doc_id"]]["text"][r["start"] : r["end"]]
                spans = tuple((s, e) for s, e in r["sentences"])
                self.chunks.append(
                    Chunk(r["doc_id"], r["ordinal"], r["section"], r["start"], r["end"], text, spans)
                )
                self.sentence_rows.append(row)
                row += len(spans)
        self._first_row: dict[str, int] = {}
        for i, c in enumerate(self.chunks):
            self._first_row.setdefault(c.doc_id, i)

    @property
    def size(self) -> int:
        """Number of chunks."""
        return len(self.chunks)

    def describe(self) -> str:
        """The model and chunker this generation was built with."""
        m = self.manifest
        return f"model {m['model']} (dimension {m['dimension']}), chunker v{m['chunker_version']}"

    def compatible_for_reuse(self) -> bool:
        """True when built with the current model, dimension and chunker."""
        m = self.manifest
        return (
            m.get("format") == FORMAT_VERSION
            and m.get("model") == Embedder.name
            and m.get("dimension") == Embedder.dimension
            and m.get("chunker_version") == CHUNKER_VERSION
            and m.get("chunk_tokens") == CHUNK_TOKENS
        )

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        """The chunks of one document, in order."""
        first = self._first_row[doc_id]
        return self.chunks[first : first + self.manifest["documents"][doc_id]["chunks"]]

    def vectors_of(self, doc_id: str) -> tuple[np.ndarray, np.ndarray]:
        """Stored chunk and sentence vectors of one document."""
        first = self._first_row[doc_id]
        count = self.manifest["documents"][doc_id]["chunks"]
        vectors = np.load(self.directory / "vectors.npy", mmap_mode="r")
        sentences = np.load(self.directory / "sentences.npy", mmap_mode="r")
        s0 = self.sentence_rows[first]
        s1 = s0 + sum(len(c.sentences) for c in self.chunks[first : first + count])
        return np.asarray(vectors[first : first + count]), np.asarray(sentences[s0:s1])


def current_generation(settings: Settings) -> Path | None:
    """Directory of the live generation, or None when there is no index."""
    pointer = settings.index_dir / "CURRENT"
    if not pointer.exists():
        return None
    directory = settings.index_dir / pointer.read_text(encoding="utf-8").strip()
    return directory if (directory / "manifest.json").exists() else None


def load_generation(settings: Settings) -> LoadedGeneration:
    """Load the live generation, checking it matches the current model and chunker.

    Raises:
        IndexNotFoundError: there is no index.
        IndexMismatchError: it was built with another model, dimension or chunker.
    """
    directory = current_generation(settings)
    if directory is None:
        raise IndexNotFoundError(f"no index in {settings.home}; run 'citewise ingest' first")
    loaded = LoadedGeneration(directory)
    if not loaded.compatible_for_reuse():
        raise IndexMismatchError(
            f"the index in {settings.home} was built with {loaded.describe()}, but this citewise uses "
            f"model {Embedder.name} (dimension {Embedder.dimension}), chunker v{CHUNKER_VERSION}; "
            "run 'citewise ingest' to rebuild it"
        )
    return loaded
