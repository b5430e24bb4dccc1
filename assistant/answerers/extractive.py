"""The default answerer: offline, deterministic, verbatim.

It scores every sentence of the retrieved passages against the question, using the
sentence vectors precomputed at ingest (cosine) plus how many of the question's concepts
the sentence mentions, keeps the best few without near-duplicates, and refuses when the
best support is weak or lacks the kind of value the question asks for.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import Stemmer

from assistant.abbreviations import Synonyms
from assistant.answer import REFUSAL, Claim, Draft
from assistant.citations import normalise
from assistant.knowledge import KnowledgeBase
from assistant.passages import Passage
from assistant.questions import asked_type, provides, split_question, statement_from_quote

# Calibrated on in-scope versus out-of-scope questions (evals/cases.yaml); see
# evals/CALIBRATION.md for the distributions these values separate.
MIN_SIMILARITY = 0.45
COVERAGE_WEIGHT = 0.25
MARGIN = 0.15
MAX_SENTENCES = 6
MAX_PER_SOURCE = 3
REDUNDANCY = 0.88
MIN_WORDS = 4

_STEMMER = Stemmer.Stemmer("english")
_WORD = re.compile(r"[a-z0-9][a-z0-9-]*")
_STOP = frozenset(
    """a an and are as at be been being but by can could did do does doing for from had has have how i if in into
    is it its may might more most of on or should so than that the their them then there these they this those to
    was were what when where which who whom why will with would about any patient patients people someone tell me
    know known there's what's us we our you your much many often common""".split()
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One sentence of a retrieved passage, scored against the question."""

    passage: Passage
    text: str
    similarity: float
    coverage: float
    vector: np.ndarray

    @property
    def score(self) -> float:
        """Relevance used for ranking."""
        return self.similarity + COVERAGE_WEIGHT * self.coverage


def concepts(question: str, synonyms: Synonyms) -> list[set[str]]:
    """The question's concepts: each a set of normalised alternatives (synonyms merged)."""
    groups = [{t.lower() for t in g} for g in synonyms.matches(question)]
    covered = {w for g in groups for term in g for w in _WORD.findall(term)}
    words = [w for w in _WORD.findall(question.lower()) if w not in _STOP and w not in covered and len(w) > 2]
    return groups + [{w} for w in dict.fromkeys(words)]


def coverage(sentence: str, question_concepts: list[set[str]]) -> float:
    """Fraction of the question's concepts that the sentence mentions (Snowball stems)."""
    if not question_concepts:
        return 0.0
    present = set(_stems(sentence))
    hits = sum(1 for alts in question_concepts if any(set(_stems(a)) <= present for a in alts))
    return hits / len(question_concepts)


@lru_cache(maxsize=8192)
def _stems(text: str) -> tuple[str, ...]:
    return tuple(_STEMMER.stemWords(_WORD.findall(text.lower())))


def select(candidates: list[Candidate], asked: str | None) -> tuple[list[Candidate], str | None]:
    """Choose the supporting sentences, or say why there are none.

    Returns:
        The chosen candidates (best first) and None, or an empty list and a refusal reason.
    """
    ranked = sorted(candidates, key=lambda c: -c.score)
    if not ranked or ranked[0].similarity < MIN_SIMILARITY:
        return [], REFUSAL
    floor = max(MIN_SIMILARITY, ranked[0].similarity - MARGIN)
    eligible = [c for c in ranked if c.similarity >= floor]
    if asked is not None:
        fitting = [c for c in ranked if c.similarity >= MIN_SIMILARITY and provides(c.text, asked)]
        if not fitting:
            what = {
                "dose": "a dose",
                "duration": "a duration or interval",
                "number": "a number or proportion",
            }[asked]
            return (
                [],
                f"{REFUSAL} The retrieved passages discuss the topic but do not state {what}, which the question asks for.",
            )
        eligible = fitting[:2] + [c for c in eligible if c not in fitting[:2]]
    chosen: list[Candidate] = []
    per_source: dict[str, int] = {}
    for cand in eligible:
        if len(chosen) == MAX_SENTENCES:
            break
        if per_source.get(cand.passage.source.id, 0) >= MAX_PER_SOURCE:
            continue
        if any(
            float(cand.vector @ c.vector) > REDUNDANCY or normalise(c.text) == normalise(cand.text)
            for c in chosen
        ):
            continue
        chosen.append(cand)
        per_source[cand.passage.source.id] = per_source.get(cand.passage.source.id, 0) + 1
    return chosen, None


class ExtractiveAnswerer:
    """Answers with verbatim sentences of the retrieved passages."""

    name = "extractive"

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def candidates(self, question: str, passages: list[Passage]) -> list[Candidate]:
        """Every sentence of ``passages`` scored against ``question``."""
        query = self.kb.embed(self.kb.synonyms.expand(question))
        question_concepts = concepts(question, self.kb.synonyms)
        out = []
        for passage in passages:
            vectors = self.kb.sentence_matrix(passage.row)
            sims = vectors @ query
            for text, sim, vec in zip(passage.sentence_texts(), sims, vectors, strict=True):
                if len(_WORD.findall(text)) >= MIN_WORDS:
                    out.append(Candidate(passage, text, float(sim), coverage(text, question_concepts), vec))
        return out

    def answer(
        self, question: str, passages: list[Passage], on_token: Callable[[str], None] | None = None
    ) -> Draft:
        """Claims quoting the best sentences for each part of the question, or a refusal."""
        picks: list[list[Candidate]] = []
        reasons: list[str] = []
        for part in split_question(question):
            chosen, reason = select(self.candidates(part, passages), asked_type(part))
            picks.append(chosen)
            reasons.append(reason or "")
        merged = _interleave(picks, MAX_SENTENCES)
        if not merged:
            return Draft(refusal_reason=next(r for r in reasons if r))
        claims = tuple(
            Claim(
                statement_from_quote(c.text, strip_markers=c.passage.source.has_markers),
                c.text,
                c.passage.chunk_id,
            )
            for c in merged
        )
        return Draft(claims=claims)


def _interleave(picks: list[list[Candidate]], limit: int) -> list[Candidate]:
    """Take the parts' choices in turn (best first), without repeats, up to ``limit``."""
    merged: list[Candidate] = []
    seen: set[str] = set()
    for rank in range(max((len(p) for p in picks), default=0)):
        for chosen in picks:
            if rank < len(chosen) and chosen[rank].text not in seen and len(merged) < limit:
                merged.append(chosen[rank])
                seen.add(chosen[rank].text)
    return merged
