"""The default answerer: offline, deterministic, verbatim.

It scores every sentence of the retrieved passages against the question: the cosine of
the sentence vector (precomputed at ingest) with the question vector, plus how much of
the question's concepts the sentence mentions, each concept weighted by its rarity in
the corpus (so "tremor" counts for more than "neuropathy"). It keeps the best few
sentences without near-duplicates, and refuses when the best support is weak or lacks
the kind of value (number, dose, duration) that the question asks for.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.abbreviations import Synonyms
from assistant.answer import REFUSAL, Claim, Draft
from assistant.citations import normalise
from assistant.knowledge import KnowledgeBase
from assistant.lexicon import WORD, stems
from assistant.passages import Passage
from assistant.questions import asked_type, provides, split_question, statement_from_quote

# Calibrated on in-scope versus out-of-scope questions (evals/cases.yaml) with
# `python -m evals.calibrate`; evals/CALIBRATION.md has the distributions. A question is
# answered when its decisive support (see `support`) reaches MIN_SUPPORT.
MIN_SUPPORT = 0.725
# A sentence must reach this cosine to be quoted at all, however well it covers the words.
MIN_SIMILARITY = 0.40
COVERAGE_WEIGHT = 0.40
# Weight of a question word the corpus never uses. Such a word is as often plain
# language ("worth trying", "shaky") as an out-of-scope topic, so it is capped.
UNSEEN_WEIGHT = 3.0
MARGIN = 0.30
MAX_SENTENCES = 6
MAX_PER_SOURCE = 3
REDUNDANCY = 0.88
MIN_WORDS = 4

_STOP = frozenset(
    """a an and are as at be been being but by can could did do does doing for from had has have how i if in into
    is it its may might more most of on or should so than that the their them then there these they this those to
    was were what when where which who whom why will with would about any patient patients people someone tell me
    know known there's what's us we our you your much many often common""".split()
)


@dataclass(frozen=True, slots=True, eq=False)  # identity: the same sentence may occur twice
class Candidate:
    """One sentence of a retrieved passage, scored against the question."""

    passage: Passage
    text: str
    similarity: float
    hits: frozenset[int]  # indices of the question concepts the sentence mentions
    weights: tuple[float, ...]  # the question concepts' weights
    vector: np.ndarray

    @property
    def coverage(self) -> float:
        """Weighted fraction of the question's concepts the sentence mentions."""
        return _weighted(self.hits, self.weights)

    @property
    def score(self) -> float:
        """Relevance used for the refusal decision."""
        return self.similarity + COVERAGE_WEIGHT * self.coverage


def _weighted(hits: frozenset[int], weights: tuple[float, ...] | list[float]) -> float:
    total = sum(weights)
    return sum(weights[i] for i in hits) / total if total else 0.0


def focus_weights(candidates: list[Candidate]) -> list[float]:
    """Concept weights for ranking among ``candidates``: a concept every candidate
    mentions (the topic) tells them apart no better than chance, one few mention (the
    detail asked about) tells the most. Each weight is scaled by log((n + 1) / (df + 1)).
    """
    if not candidates:
        return []
    n, weights = len(candidates), candidates[0].weights
    df = [sum(1 for c in candidates if i in c.hits) for i in range(len(weights))]
    return [w * math.log((n + 1) / (d + 1)) for w, d in zip(weights, df, strict=True)]


@dataclass(frozen=True, slots=True)
class Concept:
    """Something the question mentions: interchangeable terms, weighted by rarity."""

    alternatives: tuple[tuple[str, ...], ...]  # each alternative as its stems
    weight: float


def concepts(question: str, synonyms: Synonyms, idf: dict[str, float], unseen: float) -> list[Concept]:
    """The question's concepts (synonym groups merged), each weighted by its idf.

    A concept's weight is the idf of its most common alternative, so a concept the
    corpus never mentions weighs the most and, uncovered, lowers every sentence's score.
    """
    groups = [tuple(g) for g in synonyms.matches(question)]
    covered = {w for g in groups for term in g for w in WORD.findall(term.lower())}
    words = [w for w in WORD.findall(question.lower()) if w not in _STOP and w not in covered and len(w) > 2]
    out = []
    for terms in [*groups, *((w,) for w in dict.fromkeys(words))]:
        alternatives = tuple(st for t in terms if (st := stems(t)))
        if alternatives:
            weight = min(max(idf.get(s, min(unseen, UNSEEN_WEIGHT)) for s in alt) for alt in alternatives)
            out.append(Concept(alternatives, weight))
    return out


def concept_hits(sentence: str, question_concepts: list[Concept]) -> frozenset[int]:
    """Indices of the question's concepts that the sentence mentions (by stems)."""
    present = set(stems(sentence))
    return frozenset(
        i for i, c in enumerate(question_concepts) if any(set(alt) <= present for alt in c.alternatives)
    )


def support(candidates: list[Candidate], asked: str | None) -> float:
    """The decisive support for answering: the best score among the sentences that could
    be quoted (and, when the question asks for a value, that provide one)."""
    usable = [c for c in candidates if c.similarity >= MIN_SIMILARITY and provides(c.text, asked)]
    return max((c.score for c in usable), default=0.0)


def select(candidates: list[Candidate], asked: str | None) -> tuple[list[Candidate], str | None]:
    """Choose the supporting sentences, or say why there are none.

    Returns:
        The chosen candidates (best first) and None, or an empty list and a refusal reason.
    """
    if support(candidates, asked) < MIN_SUPPORT:
        if asked is not None and support(candidates, None) >= MIN_SUPPORT:
            what = {
                "dose": "a dose",
                "duration": "a duration or interval",
                "number": "a number or proportion",
            }[asked]
            return (
                [],
                f"{REFUSAL} The retrieved passages discuss the topic but do not state {what}, which the question asks for.",
            )
        return [], REFUSAL
    usable = [c for c in candidates if c.similarity >= MIN_SIMILARITY]
    if not usable:
        return [], REFUSAL
    focus = focus_weights(usable)
    rank = {id(c): c.similarity + COVERAGE_WEIGHT * _weighted(c.hits, focus) for c in usable}
    ranked = sorted(usable, key=lambda c: -rank[id(c)])
    floor = rank[id(ranked[0])] - MARGIN
    eligible = [c for c in ranked if rank[id(c)] >= floor]
    if asked is not None:
        fitting = [c for c in ranked if provides(c.text, asked)][:2]
        eligible = fitting + [c for c in eligible if c not in fitting]
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
        idf, unseen = self.kb.idf
        question_concepts = concepts(question, self.kb.synonyms, idf, unseen)
        weights = tuple(c.weight for c in question_concepts)
        out = []
        for passage in passages:
            vectors = self.kb.sentence_matrix(passage.row)
            for text, sim, vec in zip(passage.sentence_texts(), vectors @ query, vectors, strict=True):
                if len(WORD.findall(text)) >= MIN_WORDS:
                    hits = concept_hits(text, question_concepts)
                    out.append(Candidate(passage, text, float(sim), hits, weights, vec))
        return out

    def evidence(self, question: str, passages: list[Passage], limit: int = 20) -> list[Candidate]:
        """The ``limit`` best-scoring sentences for ``question``, without repeats: the
        numbered evidence the LLM answerer writes from."""
        out: list[Candidate] = []
        seen: set[str] = set()
        for cand in sorted(self.candidates(question, passages), key=lambda c: -c.score):
            if normalise(cand.text) not in seen and len(out) < limit:
                seen.add(normalise(cand.text))
                out.append(cand)
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
        parts = split_question(question)
        leads = {id(chosen[0]): i for i, chosen in enumerate(picks) if chosen}
        merged = _interleave(picks, MAX_SENTENCES)
        if not merged:
            return Draft(refusal_reason=next(r for r in reasons if r))
        claims = tuple(
            Claim(
                statement_from_quote(c.text, strip_markers=c.passage.source.has_markers),
                c.text,
                c.passage.chunk_id,
                role="lead" if id(c) in leads else "evidence",
                part=next((i for i, chosen in enumerate(picks) if c in chosen), 0),
            )
            for c in merged
        )
        return Draft(claims=claims, parts=tuple(parts) if len(parts) > 1 else ())


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
