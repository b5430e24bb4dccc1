"""Read one index generation: its manifest, documents, chunks and stored vectors.

The layout is described in ``ingest.index``, which writes generations; this module
only reads them, for the next ingest (to reuse unchanged documents) and for answering.

Reading for answers is strict: a missing, unreadable or inconsistent file is an
``IndexDamagedError`` naming the file and saying to run ``citewise doctor``, never a
traceback. ``ingest.salvage`` reads a damaged generation leniently, to repair it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from ingest.chunking import CHUNK_TOKENS, CHUNKER_VERSION, Chunk
from ingest.embedding import Embedder
from ingest.errors import ConfigError, IndexDamagedError, IndexMismatchError, IndexNotFoundError
from ingest.settings import Settings

FORMAT_VERSION = 1
POINTER = "CURRENT"
GENERATION_NAME = re.compile(r"^g\d{6}$")
# Every file of a generation; `citewise doctor` checks each of them.
FILES = ("manifest.json", "documents.json", "chunks.jsonl", "vectors.npy", "sentences.npy", "bm25")
REPAIR_HINT = "run 'citewise doctor' to repair it (only what cannot be recovered is re-embedded)"


def damaged(home: Path, detail: str, hint: str = REPAIR_HINT) -> IndexDamagedError:
    """The error for a damaged index: what is wrong, and the command that repairs it."""
    return IndexDamagedError(f"the index in {home} is damaged: {detail}; {hint}", detail)


def generation_dirs(index_dir: Path) -> list[Path]:
    """Finished generation directories on disk, newest first (``.tmp`` ones excluded)."""
    if not index_dir.is_dir():
        return []
    found = [p for p in index_dir.iterdir() if GENERATION_NAME.match(p.name) and p.is_dir()]
    return sorted(found, key=lambda p: p.name, reverse=True)


def read_pointer(index_dir: Path, home: Path) -> str | None:
    """Name of the live generation, from ``CURRENT``; None when there is no index at all.

    Raises:
        IndexDamagedError: CURRENT is unreadable, names no generation, or is missing
            while generations are on disk.
        ConfigError: CURRENT cannot be read for lack of permission.
    """
    pointer = index_dir / POINTER
    try:
        raw = pointer.read_bytes()
    except FileNotFoundError:
        found = generation_dirs(index_dir)
        if not found:
            return None
        raise damaged(
            home, f"the pointer {pointer} is missing, but generation {found[0].name} is on disk"
        ) from None
    except PermissionError as exc:
        raise ConfigError(
            f"cannot read {pointer}: permission denied; run citewise as the index's owner"
        ) from exc
    except OSError as exc:
        raise damaged(home, f"the pointer {pointer} cannot be read ({exc.strerror or exc})") from exc
    name = raw.decode("utf-8", "replace").strip()
    if not GENERATION_NAME.match(name):
        raise damaged(home, f"the pointer {pointer} does not name a generation (expected e.g. g000001)")
    if not (index_dir / name).is_dir():
        raise damaged(home, f"the pointer {pointer} names {name}, which is not on disk")
    return name


def current_generation(settings: Settings) -> Path | None:
    """Directory of the live generation, or None when there is no index.

    Raises:
        IndexDamagedError: the CURRENT pointer is damaged (see ``read_pointer``).
    """
    name = read_pointer(settings.index_dir, settings.home)
    return None if name is None else settings.index_dir / name


def read_json(path: Path, home: Path) -> Any:
    """Parse one JSON file of a generation, naming it when it is missing or corrupt."""
    where = f"{path.parent.name}/{path.name}"
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError as exc:
        raise damaged(home, f"{where} is missing", hint=_hint(path)) from exc
    except (OSError, ValueError, RecursionError) as exc:
        raise damaged(home, f"{where} is unreadable ({reason(exc)})", hint=_hint(path)) from exc


def _hint(path: Path) -> str:
    if path.name == "documents.json":  # the one file that only the corpus can rebuild
        return (
            "run 'citewise ingest CORPUS_DIR' to rebuild it from the corpus "
            "(unchanged documents reuse their stored vectors)"
        )
    return REPAIR_HINT


def reason(exc: BaseException) -> str:
    """A short cause for a message: an OSError's strerror, else the first line, bounded."""
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    text = str(exc).splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


class LoadedGeneration:
    """The files of one index generation, read into memory and checked for consistency.

    Raises:
        IndexDamagedError: a file is missing, unreadable, or disagrees with another.
    """

    def __init__(self, directory: Path, home: Path | None = None) -> None:
        self.directory = directory
        self.home = home or directory.parent.parent
        self.generation = directory.name
        self.manifest: dict[str, Any] = read_json(directory / "manifest.json", self.home)
        self.documents: dict[str, dict[str, Any]] = read_json(directory / "documents.json", self.home)
        try:
            _check_manifest(self.manifest)
            _check_documents(self.documents)
            self.chunks, self.sentence_rows = read_chunks(directory / "chunks.jsonl", self.documents)
            _check_counts(self.manifest, self.documents, self.chunks)
        except IndexDamagedError:
            raise
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise damaged(self.home, f"{self.generation}: {reason(exc)}") from exc
        except OSError as exc:
            raise damaged(self.home, f"{self.generation}/chunks.jsonl is unreadable ({reason(exc)})") from exc
        self._first_row: dict[str, int] = {}
        for i, c in enumerate(self.chunks):
            self._first_row.setdefault(c.doc_id, i)

    @property
    def size(self) -> int:
        """Number of chunks."""
        return len(self.chunks)

    @property
    def sentence_count(self) -> int:
        """Number of sentence vectors the generation must hold."""
        return sum(len(c.sentences) for c in self.chunks)

    def describe(self) -> str:
        """The model and chunker this generation was built with."""
        m = self.manifest
        return f"model {m['model']} (dimension {m['dimension']}), chunker v{m['chunker_version']}"

    def compatible_for_reuse(self) -> bool:
        """True when built with the current model, dimension and chunker."""
        return manifest_is_current(self.manifest)

    def rows_of(self, doc_id: str) -> range:
        """The rows of one document's chunks, in order (a document's chunks are contiguous)."""
        first = self._first_row[doc_id]
        return range(first, first + self.manifest["documents"][doc_id]["chunks"])

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        """The chunks of one document, in order."""
        rows = self.rows_of(doc_id)
        return self.chunks[rows.start : rows.stop]

    def chunk_vectors(self) -> np.ndarray:
        """The stored chunk vectors, memory-mapped, one row per chunk."""
        return self._vectors("vectors.npy", self.size)

    def sentence_vectors(self) -> np.ndarray:
        """The stored sentence vectors, memory-mapped, in chunk order."""
        return self._vectors("sentences.npy", self.sentence_count)

    def vectors_of(self, doc_id: str) -> tuple[np.ndarray, np.ndarray]:
        """Stored chunk and sentence vectors of one document."""
        rows = self.rows_of(doc_id)
        s0 = self.sentence_rows[rows.start]
        s1 = s0 + sum(len(c.sentences) for c in self.chunks_of(doc_id))
        return (
            np.asarray(self.chunk_vectors()[rows.start : rows.stop]),
            np.asarray(self.sentence_vectors()[s0:s1]),
        )

    def bm25(self) -> Any:
        """The loaded BM25 index (``ingest.lexical.Bm25Index``)."""
        from ingest.lexical import Bm25Index

        try:
            index = Bm25Index(self.directory / "bm25", self.size)
        except Exception as exc:  # bm25s raises many types on missing or corrupt files
            raise damaged(self.home, f"{self.generation}/bm25 is unreadable ({reason(exc)})") from exc
        if index.rows != self.size:
            raise damaged(self.home, f"{self.generation}/bm25 holds {index.rows} rows, expected {self.size}")
        return index

    def _vectors(self, name: str, rows: int) -> np.ndarray:
        return load_vectors(self.directory / name, rows, self.home)


def load_vectors(path: Path, rows: int, home: Path) -> np.ndarray:
    """Memory-map a stored vector file, checking its shape and type.

    Raises:
        IndexDamagedError: the file is missing, unreadable or of the wrong shape.
    """
    where = f"{path.parent.name}/{path.name}"
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except FileNotFoundError as exc:
        raise damaged(home, f"{where} is missing") from exc
    except (OSError, ValueError, EOFError) as exc:
        raise damaged(home, f"{where} is unreadable ({reason(exc)})") from exc
    expected = (rows, Embedder.dimension)
    if array.dtype != np.float32 or array.shape != expected:
        raise damaged(home, f"{where} holds {array.dtype} {array.shape}, expected float32 {expected}")
    return array


def manifest_is_current(manifest: dict[str, Any]) -> bool:
    """True when a manifest was written with the current model, dimension and chunker."""
    return (
        manifest.get("format") == FORMAT_VERSION
        and manifest.get("model") == Embedder.name
        and manifest.get("dimension") == Embedder.dimension
        and manifest.get("chunker_version") == CHUNKER_VERSION
        and manifest.get("chunk_tokens") == CHUNK_TOKENS
    )


def read_chunks(path: Path, documents: dict[str, dict[str, Any]]) -> tuple[list[Chunk], list[int]]:
    """The chunks of ``chunks.jsonl`` with their texts, and each chunk's first sentence row.

    Raises:
        ValueError: a line is not a chunk record, or its offsets leave its document.
        OSError: the file cannot be read.
    """
    chunks: list[Chunk] = []
    rows: list[int] = []
    row = 0
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, start=1):
            try:
                chunk = chunk_from_record(json.loads(line), documents)
            except (KeyError, TypeError, ValueError, RecursionError) as exc:
                raise ValueError(f"chunks.jsonl line {number} is not a valid chunk ({reason(exc)})") from exc
            chunks.append(chunk)
            rows.append(row)
            row += len(chunk.sentences)
    return chunks, rows


def chunk_from_record(record: dict[str, Any], documents: dict[str, dict[str, Any]]) -> Chunk:
    """One ``chunks.jsonl`` record as a Chunk, its text cut from its document."""
    text = documents[record["doc_id"]]["text"]
    start, end = int(record["start"]), int(record["end"])
    spans = tuple((int(s), int(e)) for s, e in record["sentences"])
    if not 0 <= start <= end <= len(text) or any(not start <= s <= e <= end for s, e in spans):
        raise ValueError(f"offsets {start}-{end} do not fit document {record['doc_id']!r}")
    return Chunk(
        record["doc_id"], int(record["ordinal"]), str(record["section"]), start, end, text[start:end], spans
    )


def _check_manifest(manifest: Any) -> None:
    if not isinstance(manifest, dict):
        raise ValueError("manifest.json is not an object")
    for key in ("model", "dimension", "chunker_version", "corpus_sha256", "built_at"):
        if key not in manifest:
            raise ValueError(f"manifest.json lacks {key!r}")
    store = manifest["store"]
    if not isinstance(store.get("location"), str) or not isinstance(store.get("collection"), str):
        raise ValueError("manifest.json has no store location and collection")
    for doc_id, entry in manifest["documents"].items():
        if not isinstance(entry.get("sha256"), str) or not isinstance(entry.get("chunks"), int):
            raise ValueError(f"manifest.json entry {doc_id!r} lacks its hash or chunk count")


def _check_documents(documents: Any) -> None:
    if not isinstance(documents, dict):
        raise ValueError("documents.json is not an object")
    for doc_id, entry in documents.items():
        meta = entry.get("meta")
        if not isinstance(entry.get("text"), str) or not isinstance(meta, dict) or meta.get("id") != doc_id:
            raise ValueError(f"documents.json entry {doc_id!r} lacks its text or metadata")
        if not all(key in meta for key in ("kind", "title", "authors", "year")):
            raise ValueError(f"documents.json entry {doc_id!r} lacks kind, title, authors or year")


def _check_counts(manifest: dict[str, Any], documents: dict[str, Any], chunks: list[Chunk]) -> None:
    listed = manifest["documents"]
    if set(listed) != set(documents):
        raise ValueError("manifest.json and documents.json list different documents")
    per_doc: dict[str, int] = {}
    for c in chunks:
        per_doc[c.doc_id] = per_doc.get(c.doc_id, 0) + 1
    for doc_id, entry in listed.items():
        if per_doc.get(doc_id, 0) != entry["chunks"]:
            raise ValueError(
                f"chunks.jsonl holds {per_doc.get(doc_id, 0)} chunks of {doc_id!r}, the manifest {entry['chunks']}"
            )


def load_generation(settings: Settings) -> LoadedGeneration:
    """Load the live generation, checking it matches the current model and chunker.

    Raises:
        IndexNotFoundError: there is no index.
        IndexDamagedError: a file of the live generation is missing or unreadable.
        IndexMismatchError: it was built with another model, dimension or chunker.
    """
    directory = current_generation(settings)
    if directory is None:
        raise IndexNotFoundError(f"no index in {settings.home}; run 'citewise ingest' first")
    loaded = LoadedGeneration(directory, settings.home)
    if not loaded.compatible_for_reuse():
        raise IndexMismatchError(
            f"the index in {settings.home} was built with {loaded.describe()}, but this citewise uses "
            f"model {Embedder.name} (dimension {Embedder.dimension}), chunker v{CHUNKER_VERSION}; "
            "run 'citewise ingest' to rebuild it"
        )
    return loaded
