"""Citation checking and source numbering, applied to every answerer's output.

A quote counts as supported when, after normalising case, whitespace, quote marks and
dashes, it occurs inside the chunk it cites. The verbatim text shown to the user is then
taken from the document itself, never from the answerer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from assistant.answer import Citation, Claim
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


def number_sources(checked: list[CheckedClaim]) -> tuple[list[CheckedClaim], dict[str, int]]:
    """Order claims guideline-first (stable) and number sources in order of first use."""
    ordered = sorted(checked, key=lambda c: not c.passage.source.is_guideline)
    numbers: dict[str, int] = {}
    for item in ordered:
        numbers.setdefault(item.passage.source.id, len(numbers) + 1)
    return ordered, numbers


def to_citations(ordered: list[CheckedClaim], numbers: dict[str, int]) -> list[Citation]:
    """Citation records for the answer JSON, one per supported claim."""
    out = []
    for item in ordered:
        s = item.passage.source
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
            )
        )
    return out
