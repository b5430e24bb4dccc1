"""Finding many terms in a text at once, with the boundaries of a word-bounded regex."""

from __future__ import annotations

import re

import pytest

from assistant.terms import TermMatcher

TERMS = ["PE", "plasma exchange", "anti-MAG", "Waldenström's macroglobulinaemia", "IgM", "CD57"]


def matcher() -> TermMatcher:
    return TermMatcher(TERMS, lambda t: len(t) <= 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Is PE effective?", {"PE"}),
        ("is pe effective?", set()),  # short forms are case-sensitive here
        ("PE-related harms; PEG", set()),  # not inside a hyphenated word or a longer word
        ("Plasma  exchange\nhelps", {"plasma exchange"}),  # case and runs of whitespace
        ("anti-MAG and IgM anti-MAG", {"anti-MAG", "IgM"}),
        ("pre-anti-MAG", set()),
        ("Waldenström's macroglobulinaemia", {"Waldenström's macroglobulinaemia"}),
        ("CD57+ cells", {"CD57"}),
    ],
)
def test_terms_are_found_where_a_bounded_regex_finds_them(text: str, expected: set[str]) -> None:
    assert matcher().found_terms(text) == expected
    assert {t for t in TERMS if bounded_regex(t).search(text)} == expected


def bounded_regex(term: str) -> re.Pattern[str]:
    """The per-term regular expression the matcher replaces."""
    body = r"\s+".join(re.escape(word) for word in term.split())
    return re.compile(rf"(?<![\w-]){body}(?![\w-])", 0 if len(term) <= 3 else re.I)


def test_occurrences_carry_their_offsets() -> None:
    text = "Does plasma exchange (PE) help?"
    found = [(o.term, text[o.start : o.end]) for o in matcher().occurrences(text)]
    assert found == [("plasma exchange", "plasma exchange"), ("PE", "PE")]


def test_thousands_of_terms_cost_one_pass() -> None:
    terms = [f"term{i} long form" for i in range(5000)]
    big = TermMatcher(terms, lambda t: False)
    assert len(big) == 5000 and big.longest == 3
    assert big.found_terms("about TERM4321 long  form today") == {"term4321 long form"}


def test_a_plural_is_found_as_its_singular_term_but_an_acronym_s_is_not() -> None:
    m = TermMatcher(["presentation", "plasma exchange", "PE", "steroids"], lambda t: len(t) <= 3)
    assert m.found_terms("Which atypical presentations occur?") == {"presentation"}
    assert m.found_terms("Two plasma exchanges were done.") == {"plasma exchange"}
    assert m.found_terms("Two PEs were done.") == set()
    # A singular does not find a plural term, nor "-ss" a term without it.
    assert m.found_terms("A steroid was given.") == set()
    assert TermMatcher(["clas"], lambda t: False).found_terms("the class") == set()
