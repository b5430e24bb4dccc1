"""The answer contract (DESIGN.md "Answer JSON") and the claims answerers produce."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field


@dataclass(frozen=True, slots=True)
class Claim:
    """One statement and the verbatim quote from one retrieved chunk that supports it."""

    statement: str
    quote: str
    chunk_id: str


@dataclass(frozen=True, slots=True)
class Draft:
    """What an answerer returns, before citation checking and numbering."""

    claims: tuple[Claim, ...] = ()
    refusal_reason: str | None = None


class Citation(BaseModel):
    """One cited quote: [n] refers to the source, the quote to the exact passage."""

    n: int
    source_id: str
    title: str
    kind: str
    year: int
    authors: list[str] = Field(default_factory=list)
    journal: str | None = None
    study_type: str | None = None
    pmid: str | None = None
    doi: str | None = None
    url: str | None = None
    quote: str
    statement: str
    chunk_id: str
    start: int
    end: int


class Answer(BaseModel):
    """A complete answer, as printed by ``citewise ask --json``."""

    id: str | None = None
    question: str
    answer: str
    refused: bool = False
    refusal_reason: str | None = None
    citations: list[Citation] = Field(default_factory=list)
    retrieved: list[str] = Field(default_factory=list, description="Chunk ids handed to the answerer.")
    dropped_claims: int = Field(0, description="Claims removed by the citation check.")
    answerer: str = "extractive"
    timings_ms: dict[str, float] = Field(default_factory=dict)
    index: dict[str, str] = Field(default_factory=dict)

    @property
    def cited_sources(self) -> list[str]:
        """Source ids in citation order, without repeats."""
        return list(dict.fromkeys(c.source_id for c in self.citations))


REFUSAL = "The indexed sources do not cover this question."
