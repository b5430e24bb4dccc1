"""The citation check and source numbering (pure functions)."""

from __future__ import annotations

import pytest

from assistant.answer import Claim
from assistant.citations import check_claims, locate, normalise, number_sources
from assistant.passages import Passage, Source

GUIDE = Source("g", "guideline", "A guideline", ("A B",), 2017)
STUDY = Source("r", "research", "A trial", ("C D",), 2009)


def passage(source: Source, text: str, chunk_id: str, start: int = 100) -> Passage:
    return Passage(chunk_id, 0, source, "Findings", start, start + len(text), text)


def test_quote_with_collapsed_whitespace_and_case_matches() -> None:
    assert locate("rituximab  WAS given\nweekly", "In 2009, Rituximab was given weekly.") == (9, 35)


@pytest.mark.parametrize("quote", ["rituximab was given daily", "", "was given"])
def test_absent_or_too_short_quote_does_not_match(quote: str) -> None:
    assert locate(quote, "In 2009, rituximab was given weekly.") is None


def test_curly_quotes_and_dashes_are_unified() -> None:
    assert normalise("Waldenström’s – “IgM”") == normalise('Waldenström\'s - "IgM"')


def test_fabricated_quote_is_dropped() -> None:
    p = passage(STUDY, "Four of 13 patients improved on rituximab.", "r#0001")
    kept, dropped = check_claims(
        [Claim("All improved.", "All 13 patients improved on rituximab.", "r#0001")], [p]
    )
    assert kept == [] and "quote not found" in dropped[0][1]


def test_claim_citing_an_unretrieved_chunk_is_dropped() -> None:
    p = passage(STUDY, "Four of 13 patients improved on rituximab.", "r#0001")
    kept, dropped = check_claims([Claim("x", "Four of 13 patients improved", "r#0099")], [p])
    assert kept == [] and "not retrieved" in dropped[0][1]


def test_kept_claim_carries_verbatim_text_and_document_offsets() -> None:
    text = "Intro. Four of 13 patients improved on rituximab."
    p = passage(STUDY, text, "r#0001", start=500)
    kept, _ = check_claims([Claim("Some improved.", "four of 13 PATIENTS improved", "r#0001")], [p])
    assert kept[0].quote == "Four of 13 patients improved"
    assert (kept[0].start, kept[0].end) == (507, 535)


def test_guideline_sources_are_numbered_first_then_by_first_use() -> None:
    r1 = passage(STUDY, "Research sentence number one here.", "r#0001")
    g1 = passage(GUIDE, "Guideline sentence number one here.", "g#0001")
    kept, _ = check_claims(
        [
            Claim("a", "Research sentence number one", "r#0001"),
            Claim("b", "Guideline sentence number one", "g#0001"),
        ],
        [r1, g1],
    )
    ordered, numbers = number_sources(kept)
    assert numbers == {"g": 1, "r": 2}
    assert [c.passage.source.id for c in ordered] == ["g", "r"]
