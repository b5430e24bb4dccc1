"""The answer contract (DESIGN.md "Answer JSON") and the claims answerers produce.

An answer is read top to bottom as: the premise check (when the question asserts
something), the bottom line (``lead``), then the evidence under From the Guidelines and
From the Research. Each claim carries its ``role`` in that order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

Role = Literal["premise", "lead", "evidence"]
ROLES: tuple[Role, ...] = ("premise", "lead", "evidence")


@dataclass(frozen=True, slots=True)
class Claim:
    """One statement and the verbatim quote from one retrieved chunk that supports it.

    ``role`` places it in the answer (premise check, bottom line or evidence) and
    ``part`` names the part of a compound question it answers (0 for the first).
    """

    statement: str
    quote: str
    chunk_id: str
    role: Role = "evidence"
    part: int = 0


@dataclass(frozen=True, slots=True)
class Draft:
    """What an answerer returns, before citation checking and numbering.

    ``parts`` are the parts of a compound question (empty when it has one),
    ``premise`` the claim the question takes for granted, ``dropped`` the claims
    the answerer itself discarded, each with the reason shown to the user, and
    ``unanswered`` the parts the sources do not answer, with the reason.
    """

    claims: tuple[Claim, ...] = ()
    refusal_reason: str | None = None
    parts: tuple[str, ...] = ()
    premise: str | None = None
    dropped: tuple[tuple[Claim, str], ...] = ()
    unanswered: tuple[tuple[int, str], ...] = ()  # (part, why the sources do not answer it)


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
    role: Role = Field(default="evidence", description="premise, lead (the bottom line) or evidence.")
    part: int = Field(0, description="Index of the question part this claim answers.")
    evidence_level: int = Field(6, description="1 (guideline/consensus) to 7 (secondary text).")
    evidence: str = Field("", description="The evidence badge, e.g. 'Systematic review'.")
    secondary: bool = Field(False, description="True for secondary text (AI answers, catalogue pages).")
    provenance: str | None = Field(
        default=None, description="Whose words the source text is: full-text, abstract or summary."
    )
    superseded_by: str | None = Field(
        default=None, description="Id of the corpus document that replaces this source (a review's update)."
    )
    section: str = Field("", description="Section heading of the quoted passage.")
    context_before: str = Field("", description="The sentence before the quote in its passage.")
    context_after: str = Field("", description="The sentence after the quote in its passage.")


class UnansweredPart(BaseModel):
    """A part of a compound question that the sources do not answer, and why."""

    part: int = Field(description="Index of the question part, as in a citation's `part`.")
    reason: str


class DroppedClaim(BaseModel):
    """A statement that the checks removed, and why, in words a clinician reads."""

    statement: str
    reason: str


class Answer(BaseModel):
    """A complete answer, as printed by ``citewise ask --json``."""

    id: str | None = None
    question: str
    answer: str
    lead: list[int] = Field(
        default_factory=list, description="1-based positions in `citations` of the bottom-line claims."
    )
    premise: str | None = Field(
        default=None, description="What the question takes for granted, when checked."
    )
    parts: list[str] = Field(default_factory=list, description="The parts of a compound question.")
    unanswered: list[UnansweredPart] = Field(
        default_factory=list,
        description="Parts of a compound question the sources do not answer; part 0 of a one-part "
        "question whose premise alone the sources speak to.",
    )
    refused: bool = False
    refusal_reason: str | None = None
    scope: str | None = Field(default=None, description="What the corpus covers, shown with a refusal.")
    citations: list[Citation] = Field(default_factory=list)
    retrieved: list[str] = Field(default_factory=list, description="Chunk ids handed to the answerer.")
    dropped_claims: int = Field(0, description="Claims removed by the citation and statement checks.")
    dropped: list[DroppedClaim] = Field(default_factory=list, description="What was removed, and why.")
    answerer: str = "extractive"
    warnings: list[str] = Field(default_factory=list, description="Things the reader should know.")
    timings_ms: dict[str, float] = Field(default_factory=dict)
    index: dict[str, str] = Field(default_factory=dict)

    @property
    def cited_sources(self) -> list[str]:
        """Source ids in citation order, without repeats."""
        return list(dict.fromkeys(c.source_id for c in self.citations))

    @property
    def lead_citations(self) -> list[Citation]:
        """The claims of the bottom line."""
        return [self.citations[i - 1] for i in self.lead if 0 < i <= len(self.citations)]


REFUSAL = "The indexed sources do not cover this question."
# How the ``scope`` sentence opens ("The indexed sources cover: X; Y."): a view that labels
# the scope itself shows only what follows.
SCOPE_LEAD = "The indexed sources cover: "


def scope_terms(scope: str) -> str:
    """What a refusal's ``scope`` says the corpus covers, without its opening words."""
    return scope.removeprefix(SCOPE_LEAD)


def unanswered_parts(draft: Draft, citations: list[Citation]) -> list[UnansweredPart]:
    """Each part of a compound question that the answerer could not answer (with its
    reason) or whose bottom line did not survive the checks, and a one-part question
    answered only by its premise check. A part whose answer an earlier part's bottom line
    already gives is neither."""
    if not citations:
        return []
    why = dict(draft.unanswered)
    if len(draft.parts) < 2:  # a question whose premise alone could be checked
        led = any(c.role == "lead" for c in citations)
        return [] if led or 0 not in why else [UnansweredPart(part=0, reason=why[0])]
    drafted = {c.part for c in draft.claims if c.role == "lead"}
    answered = {c.part for c in citations if c.role == "lead"}
    why |= {i: f"{REFUSAL} No claim for it survived the citation check." for i in drafted - answered}
    return [
        UnansweredPart(part=i, reason=why[i])
        for i in range(len(draft.parts))
        if i in why and i not in answered
    ]
