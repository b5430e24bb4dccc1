"""Passages: retrieved chunks with the citation metadata of their document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant import evidence


@dataclass(frozen=True, slots=True)
class Source:
    """Bibliographic data of one corpus document."""

    id: str
    kind: str
    title: str
    authors: tuple[str, ...]
    year: int
    journal: str | None = None
    volume_pages: str | None = None
    pmid: str | None = None
    doi: str | None = None
    url: str | None = None
    study_type: str | None = None
    provenance: str | None = None
    note: str | None = None
    has_markers: bool = False
    superseded_by: str | None = None  # the id of the corpus document that replaces it

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> Source:
        """Build from a document's front-matter mapping."""
        names = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in meta.items() if k in names}
        values["authors"] = tuple(meta.get("authors") or ())
        values["has_markers"] = bool(meta.get("markers"))
        return cls(**values)

    @property
    def is_guideline(self) -> bool:
        """True for guidelines and consensus statements (what "From the Guidelines" holds)."""
        return evidence.is_guideline(self.study_type, self.kind)

    @property
    def evidence_level(self) -> int:
        """1 (guideline/consensus) to 7 (secondary text); see ``assistant.evidence``."""
        return evidence.evidence_level(self.study_type, self.kind)

    @property
    def is_secondary(self) -> bool:
        """True for secondary text: quoted only for what no primary source states."""
        return evidence.is_secondary(self.study_type)


@dataclass(frozen=True, slots=True)
class Passage:
    """One retrieved chunk: its text, offsets, sentences, source and retrieval score."""

    chunk_id: str
    row: int
    source: Source
    section: str
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...] = ()
    score: float = 0.0
    ranks: dict[str, int] = field(default_factory=dict)
    # Found by a fallback search after retrieval: its sentences are ranked against the
    # retrieved ones, not among them, so adding it changes no retrieved sentence's rank.
    added: bool = False

    def sentence_texts(self) -> list[str]:
        """The passage's sentences (offsets are relative to the document)."""
        return [self.text[s - self.start : e - self.start] for s, e in self.sentences]

    def metadata(self) -> dict[str, Any]:
        """The citation metadata of a LangChain ``Document`` made from this passage."""
        return {
            "chunk_id": self.chunk_id,
            "row": self.row,
            "source_id": self.source.id,
            "kind": self.source.kind,
            "title": self.source.title,
            "year": self.source.year,
            "section": self.section,
            "start": self.start,
            "end": self.end,
            "score": self.score,
        }

    def to_document(self) -> Any:
        """As a LangChain ``Document`` with citation metadata (imports LangChain)."""
        from assistant.langchain_api import to_document

        return to_document(self)
