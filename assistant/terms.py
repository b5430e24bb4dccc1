"""Find many known terms in a short text at once. Pure; built once per index.

A question is matched against thousands of terms (a corpus's lexicon and the
abbreviations learned from its text). One regular expression per term costs a compile
and a scan each, and thousands of patterns overflow ``re``'s cache, so every question
recompiled them: about 0.3 s per question on 900 abstracts. Instead the text is split
into word tokens once and every run of up to ``longest`` tokens is looked up in a dict:
for a 20-word question and 8-token terms, 160 dict lookups.

A term occurs where a regular expression ``(?<![\\w-])TERM(?![\\w-])`` would find it:
not inside a longer word or hyphenated compound ("PE" is not found in "PE-related" or
"PEG"). Runs of whitespace compare equal, so a term written across a line break is
found. Case is ignored unless ``case_sensitive(term)`` says otherwise, in which case
the text must spell the term exactly ("PE" is not "pe"). A case-blind term's plural
("presentations" for "presentation") is found as the term.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# Word tokens: the boundaries of a term are the boundaries of these runs.
TOKEN = re.compile(r"[\w-]+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One place where a term occurs: ``text[start:end]`` is the term as written."""

    term: str
    start: int
    end: int


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text)


class TermMatcher:
    """All occurrences of a fixed set of terms in a text, in one pass."""

    def __init__(self, terms: Iterable[str], case_sensitive: Callable[[str], bool]) -> None:
        self._by_key: dict[str, list[tuple[str, str | None]]] = {}
        self.longest = 0
        for term in dict.fromkeys(terms):
            tokens = TOKEN.findall(term)
            if not tokens:
                continue
            exact = _collapse(term.strip()) if case_sensitive(term) else None
            self._by_key.setdefault(_collapse(term.strip()).lower(), []).append((term, exact))
            self.longest = max(self.longest, len(tokens))

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_key.values())

    def occurrences(self, text: str) -> list[Occurrence]:
        """Every occurrence of every term, ordered by start, then longest first."""
        spans = [(m.start(), m.end()) for m in TOKEN.finditer(text)]
        found: list[Occurrence] = []
        for i, (start, _) in enumerate(spans):
            for last in range(i, min(i + self.longest, len(spans))):
                end = spans[last][1]
                written = _collapse(text[start:end])
                for term, exact in self._terms_for(written):
                    if exact is None or exact == written:
                        found.append(Occurrence(term, start, end))
        found.sort(key=lambda o: (o.start, -(o.end - o.start)))
        return found

    def _terms_for(self, written: str) -> list[tuple[str, str | None]]:
        """The terms written so, or, for a plural ("presentations"), its singular's terms
        that ignore case (an acronym's plural is no acronym: "PEs" is not "PE")."""
        key = written.lower()
        terms = self._by_key.get(key)
        if terms is None and len(key) > 3 and key.endswith("s") and not key.endswith("ss"):
            terms = [(term, exact) for term, exact in self._by_key.get(key[:-1], ()) if exact is None]
        return terms or []

    def found_terms(self, text: str) -> set[str]:
        """The terms that occur in ``text``."""
        return {o.term for o in self.occurrences(text)}
