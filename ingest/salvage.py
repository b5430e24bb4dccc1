"""What survives of a damaged index generation, read leniently so it can be reused.

``ingest.generation`` refuses a generation with any missing or broken file. Here each
piece is read on its own, and a lost piece is None, with a line in ``damage`` saying
what happened, so the next generation is rebuilt from what survives:

==================  ======================================================================
lost piece          rebuilt from
==================  ======================================================================
``manifest.json``   the documents (hashes recomputed) and the chunks; model checked by
                    embedding a few stored chunks again, chunker by re-chunking
``chunks.jsonl``    re-chunking the documents, when the manifest proves the same chunker
``vectors.npy``     the Chroma collection, which holds every chunk vector
``sentences.npy``   re-embedding the sentences (only they are stored nowhere else)
``bm25/``           the chunk texts (no embedding)
``documents.json``  the corpus (``citewise ingest``); it alone holds the document texts
==================  ======================================================================
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ingest.chunking import Chunk, chunk_text
from ingest.corpus import Document, FrontMatter, document_sha256
from ingest.embedding import Embedder, TokenCounter
from ingest.errors import CitewiseError, IndexDamagedError
from ingest.generation import (
    chunk_from_record,
    generation_dirs,
    load_vectors,
    manifest_is_current,
    read_json,
    read_pointer,
    reason,
)
from ingest.settings import Settings

logger = logging.getLogger(__name__)

# Least cosine between a stored chunk vector and the same text embedded now, for a
# generation without a manifest to count as built with this model. Re-embedding the
# same text gives ~1.0; another model gives unrelated vectors (cosine ~0.1).
SAME_MODEL_COSINE = 0.98
MODEL_SAMPLES = 3


@dataclass(frozen=True, slots=True)
class Reused:
    """One unchanged document's chunks, and its stored vectors (None: lost)."""

    chunks: list[Chunk]
    chunk_vectors: np.ndarray | None  # rows of the old vectors.npy (a view, not a copy)
    sentence_vectors: np.ndarray | None


@dataclass
class Salvage:
    """The readable pieces of one generation; a lost piece is None."""

    directory: Path
    manifest: dict[str, Any] | None = None
    documents: dict[str, dict[str, Any]] | None = None
    records: dict[str, list[dict[str, Any]]] | None = None  # chunk records per document, in row order
    vectors: np.ndarray | None = None
    sentences: np.ndarray | None = None
    bm25_ok: bool = False
    damage: list[str] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)
    _rows: dict[str, tuple[int, int]] = field(default_factory=dict)  # first chunk row, first sentence row
    compatible: bool = False

    @property
    def generation(self) -> str:
        """The generation's name, e.g. ``g000003``."""
        return self.directory.name

    @property
    def healthy(self) -> bool:
        """True when every file was read and agrees with the others."""
        return not self.damage

    @property
    def size(self) -> int:
        """Number of chunks, when known."""
        return sum(len(r) for r in self.records.values()) if self.records is not None else -1

    def reuse(self, doc: Document) -> Reused | None:
        """Chunks and stored vector rows of ``doc`` if it is unchanged since this generation."""
        if not self.compatible or self.records is None or self.hashes.get(doc.id) != doc.sha256:
            return None
        records = self.records.get(doc.id)
        if records is None:
            return None
        try:
            chunks = [chunk_from_record(r, {doc.id: {"text": doc.text}}) for r in records]
        except (KeyError, TypeError, ValueError):
            return None
        first, first_sentence = self._rows[doc.id]
        last_sentence = first_sentence + sum(len(c.sentences) for c in chunks)
        return Reused(
            chunks,
            self.vectors[first : first + len(chunks)] if self.vectors is not None else None,
            self.sentences[first_sentence:last_sentence] if self.sentences is not None else None,
        )

    def stored_documents(self) -> list[Document]:
        """The documents held in ``documents.json``, sorted by id.

        Raises:
            CitewiseError: ``documents.json`` is lost or an entry is no longer valid.
        """
        if self.documents is None:
            raise CitewiseError(
                f"{self.generation}/documents.json is lost, and only it holds the document texts; "
                "run 'citewise ingest CORPUS_DIR' to rebuild the index from the corpus "
                "(unchanged documents reuse their stored vectors)"
            )
        documents = []
        for doc_id, entry in sorted(self.documents.items()):
            try:
                meta = FrontMatter.model_validate(entry["meta"])
            except Exception as exc:
                raise CitewiseError(
                    f"{self.generation}/documents.json: document {doc_id!r} no longer validates ({exc}); "
                    "run 'citewise ingest CORPUS_DIR' to rebuild it from the corpus"
                ) from exc
            sha = document_sha256(entry["meta"], entry["text"])
            documents.append(Document(meta=meta, text=entry["text"], path=entry.get("path", ""), sha256=sha))
        return documents

    def verify_model(self, embedder: Embedder) -> None:
        """Without a manifest, trust the stored vectors only if this model gives them again."""
        if self.manifest is not None or self.vectors is None or not self.compatible:
            return
        texts, rows = [], []
        samples = sorted(self.records.items())[:MODEL_SAMPLES] if self.records and self.documents else []
        for doc_id, records in samples:
            entry = self.documents.get(doc_id) if self.documents else None
            if entry is not None and records:
                texts.append(entry["text"][records[0]["start"] : records[0]["end"]])
                rows.append(self._rows[doc_id][0])
        if not texts:
            return
        cosines = np.sum(embedder.encode(texts) * np.asarray(self.vectors[rows]), axis=1)
        if float(cosines.min()) < SAME_MODEL_COSINE:
            self.compatible = False
            self.damage.append("the stored vectors are not this model's; everything is re-embedded")


def read_salvage(directory: Path, home: Path) -> Salvage:
    """Read every piece of ``directory`` that can be read; never raises for damage."""
    found = Salvage(directory)
    found.manifest = _piece(
        found, "manifest.json", lambda: _dict(read_json(directory / "manifest.json", home))
    )
    found.documents = _piece(found, "documents.json", lambda: _documents(directory, home))
    found.records = _piece(found, "chunks.jsonl", lambda: _records(directory, found.documents))
    _hashes(found)
    if found.records is None:
        found.records = _rechunk(found)
    _layout(found)
    if found.records is not None:
        rows, sentence_rows = (
            found.size,
            sum(len(r["sentences"]) for rs in found.records.values() for r in rs),
        )
        found.vectors = _piece(
            found, "vectors.npy", lambda: load_vectors(directory / "vectors.npy", rows, home)
        )
        found.sentences = _piece(
            found, "sentences.npy", lambda: load_vectors(directory / "sentences.npy", sentence_rows, home)
        )
        found.bm25_ok = _piece(found, "bm25", lambda: _bm25_rows(directory, rows)) is not None
    else:
        found.damage.append("the chunk layout is lost, so no stored vector can be placed")
    found.compatible = _compatible(found)
    return found


def _piece(found: Salvage, name: str, read: Callable[[], Any]) -> Any:
    """``read()``, or None with a line in ``found.damage`` when the piece is lost."""
    try:
        return read()
    except IndexDamagedError as exc:
        found.damage.append(exc.detail)
    except Exception as exc:  # json, numpy and bm25s raise assorted types on corrupt files
        found.damage.append(f"{found.generation}/{name} is unreadable ({reason(exc)})")
    logger.info("damaged: %s", found.damage[-1])
    return None


def _dict(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _documents(directory: Path, home: Path) -> dict[str, dict[str, Any]]:
    documents = _dict(read_json(directory / "documents.json", home))
    for doc_id, entry in documents.items():
        if not isinstance(entry.get("text"), str) or not isinstance(entry.get("meta"), dict):
            raise ValueError(f"entry {doc_id!r} lacks its text or metadata")
    return documents


def _records(directory: Path, documents: dict[str, dict[str, Any]] | None) -> dict[str, list[dict[str, Any]]]:
    import json

    grouped: dict[str, list[dict[str, Any]]] = {}
    with open(directory / "chunks.jsonl", "rb") as fh:
        for line in fh:
            record = json.loads(line)
            if documents is not None:
                chunk_from_record(record, documents)  # offsets must fit the stored text
            grouped.setdefault(str(record["doc_id"]), []).append(record)
    return grouped


def _hashes(found: Salvage) -> None:
    """Document hashes: from the manifest, else recomputed from the stored documents."""
    if found.manifest is not None:
        try:
            found.hashes = {i: str(e["sha256"]) for i, e in found.manifest["documents"].items()}
            return
        except (KeyError, TypeError, AttributeError):
            found.damage.append(f"{found.generation}/manifest.json: has no document hashes")
            found.manifest = None
    if found.documents is not None:
        found.hashes = {i: document_sha256(e["meta"], e["text"]) for i, e in found.documents.items()}


def _rechunk(found: Salvage) -> dict[str, list[dict[str, Any]]] | None:
    """Chunk records rebuilt by chunking the stored texts again, if that gives the same layout.

    Only when the manifest proves the current chunker, and every document gets as many
    chunks as the manifest recorded; otherwise stored vectors could land on wrong rows.
    """
    if found.manifest is None or found.documents is None or not manifest_is_current(found.manifest):
        return None
    counter = TokenCounter()
    records: dict[str, list[dict[str, Any]]] = {}
    for doc_id in sorted(found.manifest["documents"]):
        entry = found.documents.get(doc_id)
        if entry is None:
            return None
        chunks = chunk_text(entry["text"], doc_id=doc_id, count_tokens=counter)
        if len(chunks) != found.manifest["documents"][doc_id]["chunks"]:
            return None
        records[doc_id] = [chunk_record(c) for c in chunks]
    logger.info("%s: chunk layout rebuilt by re-chunking %d documents", found.generation, len(records))
    return records


def _layout(found: Salvage) -> None:
    """First chunk row and first sentence row of each document, in stored order."""
    if found.records is None:
        return
    row = sentence_row = 0
    for doc_id, records in found.records.items():
        found._rows[doc_id] = (row, sentence_row)
        row += len(records)
        sentence_row += sum(len(r["sentences"]) for r in records)


def _bm25_rows(directory: Path, rows: int) -> int:
    from ingest.lexical import Bm25Index

    held = Bm25Index(directory / "bm25", rows).rows
    if held != rows:
        raise ValueError(f"holds {held} rows, expected {rows}")
    return held


def _compatible(found: Salvage) -> bool:
    """True when stored chunks and vectors can be reused with the current model and chunker."""
    if found.manifest is not None:
        return manifest_is_current(found.manifest)
    # No manifest: the chunker is proven by re-chunking, the model later by verify_model.
    if found.documents is None or found.records is None:
        return False
    counter = TokenCounter()
    for doc_id, records in found.records.items():
        entry = found.documents.get(doc_id)
        if entry is None:
            return False
        again = [chunk_record(c) for c in chunk_text(entry["text"], doc_id=doc_id, count_tokens=counter)]
        if again != [_normal(r) for r in records]:
            return False
    return True


def chunk_record(chunk: Chunk) -> dict[str, Any]:
    """One line of ``chunks.jsonl``."""
    return {
        "id": chunk.id,
        "doc_id": chunk.doc_id,
        "ordinal": chunk.ordinal,
        "section": chunk.section,
        "start": chunk.start,
        "end": chunk.end,
        "sentences": [list(span) for span in chunk.sentences],
    }


def _normal(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "sentences": [list(span) for span in record["sentences"]]}


def find_live(settings: Settings) -> tuple[Salvage | None, list[str]]:
    """What survives of the live generation, and a note if CURRENT had to be recovered.

    A CURRENT that is missing, unreadable or names no generation is recovered from the
    generation directories on disk: the newest one with a manifest or documents file.
    """
    index_dir = settings.index_dir
    try:
        name = read_pointer(index_dir, settings.home)
    except IndexDamagedError as exc:
        found = [d for d in generation_dirs(index_dir) if any((d / f).is_file() for f in _KEY_FILES)]
        if not found:
            logger.warning("%s, and no generation on disk can replace it; starting afresh", exc.detail)
            return None, [f"{exc.detail}; no generation on disk could replace it, so the index was rebuilt"]
        return read_salvage(found[0], settings.home), [f"{exc.detail}; recovered {found[0].name} from disk"]
    if name is None:
        return None, []
    return read_salvage(index_dir / name, settings.home), []


_KEY_FILES = ("manifest.json", "documents.json")
