"""Choose what an extractive answer says: the bottom line, then diverse supporting evidence.

Pure functions over scored candidate sentences (``Candidate``); no model, index or file.

- **Relevance** ranks candidates for the question: cosine similarity plus the weighted
  share of the question's concepts a sentence mentions (concepts every candidate mentions
  count for little: they are the topic, not the detail asked about).
- **Quality** breaks near-ties in favour of what a clinician should read first: sections
  that state results or advice, stronger evidence, sentences that carry a verdict.
- **The bottom line** is the best answer-bearing sentence among the most relevant ones
  (the value asked for, or an outcome or recommendation), from the strongest source that
  states it; a secondary source only when no primary one does, and a superseded source
  (``superseded_by``: an earlier version of a review) or a sentence saying what was
  known at some past time only when nothing current does. A question whether to
  treat also gets the sentence stating how certain the evidence is, when one is at hand.
- **Evidence** follows by maximal marginal relevance (Carbonell & Goldstein 1998,
  https://doi.org/10.1145/290941.291025): each next sentence is relevant and unlike those
  already chosen, so a list or synthesis question gets distinct facets, not near-duplicates.
  A sentence that shares only the topic with the question, none of what singles the
  question out, is not evidence for it.
  Of two sentences saying the same thing, the one from the stronger source stays.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from assistant import ranker, sentences
from assistant.citations import normalise
from assistant.lexicon import stems
from assistant.passages import Passage, Source
from assistant.questions import provides, states_count
from assistant.ranker import Question

# A sentence must reach this cosine to be quoted at all, however well it covers the words.
MIN_SIMILARITY = 0.30
# ... except a sentence elaborating a document that has a sentence that close: "Atypical
# phenotypes included sensorimotor polyradiculoneuropathy in 12.4% ..." after "17% had an
# atypical phenotype" is far from the question in meaning (0.2) but names much of it. It
# may be evidence, never the bottom line (``elaborates``).
ELABORATION_SIMILARITY = 0.15
ELABORATION_COVERAGE = 0.3
# The least probability (``assistant.ranker``) of a sentence that may be quoted.
MIN_PROBABILITY = 0.15
COVERAGE_WEIGHT = 0.40
# How much the question's distinguishing concepts count in ranking, against similarity.
FOCUS_WEIGHT = 0.40
# Candidates within MARGIN (probability) of the likeliest one may be chosen.
MARGIN = 0.5
# The bottom line comes from candidates within LEAD_MARGIN of the likeliest one.
LEAD_MARGIN = 0.15
# Quality bonuses, in units of relevance: a Results/Recommendations sentence, one step up
# the evidence ladder (guideline .. secondary spans 6 steps), a verdict.
SECTION_WEIGHT = 0.04
EVIDENCE_WEIGHT = 0.012
VERDICT_WEIGHT = 0.03
# A supporting sentence must mention a concept weighing at least this share of the
# question's most telling one (``telling_concepts``). Chosen on tune (claim precision /
# fact recall): no filter 0.752 / 0.786; 0.1 0.789 / 0.786; 0.2 0.813 / 0.786;
# 0.3 0.798 / 0.779; 0.5 0.820 / 0.772.
TELLING_SHARE = 0.2
# Maximal marginal relevance: how much likeness to a chosen sentence costs.
DIVERSITY = 0.35
# Two sentences this alike (cosine), sharing this share of their words, say the same thing.
REDUNDANCY = 0.85
SAME_WORDS = 0.5
# A secondary sentence this close to a primary one adds nothing of its own.
SECONDARY_OVERLAP = 0.70
# How close a primary sentence giving a share of the same thing must be to a secondary
# one to stand in for it (``same_measure``).
MEASURE_SIMILARITY = 0.5
# ... and how many words what they count must share: one is often the condition alone
# ("anti-MAG"), which any share in the corpus counts.
MEASURE_WORDS = 2
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
    order: int = 0  # position of its passage in the retrieval
    opening: bool = False  # the first sentence of its document

    @property
    def coverage(self) -> float:
        """Weighted fraction of the question's concepts the sentence mentions."""
        return weighted(self.hits, self.weights)

    @property
    def secondary(self) -> bool:
        """True when its source is secondary text."""
        return self.passage.source.is_secondary

    @property
    def superseded(self) -> bool:
        """True when a later corpus document replaces its source (a review's update)."""
        return self.passage.source.superseded_by is not None

    @property
    def quality(self) -> float:
        """The tie-breaking bonus: section, evidence level, verdict."""
        return SECTION_WEIGHT * self.section + EVIDENCE_WEIGHT * self.strength + VERDICT_WEIGHT * self.verdict


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
    be quoted (and, when the question asks for a value, that provide one), each counting
    the concepts its document's quotable sentences mention together. A study naming the
    drug in one sentence and the arrhythmia in the next speaks to "Does the drug cause
    arrhythmia?"; sentences naming each from unrelated documents do not."""
    told = document_coverage(candidates)
    return max(
        (
            c.similarity + COVERAGE_WEIGHT * told[c.passage.source.id]
            for c in candidates
            if c.similarity >= MIN_SIMILARITY and provides(c.text, asked)
        ),
        default=0.0,
    )


def document_coverage(candidates: list[Candidate]) -> dict[str, float]:
    """Each document's coverage of the question: the weighted share of its concepts that
    the document's quotable sentences (``MIN_SIMILARITY``) mention together."""
    told: dict[str, frozenset[int]] = {}
    weights: tuple[float, ...] = ()
    for c in candidates:
        if c.similarity >= MIN_SIMILARITY:
            told[c.passage.source.id] = told.get(c.passage.source.id, frozenset()) | c.hits
            weights = c.weights
    return {doc: weighted(hits, weights) for doc, hits in told.items()}


def relevance(candidates: list[Candidate], question: Question | None = None) -> dict[int, float]:
    """How likely each candidate (by ``id``) is to state what the question asks
    (``assistant.ranker``), as a probability."""
    retrieved = [c for c in candidates if not c.passage.added]
    logits = ranker.scores(candidates, question or Question(), reference=retrieved or None)
    return {key: ranker.probability(value) for key, value in logits.items()}


def same_claim(a: Candidate, b: Candidate) -> bool:
    """True when two sentences say the same thing: alike in meaning (cosine) and in words.

    Both are needed: sentences written to one template ("In the X 2009 trial, ...") are
    alike in meaning whatever they report, and two wordings of one finding share few words.
    """
    return says_the_same(a.text, b.text, float(a.vector @ b.vector))


def says_the_same(a: str, b: str, similarity: float) -> bool:
    """``same_claim`` for two texts whose cosine ``similarity`` is known."""
    if normalise(a) == normalise(b):
        return True
    if sentences.figures(a) != sentences.figures(b):
        return False  # one reports a value the other does not
    return similarity > REDUNDANCY and word_overlap(a, b) >= SAME_WORDS


def word_overlap(a: str, b: str) -> float:
    """Jaccard overlap of the two texts' word stems."""
    x, y = set(stems(a)), set(stems(b))
    return len(x & y) / len(x | y) if x | y else 0.0


def covers(primary: Candidate, secondary: Candidate) -> bool:
    """True when a primary sentence already says what a secondary one does: close in
    meaning, or stating every figure of it (two or more: "improvement in disability at
    8-12 months in a meta-analysis of two studies" restates "pooling the two trials
    suggested improved disability at 8 to 12 months")."""
    return restates(primary.text, secondary.text, float(primary.vector @ secondary.vector))


def restates(primary: str, secondary: str, similarity: float, overlap: float = SECONDARY_OVERLAP) -> bool:
    """True when the ``primary`` sentence says what the ``secondary`` one does, given
    their cosine ``similarity``: closer than ``overlap``, or stating every figure of it
    (two or more)."""
    if similarity > overlap:
        return True
    figures = sentences.figures(secondary)
    return len(figures) >= 2 and figures <= sentences.figures(primary)


def same_measure(primary: str, secondary: str, similarity: float) -> bool:
    """True when the ``primary`` sentence gives a share of what the ``secondary`` one gives
    a share of, whatever the figure ("44% of patients had antibodies against MAG" for "half
    of them have anti-MAG antibodies"), and the two are close in meaning
    (``MEASURE_SIMILARITY``, ``MEASURE_WORDS``): a primary source's own figure answers where the secondary
    one's would. A share of something else ("neuropathy develops in up to about half of
    such patients") does not."""
    shared = sentences.counted(primary) & sentences.counted(secondary)
    return similarity >= MEASURE_SIMILARITY and len(shared) >= MEASURE_WORDS


def keep_stronger(candidates: list[Candidate], rank: dict[int, float]) -> list[Candidate]:
    """Drop a sentence when one from a stronger source says the same thing (a source a
    later one supersedes is the weaker; relevance breaks ties), and secondary sentences
    that a primary sentence already covers."""
    primary = [
        c for c in candidates if not (c.secondary or c.superseded)
    ]  # what a secondary one gives way to
    kept = []

    def weakness(c: Candidate) -> tuple[bool, int, float]:
        return c.superseded, -c.strength, -rank[id(c)]

    for c in candidates:
        if c.secondary and any(covers(p, c) for p in primary):
            continue
        stronger = (o for o in candidates if o is not c and same_claim(c, o) and weakness(o) < weakness(c))
        if next(stronger, None) is None:
            kept.append(c)
    return kept


def choose_lead(
    eligible: list[Candidate],
    rank: dict[int, float],
    asked: str | None,
    treat: bool,
    counted: tuple[str, ...] = (),
    caveats: list[Candidate] | tuple[Candidate, ...] = (),
    bonus: dict[int, float] | None = None,
    avoid: set[int] | None = None,
    named: frozenset[str] = frozenset(),
    elsewhere: set[int] | None = None,
) -> list[Candidate]:
    """The bottom line: one answer-bearing sentence from the strongest source among the
    most relevant (``rank`` plus any ``bonus``; any eligible sentence giving the value
    asked for), leaving out those (by ``id``) in ``avoid`` unless nothing else is near, then the sentence
    that continues it ("... also ...") or, from ``caveats``, the sentence after it that
    qualifies it ("However, ...", "... cautions that ..."), or for a question whether to treat, the certainty
    of the evidence (never from a sentence on another treatment: ``elsewhere``). A sentence
    that only ``elaborates`` a close document is never the bottom line."""
    eligible = [c for c in eligible if not elaborates(c)]
    if not eligible:
        return []
    best = max(rank[id(c)] for c in eligible)
    fitting = [c for c in eligible if asked and provides(c.text, asked)]
    if counted:  # "how many patients?": a number of patients, not any number
        fitting = [c for c in fitting if states_count(c.text, counted)] or fitting
    if named:  # "How many did the Niermeijer study include?": that study's number
        fitting = [c for c in fitting if c.passage.source.id in named] or fitting
    bonus = bonus or {}
    near = fitting or [c for c in eligible if rank[id(c)] + bonus.get(id(c), 0.0) >= best - LEAD_MARGIN]
    # What was known or unclear before a study, or what it did (its Background, its
    # Methods), is no answer while any eligible sentence from elsewhere is.
    scene = {id(c) for c in eligible if c.section < 0 and sentences.sets_the_scene(c.passage.section)}
    # So is what was known at some past time ("At the time of the 2012 review, ..."),
    # unless the question asks about that source (``named``: source ids it names).
    stale = {id(c) for c in eligible if sentences.dated(c.text) and c.passage.source.id not in named}
    avoid = (avoid or set()) | scene | stale
    near = [c for c in near if id(c) not in avoid] or [c for c in eligible if id(c) not in avoid] or near
    # A primary source outranks a secondary one saying as much of the question, not one
    # saying more ("Do titres predict response?": a guideline on IgG paraproteins and
    # "response to treatment", without the titres, beside a catalogue entry on titres).
    telling = telling_concepts(eligible)
    said = [c.hits & telling for c in near if c.secondary]
    primary = [c for c in near if not c.secondary and not any(c.hits & telling < s for s in said)] or near
    current = [c for c in primary if not c.superseded] or primary
    bearing = [c for c in current if not sentences.dated(c.text)] or current
    if named:  # what a study found is an outcome, a value or a verdict, not how it was analysed
        bearing = [
            c for c in bearing if provides(c.text, "number") or sentences.states_verdict(c.text)
        ] or bearing

    def merit(c: Candidate) -> tuple[float, int]:
        return (rank[id(c)] + bonus.get(id(c), 0.0), c.strength)

    lead = max(bearing, key=merit)
    # Only a study's set-up is likely, or its call for more research ("the authors called
    # for a larger trial"): what the same study found answers.
    if id(lead) in scene or sentences.calls_for_research(lead.text):
        found = [
            c
            for c in caveats
            if c.passage.source.id == lead.passage.source.id
            and c.section > 0
            and id(c) in rank
            and not sentences.calls_for_research(c.text)
        ]
        lead = max(found, key=lambda c: rank[id(c)], default=lead)
    if sentences.calls_for_research(lead.text):  # its study states no finding: another answers
        others = [c for c in eligible if id(c) not in avoid and not sentences.calls_for_research(c.text)]
        lead = max(others, key=merit, default=lead)
    chosen = [lead]
    # "However, fixation was cost-effective in women under 75" says the contrary of most
    # without the sentence it turns from: that sentence comes first.
    turned_from = previous_sentence(lead, list(caveats)) if sentences.turns(lead.text) else None
    if turned_from is not None:
        chosen.insert(0, turned_from)
    follower = next_sentence(lead, eligible)
    caveat = next_sentence(lead, [c for c in caveats if c.similarity >= MIN_SIMILARITY])
    if follower is not None and sentences.continues(follower.text):
        chosen.append(follower)
    elif caveat is not None and sentences.cautions(caveat.text):
        chosen.append(caveat)
    elif treat:  # the certainty of the evidence, from a stronger source than the lead's own
        sure = [
            c
            for c in eligible
            if c.certainty
            and (not lead.certainty or c.strength > lead.strength)
            and c is not lead
            and rank[id(c)] >= best - MARGIN
            and not same_claim(c, lead)
            and not (c.superseded or sentences.dated(c.text))
            and id(c) not in (elsewhere or set())
        ]
        if sure:
            chosen.append(max(sure, key=lambda c: rank[id(c)] + c.quality))
    # Strongest evidence first: a primary source's certainty before a secondary lead.
    return sorted(chosen, key=lambda c: c.secondary)


def next_sentence(candidate: Candidate, pool: list[Candidate]) -> Candidate | None:
    """The candidate of ``pool`` that directly follows ``candidate`` in its passage."""
    after = [c for c in pool if c.passage.chunk_id == candidate.passage.chunk_id and c.start >= candidate.end]
    return min(after, key=lambda c: c.start) if after else None


def previous_sentence(candidate: Candidate, pool: list[Candidate]) -> Candidate | None:
    """The candidate of ``pool`` that directly precedes ``candidate`` in its passage."""
    before = [
        c for c in pool if c.passage.chunk_id == candidate.passage.chunk_id and c.end <= candidate.start
    ]
    return max(before, key=lambda c: c.end) if before else None


def as_covered(
    candidates: list[Candidate], lead: list[Candidate], scored: list[Candidate], share: float
) -> list[Candidate]:
    """The candidates from documents that name at least ``share`` of what the ``lead``'s
    documents name of the question (``document_coverage`` over all the ``scored``
    sentences). Another document naming much less is about something else: "3-phase bone
    scintigraphy ... in a diabetic foot" beside a study of whether CT can replace bone
    scintigraphy in breast cancer."""
    told = document_coverage(scored)
    enough = share * max((told.get(c.passage.source.id, 0.0) for c in lead), default=0.0)
    return [c for c in candidates if told.get(c.passage.source.id, 0.0) >= enough]


def telling_concepts(candidates: list[Candidate]) -> set[int]:
    """The question concepts that tell the candidates apart: of those some candidate
    mentions, focus weight (``focus_weights``) at least ``TELLING_SHARE`` of the largest. A
    supporting sentence that mentions none of them shares only the topic with the question
    ("... in anti-MAG neuropathy"): filler. A concept no candidate mentions tells nothing."""
    focus = focus_weights(candidates)
    mentioned = set().union(*(c.hits for c in candidates)) if candidates else set()
    top = max((focus[i] for i in mentioned), default=0.0)
    return {i for i in mentioned if focus[i] > 0 and focus[i] >= TELLING_SHARE * top}


def outdated(c: Candidate, quoted: set[str], named: frozenset[str] = frozenset()) -> bool:
    """True when ``c`` comes from an earlier version of a review whose update is among the
    ``quoted`` sources: it says no more, unless the question names it (``named``)."""
    return c.passage.source.id not in named and c.passage.source.superseded_by in quoted


def choose_evidence(
    eligible: list[Candidate],
    rank: dict[int, float],
    chosen: list[Candidate],
    limit: int,
    named: frozenset[str] = frozenset(),
    among: list[Candidate] | None = None,
) -> list[Candidate]:
    """Up to ``limit`` more sentences by maximal marginal relevance, at most
    ``MAX_PER_SOURCE`` from one source besides what ``chosen`` already holds, each
    mentioning one of the question's ``telling_concepts`` (among ``eligible``, or the wider
    pool ``among`` it was drawn from), none from a source whose update is already quoted
    (unless the question names it: ``named``)."""
    picked: list[Candidate] = []
    per_source: dict[str, int] = {}
    telling = telling_concepts(eligible if among is None else among)
    pool = [c for c in eligible if c not in chosen and (not telling or c.hits & telling)]
    while pool and len(picked) < limit:
        taken = [*chosen, *picked]

        def gain(c: Candidate, taken: list[Candidate] = taken) -> float:
            likeness = max((float(c.vector @ t.vector) for t in taken), default=0.0)
            return rank[id(c)] - DIVERSITY * max(likeness, 0.0)

        best = max(pool, key=gain)
        pool.remove(best)
        source = best.passage.source.id
        if (
            per_source.get(source, 0) >= MAX_PER_SOURCE
            or any(same_claim(best, t) for t in taken)
            or outdated(best, {t.passage.source.id for t in taken}, named)
        ):
            continue
        picked.append(best)
        per_source[source] = per_source.get(source, 0) + 1
    return picked


def eligible_candidates(
    candidates: list[Candidate], question: Question | None = None
) -> tuple[list[Candidate], dict[int, float]]:
    """The quotable candidates likely enough to answer (``MIN_PROBABILITY``, and within
    ``MARGIN`` of the likeliest), stronger sources kept over weaker ones saying the same,
    with every candidate's probability."""
    close = [c for c in candidates if c.similarity >= MIN_SIMILARITY]
    if not close:
        return [], {}
    documents = {c.passage.source.id for c in close}
    extra = [c for c in candidates if elaborates(c) and c.passage.source.id in documents]
    # The ranker's features are relative to the sentences ranked together: the close
    # sentences keep the probabilities they have among themselves.
    rank = relevance(close, question)
    if extra:
        among_all = relevance(close + extra, question)
        rank |= {id(c): among_all[id(c)] for c in extra}
    floor = max(MIN_PROBABILITY, max(rank[id(c)] for c in close) - MARGIN)
    eligible = sorted((c for c in close + extra if rank[id(c)] >= floor), key=lambda c: -rank[id(c)])
    return keep_stronger(eligible, rank), rank


def elaborates(c: Candidate) -> bool:
    """True for a sentence too far from the question in meaning to answer it alone, but
    naming enough of it to add to a close document's answer (``ELABORATION_SIMILARITY``)."""
    return ELABORATION_SIMILARITY <= c.similarity < MIN_SIMILARITY and c.coverage >= ELABORATION_COVERAGE


def is_quotable(sentence: str, *, is_list_item: bool) -> bool:
    """False for sentences that are not claims: descriptors of a document, and fragments."""
    return not sentences.is_descriptor(sentence) and not sentences.is_fragment(
        sentence, is_list_item=is_list_item
    )


def named_sources(question: str, names: dict[str, tuple[str, ...]]) -> set[str]:
    """The sources a question names ("in the Dalakas 2009 trial", "the EFNS/PNS guideline").

    Args:
        names: source id -> the distinctive names it goes by (first author's surname,
            acronyms), as ``source_names`` gives them.
    """
    folded = fold(question)
    named = {sid for sid, aliases in names.items() if any(_mentions(folded, fold(a)) for a in aliases)}
    years = set(re.findall(r"\b(?:19|20)\d\d\b", question))
    dated = {sid for sid in named if any(y in names[sid] for y in years)}
    return dated or named


def source_names(sources: list[Source], share: float = 0.2) -> dict[str, tuple[str, ...]]:
    """Each source's distinctive names: its first author's surname and the acronyms of its
    authors and title, each kept only when few sources (``share``) go by it; plus its year."""
    raw: dict[str, set[str]] = {}
    for source in sources:
        words = set(_ACRONYM_WORD.findall(f"{' '.join(source.authors)} {source.title}"))
        first = source.authors[0] if source.authors else ""
        surname = re.match(r"^([A-ZÀ-Ý][\w'’-]+)(?:\s+[A-Z]{1,3})?$", first.strip())
        if surname:
            words.add(surname.group(1))
        raw[source.id] = words
    counts: dict[str, int] = {}
    for words in raw.values():
        for w in {fold(w) for w in words}:
            counts[w] = counts.get(w, 0) + 1
    limit = max(1, int(share * len(sources)))
    by_id = {s.id: s for s in sources}
    return {
        sid: (*sorted(w for w in words if counts[fold(w)] <= limit), str(by_id[sid].year))
        for sid, words in raw.items()
        if any(counts[fold(w)] <= limit for w in words)
    }


def fold(text: str) -> str:
    """Lower-cased, accents removed ("Léger" -> "leger")."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(ch))


def _mentions(text: str, name: str) -> bool:
    return len(name) >= 3 and re.search(rf"(?<![\w-]){re.escape(name)}(?![\w])", text) is not None


_ACRONYM_WORD = re.compile(r"\b[A-Z][A-Z0-9]{2,}(?:-\d+)?\b")
