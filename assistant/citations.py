"""Citation checking and source numbering, applied to every answerer's output.

A quote counts as supported when, after normalising case, whitespace, quote marks and
dashes, it occurs inside the chunk it cites. The verbatim text shown to the user is then
taken from the document itself, never from the answerer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from assistant.answer import ROLES, Citation, Claim
from assistant.evidence import evidence_label
from assistant.passages import Passage

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "−": "-", "\u00a0": " "})
# Shortest quote accepted: a few words, so a claim cannot rest on "the" or "50%".
MIN_QUOTE_CHARS = 12


def normalise(text: str) -> str:
    """Casefold, unify quote marks and dashes, collapse whitespace."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return re.sub(r"\s+", " ", text).strip().casefold()


def locate(quote: str, text: str) -> tuple[int, int] | None:
    """Where ``quote`` occurs in ``text`` (normalised match), as offsets into ``text``."""
    words = normalise(quote).split(" ")
    if not words or len(normalise(quote)) < MIN_QUOTE_CHARS:
        return None
    folded = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    if len(folded) != len(text):  # NFKC changed lengths: fall back to exact search
        folded = text.translate(_QUOTES)
    pattern = r"\s+".join(re.escape(w) for w in words)
    match = re.search(pattern, folded, re.IGNORECASE)
    return (match.start(), match.end()) if match else None


@dataclass(frozen=True, slots=True)
class CheckedClaim:
    """A claim whose quote was found in its chunk, with document offsets."""

    claim: Claim
    passage: Passage
    start: int
    end: int
    quote: str


def check_claims(
    claims: tuple[Claim, ...] | list[Claim], passages: list[Passage]
) -> tuple[list[CheckedClaim], list[tuple[Claim, str]]]:
    """Keep the claims whose quote occurs in the retrieved chunk they cite.

    Returns:
        The supported claims, and the dropped ones with the reason.
    """
    by_id = {p.chunk_id: p for p in passages}
    kept: list[CheckedClaim] = []
    dropped: list[tuple[Claim, str]] = []
    seen: set[tuple[str, int]] = set()
    for claim in claims:
        passage = by_id.get(claim.chunk_id)
        if passage is None:
            dropped.append((claim, f"cites {claim.chunk_id!r}, which was not retrieved"))
            continue
        span = locate(claim.quote, passage.text)
        if span is None:
            dropped.append((claim, f"quote not found in {claim.chunk_id}"))
            continue
        if not claim.statement.strip():
            dropped.append((claim, "empty statement"))
            continue
        start, end = passage.start + span[0], passage.start + span[1]
        if (passage.source.id, start) in seen:
            continue
        seen.add((passage.source.id, start))
        kept.append(CheckedClaim(claim, passage, start, end, passage.text[span[0] : span[1]]))
    return kept, dropped


def order_claims(checked: list[CheckedClaim], *, by_evidence: bool = True) -> list[CheckedClaim]:
    """The order an answer is read in: premise check, bottom line, then the evidence,
    guidelines before research and (``by_evidence``) stronger evidence first, stable within
    a level."""
    role_rank = {role: i for i, role in enumerate(ROLES)}

    def key(item: CheckedClaim) -> tuple[int, int, int]:
        source = item.passage.source
        if item.claim.role != "evidence":
            return (role_rank[item.claim.role], item.claim.part, 0)
        return (role_rank["evidence"], not source.is_guideline, source.evidence_level if by_evidence else 0)

    return sorted(checked, key=key)


def number_sources(
    checked: list[CheckedClaim], *, by_evidence: bool = True
) -> tuple[list[CheckedClaim], dict[str, int]]:
    """Put claims in reading order (``order_claims``) and number sources by first use."""
    ordered = order_claims(checked, by_evidence=by_evidence)
    numbers: dict[str, int] = {}
    for item in ordered:
        numbers.setdefault(item.passage.source.id, len(numbers) + 1)
    return ordered, numbers


def surrounding_sentences(passage: Passage, start: int, end: int) -> tuple[str, str]:
    """The sentences of ``passage`` just before and just after the document span
    ``start:end`` ("" at either edge of the passage)."""
    spans = passage.sentences
    inside = [i for i, (s, e) in enumerate(spans) if s < end and e > start]
    if not inside:
        return "", ""
    first, last = inside[0], inside[-1]

    def text(i: int) -> str:
        s, e = spans[i]
        return passage.text[s - passage.start : e - passage.start]

    before = text(first - 1) if first > 0 else ""
    after = text(last + 1) if last + 1 < len(spans) else ""
    return before, after


def to_citations(ordered: list[CheckedClaim], numbers: dict[str, int]) -> list[Citation]:
    """Citation records for the answer JSON, one per supported claim."""
    out = []
    for item in ordered:
        s = item.passage.source
        before, after = surrounding_sentences(item.passage, item.start, item.end)
        out.append(
            Citation(
                n=numbers[s.id],
                source_id=s.id,
                title=s.title,
                kind=s.kind,
                year=s.year,
                authors=list(s.authors),
                journal=s.journal,
                study_type=s.study_type,
                pmid=s.pmid,
                doi=s.doi,
                url=s.url,
                quote=item.quote,
                statement=item.claim.statement,
                chunk_id=item.passage.chunk_id,
                start=item.start,
                end=item.end,
                role=item.claim.role,
                part=item.claim.part,
                evidence_level=s.evidence_level,
                evidence=evidence_label(s.study_type, s.kind),
                secondary=s.is_secondary,
                provenance=s.provenance,
                superseded_by=s.superseded_by,
                section=item.passage.section,
                context_before=before,
                context_after=after,
            )
        )
    return out
