"""Rewrite elliptical follow-up questions into standalone queries. Pure functions.

The retriever and the extractive answerer see one query at a time, so "and what about
IVIg?" after "Does rituximab help anti-MAG neuropathy?" has to become "Does IVIg help
anti-MAG neuropathy?" before anything is searched. No language model is needed for the
few shapes clinicians use; each rule below is tried in turn on the question, with the
previous *standalone* query as context (so follow-ups can chain):

1. "what/how about X", "and X?", "same for X?": X takes the place of the previous
   query's term of the same kind (``TermKinds``, from the corpus's lexicon: a treatment
   for a treatment, a condition for a condition), or of the phrase sharing X's last word ("IgG MGUS" for
   "IgM MGUS"); a modifier X ("in children") is added to the end; otherwise X is asked
   about in front of the previous query.
2. A pronoun that points back ("is it safe?", "how long do they last?", "this drug"):
   replaced by the previous query's focus (its first known term).
3. A fragment without a topic of its own ("what dose?", "how long?"): completed with the
   previous query's focus and condition ("What dose for rituximab in anti-MAG neuropathy?").

A question with a topic of its own is left alone, so a new question starts a new thread.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.terms import TermMatcher
from ingest.lexicon import TERM_KINDS, stored_lexicon
from ingest.settings import Settings

_ABOUT = re.compile(
    r"^(?:what|how)\s+about\s+(?P<x>.+)$|^what\s+of\s+(?P<y>.+)$|^(?:(?:and\s+)?the\s+)?same\s+(?:question\s+)?for\s+(?P<z>.+)$",
    re.I,
)
_LEAD = re.compile(r"^(?:(?:and|but|so|also|ok|okay|then|now)\b[\s,]*)+", re.I)
_PRONOUN = re.compile(
    r"\b(?:(?:this|that|these|those|the)\s+(?:drug|drugs|treatment|treatments|therapy|therapies|medication|agent|test|assay|condition|disease)|it|its|they|them|their|this|that|these|those)\b",
    re.I,
)
_MODIFIER = re.compile(r"^(?:in|for|with|without|during|after|before|among|at|on|under|over)\b", re.I)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'-]*")
_QUESTION_WORDS = frozenset("what which how when where why who whom whose".split())
_STOP = frozenset(
    """a an and are as at be been being but by can could did do does doing for from had has have i if in into is
    it its may might more most of on or should so than that the their them then there these they this those to
    was were what which when where why who whom how will with would about any me my tell know us we our you your
    also ok okay now same question please give use used""".split()
)
MAX_FRAGMENT_WORDS = 2


class TermKinds:
    """A corpus's treatments, tests and conditions, compiled once for matching.

    Kinds are tried in the order treatment, test, condition (the priority of a
    query's focus); within a kind the longest match wins, so "anti-MAG neuropathy"
    beats "neuropathy". Two-letter forms (WM) match only as written.
    """

    def __init__(self, terms: Mapping[Any, Iterable[str]] | None = None) -> None:
        self._kind: dict[str, str] = {}
        for kind in TERM_KINDS:
            for term in (terms or {}).get(kind, ()):
                self._kind.setdefault(term, kind)
        self._matcher = TermMatcher(self._kind, lambda t: len(t) <= 2)

    def find(self, text: str) -> list[tuple[str, str, int]]:
        """Known terms in ``text`` as (kind, matched text, position), in kind priority
        order, then by position; overlapping matches keep the higher-priority one."""
        rank: dict[str, int] = {kind: i for i, kind in enumerate(TERM_KINDS)}
        found = sorted(
            self._matcher.occurrences(text),
            key=lambda o: (rank[self._kind[o.term]], o.start - o.end, o.start),
        )
        taken: list[tuple[int, int]] = []
        out: list[tuple[str, str, int]] = []
        for o in found:
            if all(o.end <= s or o.start >= e for s, e in taken):
                taken.append((o.start, o.end))
                out.append((self._kind[o.term], text[o.start : o.end], o.start))
        return sorted(out, key=lambda f: (rank[f[0]], f[2]))


NO_TERMS = TermKinds()


def term_kinds(settings: Settings) -> TermKinds:
    """The live index's term kinds (from its stored lexicon; no model is loaded)."""
    from ingest import current_generation

    directory = current_generation(settings)
    return NO_TERMS if directory is None else _kinds_of(directory)


@lru_cache(maxsize=8)
def _kinds_of(directory: Path) -> TermKinds:
    # A generation directory never changes once written, so caching by path is safe.
    return TermKinds(stored_lexicon(directory).terms)


@dataclass(frozen=True, slots=True)
class Rewrite:
    """The query to search with, and how it was obtained from the question.

    ``rule`` is ``standalone`` (unchanged) or the rule that merged the follow-up with
    the previous query: ``substitute``, ``modify``, ``prefix``, ``pronoun``, ``fragment``.
    """

    question: str
    query: str
    rule: str = "standalone"

    @property
    def is_followup(self) -> bool:
        """True when the query differs from the question because of the conversation."""
        return self.rule != "standalone"


def rewrite_followup(question: str, previous: str | None, kinds: TermKinds = NO_TERMS) -> Rewrite:
    """Turn ``question`` into a standalone query, using the ``previous`` standalone query.

    Args:
        question: what the user typed.
        previous: the query used for the previous turn, or None at the start.
        kinds: the corpus's term kinds (``term_kinds(settings)``); without them only
            the rules that need no vocabulary apply.

    Returns:
        The rewrite; ``query == question.strip()`` and rule ``standalone`` when no rule applies.
    """
    text = question.strip()
    if not previous or not previous.strip() or not text:
        return Rewrite(question, text)
    rewrite = _apply_rules(question, _LEAD.sub("", text).strip() or text, previous.strip(), kinds)
    if rewrite is None or rewrite.query == text:
        return Rewrite(question, text)
    return rewrite


def _apply_rules(question: str, core: str, previous: str, kinds: TermKinds) -> Rewrite | None:
    subject = _about_subject(core)
    if subject and not _PRONOUN.search(subject):
        return _merge_subject(question, subject, previous, kinds)
    if _points_back(core):
        return _replace_pronoun(question, core, previous, kinds)
    if len(content_words(core)) <= MAX_FRAGMENT_WORDS:
        if set(_words(core)) & _QUESTION_WORDS:
            return _complete_fragment(question, core, previous, kinds)
        return _merge_subject(question, core.rstrip(" ?.!"), previous, kinds)
    return None


def content_words(text: str) -> list[str]:
    """Lower-cased words of ``text`` that carry a topic (no stop or question words)."""
    return [w for w in _words(text) if w not in _STOP]


def find_terms(text: str, kinds: TermKinds = NO_TERMS) -> list[tuple[str, str, int]]:
    """Known terms in ``text`` as (kind, matched text, position), in kind priority order."""
    return kinds.find(text)


def _about_subject(core: str) -> str | None:
    match = _ABOUT.match(core.rstrip(" ?.!"))
    if match:
        return next(g for g in match.groups() if g).strip()
    return None


def _merge_subject(question: str, subject: str, previous: str, kinds: TermKinds) -> Rewrite:
    """Rule 1: put ``subject`` in the place of its counterpart in ``previous``."""
    subject = subject.strip(" ,")
    first = subject.split()[0] if subject.split() else ""
    if first[:1].isupper() and first[1:].islower():  # "Side effects" -> "side effects", not "IgG"
        subject = subject[0].lower() + subject[1:]
    wanted = {kind for kind, _, _ in kinds.find(subject)}
    for kind, term, _ in kinds.find(previous):
        if kind in wanted and term.lower() not in subject.lower():
            return Rewrite(question, _replace_term(previous, term, subject), "substitute")
    base = previous.rstrip(" ?.!")
    if _MODIFIER.match(subject):
        return Rewrite(question, f"{base} {subject}?", "modify")
    aligned = _align_head(previous, subject)
    if aligned is not None:
        return Rewrite(question, aligned, "substitute")
    return Rewrite(question, f"What about {subject}? {base}?", "prefix")


def _align_head(previous: str, subject: str) -> str | None:
    """Replace the phrase of ``previous`` that ends in ``subject``'s last word.

    "IgG MGUS" in "patients with IgM MGUS and neuropathy" replaces "IgM MGUS".
    """
    words = subject.split()
    if len(words) < 2 or not content_words(words[-1]):
        return None
    tokens = list(re.finditer(r"\S+", previous))
    for i, token in enumerate(tokens):
        head = re.match(rf"{re.escape(words[-1])}(?![\w-])", token.group(0), re.I)
        if head is None or i < len(words) - 1:
            continue
        start, end = tokens[i - len(words) + 1].start(), token.start() + head.end()
        if previous[start:end].lower() != subject.lower():
            return previous[:start] + subject + previous[end:]
    return None


def _points_back(core: str) -> bool:
    """A pronoun before any topic word, or a pronoun in a question with little topic."""
    match = _PRONOUN.search(core)
    if match is None:
        return False
    return not content_words(core[: match.start()]) or len(content_words(core)) <= MAX_FRAGMENT_WORDS


def _replace_pronoun(question: str, core: str, previous: str, kinds: TermKinds) -> Rewrite:
    """Rule 2: the pronoun becomes the previous query's focus."""
    terms = kinds.find(previous)
    if not terms:
        return Rewrite(question, f"{core.rstrip(' ?.!')}? {previous}", "pronoun")
    focus = terms[0][1]

    def swap(match: re.Match[str]) -> str:
        word = match.group(0).lower()
        return f"{focus}'s" if word in ("its", "their") else focus

    query = _PRONOUN.sub(swap, core, count=1)
    query = query[0].upper() + query[1:]
    return Rewrite(question, _add_condition(query, terms, kinds), "pronoun")


def _complete_fragment(question: str, core: str, previous: str, kinds: TermKinds) -> Rewrite:
    """Rule 3: "what dose?" -> "What dose for <focus> in <condition>?"."""
    terms = kinds.find(previous)
    base = core.rstrip(" ?.!")
    base = base[0].upper() + base[1:]
    if not terms:
        return Rewrite(question, f"{base}? {previous}", "fragment")
    if kinds.find(core):  # "what dose of IVIg?" names its own focus: only the condition is missing
        return Rewrite(question, _add_condition(f"{base}?", terms, kinds), "fragment")
    return Rewrite(question, _add_condition(f"{base} for {terms[0][1]}?", terms, kinds), "fragment")


def _add_condition(query: str, terms: list[tuple[str, str, int]], kinds: TermKinds) -> str:
    """``query`` with the previous condition appended when it names none of its own."""
    condition = next((t for kind, t, _ in terms if kind == "condition"), None)
    if condition is None or any(kind == "condition" for kind, _, _ in kinds.find(query)):
        return query if query.endswith("?") else f"{query}?"
    return f"{query.rstrip(' ?.!')} in {condition}?"


def _replace_term(text: str, term: str, replacement: str) -> str:
    return _term_pattern(term).sub(lambda _: replacement, text)


def _term_pattern(term: str) -> re.Pattern[str]:
    # Two-letter forms (WM) are case-sensitive, so the word "wm" or "Wm" never matches.
    flags = 0 if len(term) <= 2 else re.I
    return re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])", flags)


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]
