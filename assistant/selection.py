"""Choose what an extractive answer says: the bottom line, then diverse supporting evidence.

Pure functions over scored candidate sentences (``Candidate``); no model, index or file.

- **Relevance** ranks candidates for the question: cosine similarity plus the weighted
  share of the question's concepts a sentence mentions (concepts every candidate mentions
  count for little: they are the topic, not the detail asked about).
- **Quality** breaks near-ties in favour of what a clinician should read first: sections
  that state results or advice, stronger evidence, sentences that carry a verdict.
- **The bottom line** is the best answer-bearing sentence among the most relevant ones
  (the value asked for, or an outcome or recommendation), from the strongest source that
  states it; a secondary source only when no primary one does. A question whether to
  treat also gets the sentence stating how certain the evidence is, when one is at hand.
- **Evidence** follows by maximal marginal relevance (Carbonell & Goldstein 1998,
  https://doi.org/10.1145/290941.291025): each next sentence is relevant and unlike those
  already chosen, so a list or synthesis question gets distinct facets, not near-duplicates.
  Of two sentences saying the same thing, the one from the stronger source stays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from assistant import sentences
from assistant.citations import normalise
from assistant.passages import Passage
from assistant.questions import provides

# A sentence must reach this cosine to be quoted at all, however well it covers the words.
MIN_SIMILARITY = 0.40
COVERAGE_WEIGHT = 0.40
# Candidates within MARGIN of the most relevant one may be chosen.
MARGIN = 0.30
# The bottom line comes from candidates within LEAD_MARGIN of the most relevant one.
LEAD_MARGIN = 0.12
# Quality bonuses, in units of relevance: a Results/Recommendations sentence, one step up
# the evidence ladder (guideline .. secondary spans 6 steps), a verdict.
SECTION_WEIGHT = 0.04
EVIDENCE_WEIGHT = 0.012
VERDICT_WEIGHT = 0.03
# Maximal marginal relevance: how much likeness to a chosen sentence costs.
DIVERSITY = 0.35
# Two sentences this alike (cosine) say the same thing.
REDUNDANCY = 0.9
# A secondary sentence this close to a primary one adds nothing of its own.
SECONDARY_OVERLAP = 0.70
MAX_PER_SOURCE = 2


@dataclass(frozen=True, slots=True, eq=False)  # identity: the same sentence may occur twice
class Candidate:
    """One sentence (or the clean part of one) of a retrieved passage, scored against a question."""

    passage: Passage
    text: str
    start: int  # document offsets of ``text``
    end: int
    similarity: float
    hits: frozenset[int]  # indices of the question concepts the sentence mentions
    weights: tuple[float, ...]  # the question concepts' weights
    vector: np.ndarray = field(repr=False)
    section: int = 0  # sentences.section_weight of its section
    verdict: bool = False
    certainty: bool = False
    strength: int = 0  # steps above secondary on the evidence ladder (0 when not ranked by it)

    @property
    def coverage(self) -> float:
        """Weighted fraction of the question's concepts the sentence mentions."""
        return weighted(self.hits, self.weights)

    @property
    def score(self) -> float:
        """Relevance used for the refusal decision."""
        return self.similarity + COVERAGE_WEIGHT * self.coverage

    @property
    def secondary(self) -> bool:
        """True when its source is secondary text."""
        return self.passage.source.is_secondary

    @property
    def quality(self) -> float:
        """The tie-breaking bonus: section, evidence level, verdict."""
        return (
            SECTION_WEIGHT * self.section
            + EVIDENCE_WEIGHT * self.strength
            + VERDICT_WEIGHT * self.verdict
        )


def weighted(hits: frozenset[int], weights: tuple[float, ...] | list[float]) -> float:
    """The share of the concept weight that ``hits`` cover."""
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


def support(candidates: list[Candidate], asked: str | None) -> float:
    """The decisive support for answering: the best score among the sentences that could
    be quoted (and, when the question asks for a value, that provide one)."""
    usable = [c for c in candidates if c.similarity >= MIN_SIMILARITY and provides(c.text, asked)]
    return max((c.score for c in usable), default=0.0)


def relevance(candidates: list[Candidate]) -> dict[int, float]:
    """Relevance of each candidate (by ``id``) among ``candidates``, with focus weights."""
    focus = focus_weights(candidates)
    return {id(c): c.similarity + COVERAGE_WEIGHT * weighted(c.hits, focus) for c in candidates}


def same_claim(a: Candidate, b: Candidate) -> bool:
    """True when two sentences say the same thing."""
    return normalise(a.text) == normalise(b.text) or float(a.vector @ b.vector) > REDUNDANCY


def keep_stronger(candidates: list[Candidate], rank: dict[int, float]) -> list[Candidate]:
    """Drop a sentence when one from a stronger source says the same thing (relevance
    breaks ties), and secondary sentences that a primary sentence already covers."""
    primary = [c for c in candidates if not c.secondary]
    kept = []
    for c in candidates:
        if c.secondary and any(float(c.vector @ p.vector) > SECONDARY_OVERLAP for p in primary):
            continue
        stronger = (
            o
            for o in candidates
            if o is not c and same_claim(c, o) and (-o.strength, -rank[id(o)]) < (-c.strength, -rank[id(c)])
        )
        if next(stronger, None) is None:
            kept.append(c)
    return kept


def choose_lead(
    eligible: list[Candidate], rank: dict[int, float], asked: str | None, treat: bool
) -> list[Candidate]:
    """The bottom line: one answer-bearing sentence from the strongest source among the
    most relevant, plus the certainty of the evidence for a question whether to treat."""
    if not eligible:
        return []
    best = max(rank[id(c)] for c in eligible)
    near = [c for c in eligible if rank[id(c)] >= best - LEAD_MARGIN]
    primary = [c for c in near if not c.secondary] or near
    bearing = [c for c in primary if (provides(c.text, asked) if asked else c.verdict)] or primary
    lead = max(bearing, key=lambda c: (rank[id(c)] + c.quality, c.strength))
    chosen = [lead]
    if treat and not lead.certainty:
        sure = [
            c
            for c in eligible
            if c.certainty and c is not lead and rank[id(c)] >= best - MARGIN and not same_claim(c, lead)
        ]
        if sure:
            chosen.append(max(sure, key=lambda c: (rank[id(c)] + c.quality)))
    return chosen


def choose_evidence(
    eligible: list[Candidate], rank: dict[int, float], chosen: list[Candidate], limit: int
) -> list[Candidate]:
    """Up to ``limit`` more sentences by maximal marginal relevance, at most
    ``MAX_PER_SOURCE`` from one source besides what ``chosen`` already holds."""
    picked: list[Candidate] = []
    per_source: dict[str, int] = {}
    pool = [c for c in eligible if c not in chosen]
    while pool and len(picked) < limit:
        taken = [*chosen, *picked]

        def gain(c: Candidate, taken: list[Candidate] = taken) -> float:
            likeness = max((float(c.vector @ t.vector) for t in taken), default=0.0)
            return rank[id(c)] + c.quality - DIVERSITY * max(likeness, 0.0)

        best = max(pool, key=gain)
        pool.remove(best)
        source = best.passage.source.id
        if per_source.get(source, 0) >= MAX_PER_SOURCE or any(same_claim(best, t) for t in taken):
            continue
        picked.append(best)
        per_source[source] = per_source.get(source, 0) + 1
    return picked


def eligible_candidates(candidates: list[Candidate]) -> tuple[list[Candidate], dict[int, float]]:
    """The quotable candidates within ``MARGIN`` of the most relevant, stronger sources kept
    over weaker ones saying the same, with their relevance."""
    usable = [c for c in candidates if c.similarity >= MIN_SIMILARITY]
    if not usable:
        return [], {}
    rank = relevance(usable)
    floor = max(rank.values()) - MARGIN
    eligible = sorted((c for c in usable if rank[id(c)] >= floor), key=lambda c: -rank[id(c)])
    return keep_stronger(eligible, rank), rank


def is_quotable(sentence: str, *, is_list_item: bool) -> bool:
    """False for sentences that are not claims: descriptors of a document, and fragments."""
    return not sentences.is_descriptor(sentence) and not sentences.is_fragment(
        sentence, is_list_item=is_list_item
    )
