"""The default answerer: offline, deterministic, verbatim.

It scores every sentence of the retrieved passages against the question: the cosine of
the sentence vector (precomputed at ingest) with the question vector, plus how much of
the question's concepts the sentence mentions, each concept weighted by its rarity in
the corpus (so "tremor" counts for more than "neuropathy"). Sentences that only say what
a document is about, and list fragments, are never quoted. It answers in the order a
clinician reads (``assistant.selection``): the premise check when the question asserts
something, then a bottom line for each part of the question, then diverse supporting
evidence; and it refuses when the best support is weak or lacks the kind of value
(number, dose, duration) that the question asks for, saying truly why.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise

from assistant import selection, sentences
from assistant.abbreviations import Synonyms
from assistant.answer import REFUSAL, Claim, Draft, Role
from assistant.answerers.base import Features
from assistant.citations import normalise
from assistant.facets import kind_of
from assistant.knowledge import KnowledgeBase
from assistant.lexicon import WORD, stems
from assistant.passages import Passage
from assistant.premise import (
    age_query,
    asserted,
    claims_majority,
    contrary,
    premise_queries,
    premise_subject,
    restates,
    split_premise,
)
from assistant.questions import (
    asked_type,
    asks_about_research,
    counted,
    counted_noun,
    is_yes_no,
    names_the_kind,
    provides,
    resolve_parts,
    split_question,
    statement_from_quote,
    states_count,
    states_share,
)
from assistant.ranker import Question
from assistant.selection import Candidate
from assistant.topics import GENERIC_HEADS, NOT_MODIFIERS, disease_names, find_conditions

# Weight of a question word the corpus never uses. Such a word is as often plain
# language ("worth trying", "shaky") as an out-of-scope topic, so it is capped.
UNSEEN_WEIGHT = 3.0
MIN_WORDS = 4
# Claims per answer: a bottom line and a few supporting sentences; more for a question
# that asks for a work-up, a comparison or a list; fewer per part of a compound question.
CLAIMS = 4
SYNTHESIS_CLAIMS = 8
PART_CLAIMS = 3
PREMISE_CLAIMS = 2
# A facet's sentence must be at least this close to the facet's query.
FACET_SIMILARITY = 0.35
# A facet's sentence is the likeliest for the facet plus this share of its probability for
# the question itself: a facet query alone ("treatment benefit response") finds sentences
# about other treatments or diseases. Chosen on tune with FINDINGS_DOCUMENTS (pipeline):
# fact recall / claim precision 0.3 0.821 / 0.817, 0.5 0.821 / 0.818, 0.7 0.814 / 0.813.
FACET_QUESTION_WEIGHT = 0.5
# The bottom line of a synthesis question is the likeliest for the question plus this
# share of its best probability for one of the facets ("How should I work him up?" is
# answered by the screening advice, not by a sentence about the case's symptoms). Chosen
# on tune (lead accuracy / fact recall): 0 0.848 / 0.821; 0.1, 0.15 and 0.2 0.861 / 0.821;
# 0.3 0.861 / 0.814; 0.45 0.848 / 0.814.
FACET_LEAD_WEIGHT = 0.15
# Why a question that no sentence answers but a study's entry criteria or measures is refused.
ONLY_DESIGN = (
    f"{REFUSAL} The passages found for it say only how a study was run (who could enter it, "
    "what it measured), which does not answer it."
)


def uncounted(noun: str) -> str:
    """Why a "how many <noun>?" question that no passage gives a number of is refused."""
    return (
        f"{REFUSAL} The passages that answer it most closely give no number of {noun}, "
        "which the question asks for."
    )


# Why a question on one treatment that only sentences on others answer is refused.
OTHER_TREATMENTS = (
    f"{REFUSAL} The passages found for it speak of other treatments, or of treatment in general "
    "in sources that never name the one asked about."
)
# Why a part has no bottom line of its own when its likeliest sentence went to another part.
ANSWERS_ANOTHER_PART = "What comes closest to it answers another part of the question, and is quoted there."
# Evidence must come from a document naming at least this share of what the bottom line's
# document names of the question (``selection.as_covered``). Chosen on tune: 0.5 dropped
# "the best responders to rituximab had high anti-MAG titres" from "Do titres predict
# response to treatment?" (its trial names 0.42 of the question beside the lead's 1.0);
# 0.4 keeps it, and both gave the same eval (tune fact recall 0.883 -> 0.8897).
OTHER_DOCUMENT_SHARE = 0.4
# Among the likeliest sentences on a premise (within PREMISE_MARGIN of the likeliest), one
# that qualifies or contradicts it leads.
QUALIFIER_BONUS = 0.3
PREMISE_MARGIN = 0.3
_SYNTHESIS = re.compile(
    r"\b(work[- ]?up|investigat\w*|evaluat\w*|approach\w*|manag\w*|options?|compar\w*|versus|vs\.?|"
    r"differ\w*|overview|summar\w*|what (?:are|were) the|which (?:tests|treatments|drugs|features)|"
    r"list|should (?:i|we) treat|how should|what should|steps|features|characteristics)\b",
    re.I,
)
_ANY_CASE = re.compile(WORD.pattern, re.I)
_STOP = frozenset(
    """a an and are as at be been being but by can could did do does doing for from had has have how i if in into
    is it its may might more most of on or should so than that the their them then there these they this those to
    was were what when where which who whom why will with would about any patient patients people someone tell me
    know known there's what's us we our you your much many often common going gonna get gets got
    conclude concluded say says said only he she him his her hers my mine really actually give gives giving
    consider considered considers regarded suggest suggests suggestive indicate indicates indicative role
    all every each still possible possibly done well everyone everybody anyone anybody
    father mother dad mum mom wife husband son daughter brother sister partner friend relative
    just told wondering wonder found seen among amongst between""".split()
)

# Words that relate what a question asks about to its condition ("Is X effective in ...?",
# "Can ... cause X?", "What X is best for ...?"): a sentence sharing only these and the
# condition with the question says nothing of X.
_RELATION = re.compile(
    r"effective|help\w*|work\w*|benefit\w*|useful|best|better|good|cause\w*|affect\w*|safe|"
    r"worth\w*|recommended|used?|improve\w*|relation\w*|associat\w*|link\w*|connect\w*|correlat\w*",
    re.I,
)

# A modifier that turns what it qualifies into its opposite ("atypical phenotypes"):
# the qualified word mentions the question's concept only when the question says so too.
_CONTRARY = re.compile(r"\b(?:atypical|non-?typical)\s+[\w-]+", re.I)
_CONTRARY_STEMS = frozenset({"atyp", "non-typ", "nontyp"})
# A trial's arms are no limbs: "the rituximab and placebo arms" says nothing of the arms
# a question about weakness asks about, unless the question is about a trial.
_TRIAL_ARM = re.compile(
    r"\b((?:placebo|control|treatment|study|active|comparator|intervention)\s+)arms?\b", re.I
)
_TRIAL_STEMS = frozenset({"placebo", "trial", "control", "studi", "random", "rct"})
# "Anti-MAG antibodies are present in 50-70%" says nothing of a presentation (both stem to
# "present"): the adjective counts only for a question using it ("Is tremor present?").
_PRESENT = re.compile(
    r"\b((?:is|are|was|were|be|been|being|remains?|remained|also|not|often|usually|commonly|always)\s+)"
    r"present(?![\w-])",
    re.I,
)
# What came next is not what was followed up: "rituximab was followed by transient
# worsening" says nothing of following patients or their titres. Nor is an analysis's
# qualifier a time: "after excluding one patient" or "after adjustment for age" says
# nothing of what happens after a treatment.
_NOT_AFTER = re.compile(
    r"\b(?:(?:was|were|is|are|be|been)\s+followed\s+by"
    r"|after\s+(?:excluding|exclusion|adjust\w*|controlling|accounting|correct\w*|stratif\w*|removing|allowing))\b",
    re.I,
)

# How much of a premise holds, and verbs linking its terms beyond ``_RELATION``: no part
# of what it claims.
_PREMISE_FRAME = re.compile(
    r"mostly|mainly|usually|typically|generally|predominantly|largely|commonly|always|influences?|involves?|"
    # how much, not what: "responds poorly to steroids" claims a response to steroids
    r"poorly|badly|"
    # a verb that links ("most patients become wheelchair-bound"): the claim is what follows
    r"become|becomes|became|remains?|remained",
    re.I,
)

# Words asking how soon or how fast, which no source need use to say when.
_WHEN = re.compile(r"soon|fast|quick|\w+ly", re.I)

# One condition said to turn into another ("Can X progress to Waldenström's?"): the
# condition it turns into is what the question asks about, not its subject.
_BECOMES = re.compile(
    r"\b(?:progress\w*|evolv\w*|transform\w*|turn\w*|develop\w*|convert\w*|lead\w*|advanc\w*)"
    r"\s+(?:in)?to\b",
    re.I,
)

# A treatment term that names a class of treatments rather than one ("immunotherapy",
# "immune therapies", "chemotherapy").
_CLASS_OF_TREATMENT = re.compile(r"(?:therapy|therapies|treatments?)$", re.I)
# A sentence speaking of treatment in general ("related to therapy", "treated patients").
_TREATMENT_CLASS = re.compile(r"\b(?:(?:immuno)?therap(?:y|ies)|treatments?|treated)\b", re.I)

# Phrases that frame a question rather than name what it asks about: "over time" asks
# how something changes, and a sentence saying "at the time of the review" does not answer it.
# So does a qualifier of what is asked for: "the typical features" are the features; and
# "rule out", which asks whether a finding excludes the condition (no sentence says "rule");
# and "should I treat", which asks whether to (a sentence on "treated patients" does not say).
_FRAMING = re.compile(
    r"\b(?:over time|in general|in practice|at all|these days|nowadays|right now|rules? out|ruled out|end(?:s|ed)? up|"
    r"(?:should|shall|would|do|must) (?:i|we|you) (?:still )?treat|"
    r"(?:typical|usual|main|key)(?= (?:clinical |presenting )?(?:features?|signs?|symptoms?|presentations?|characteristics)))\b",
    re.I,
)


# A word made of a name and a participle: "rituximab-treated", "therapy-related".
_PARTICIPLE_COMPOUND = re.compile(r"^[A-Za-z0-9]+-(?:treated|related|induced|associated|exposed)$", re.I)


@dataclass(frozen=True, slots=True)
class Concept:
    """Something the question mentions: interchangeable terms, weighted by rarity."""

    alternatives: tuple[tuple[str, ...], ...]  # each alternative as its stems
    weight: float
    label: str = ""
    terms: tuple[str, ...] = ()  # the alternatives as written

    def as_written(self, question: str) -> str:
        """The concept in the question's own words ("nerve conduction", not the lexicon's
        "NCS"), for a reason shown to the one who asked."""
        for term in self.terms:
            match = re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", question, re.I)
            if match:
                return match.group(0)
        return self.label


def concepts(question: str, synonyms: Synonyms, idf: dict[str, float], unseen: float) -> list[Concept]:
    """The question's concepts (synonym groups merged), each weighted by its idf.

    A concept's weight is the idf of its most common alternative, so a concept the
    corpus never mentions weighs the most and, uncovered, lowers every sentence's score.
    """
    framed = _FRAMING.sub(" ", question)
    # Two words a synonym group names as written stay apart: "side effects" is an intent
    # group's term even where the corpus writes "side-effects".
    named = {w for g in synonyms.matches(framed) for term in g for w in WORD.findall(term.lower())}
    question = _join_compounds(framed, idf, keep=named)
    groups = [tuple(g) for g in synonyms.matches(question)]
    covered = {w for g in groups for term in g for w in WORD.findall(term.lower())}
    # As written, so that an acronym ("MAGES") is stemmed as the sentences' is (``stems``).
    words = [
        w
        for w in _ANY_CASE.findall(question)
        if w.lower() not in _STOP and w.lower() not in covered and len(w) > 2
    ]
    out = []
    for terms in [*groups, *((w,) for w in dict.fromkeys(words))]:
        alternatives = tuple(st for t in terms if (st := stems(t)))
        if len(terms) == 1 and _PARTICIPLE_COMPOUND.search(terms[0]):
            # "rituximab-treated patients" are "patients treated with rituximab" too.
            parts = stems(terms[0].replace("-", " "))
            if len(parts) > 1:
                alternatives += (parts,)
        if alternatives:
            weight = min(max(idf.get(s, min(unseen, UNSEEN_WEIGHT)) for s in alt) for alt in alternatives)
            out.append(Concept(alternatives, weight, terms[0], tuple(terms)))
    return out


def _join_compounds(
    question: str, idf: dict[str, float], keep: set[str] | frozenset[str] = frozenset()
) -> str:
    """``question`` with two adjacent words hyphenated where the corpus writes them so
    ("interferon alpha" -> "interferon-alpha"): as two words, neither would be found.
    Words both in ``keep`` stay apart."""
    words = list(re.finditer(r"[A-Za-z][A-Za-z0-9]*", question))
    out, last, joined_last = [], 0, False
    for first, second in pairwise(words):
        if (
            joined_last
            or question[first.end() : second.start()] != " "
            or first[0].lower() in _STOP  # "in breast cancer" is no "in-breast"
            or {first[0].lower(), second[0].lower()} <= keep
        ):
            joined_last = False
            continue
        joined = stems(f"{first[0]}-{second[0]}")
        joined_last = len(joined) == 1 and joined[0] in idf
        if joined_last:
            out.append(question[last : first.end()] + "-")
            last = second.start()
    return "".join(out) + question[last:]


def concept_hits(
    sentence: str, question_concepts: list[Concept], *, word_parts: bool = False
) -> frozenset[int]:
    """Indices of the question's concepts that the sentence mentions (by stems); with
    ``word_parts``, a hyphenated word also mentions its parts ("interferon-alpha"
    mentions interferon)."""
    asked = {s for c in question_concepts for alt in c.alternatives for s in alt}
    if not asked & _CONTRARY_STEMS:  # "atypical phenotypes" are no answer on the phenotype
        sentence = _CONTRARY.sub(" ", sentence)
    if not asked & _TRIAL_STEMS:
        sentence = _TRIAL_ARM.sub(r"\1", sentence)
    sentence = _NOT_AFTER.sub(" ", sentence)
    if not any(t.lower() == "present" for c in question_concepts for t in c.terms):
        sentence = _PRESENT.sub(r"\1", sentence)
    present = set(stems(sentence))
    if word_parts:
        present.update(p for s in list(present) if "-" in s for p in stems(s.replace("-", " ")))
    return frozenset(
        i for i, c in enumerate(question_concepts) if any(set(alt) <= present for alt in c.alternatives)
    )


def unsaid_kinds(
    question: str,
    question_concepts: list[Concept],
    idf: dict[str, float],
    is_term: Callable[[str], bool] = lambda _: False,
) -> dict[int, str]:
    """The one-word concepts that the question narrows with words no source uses, and
    the kind it names: "a bone marrow biopsy" -> {biopsy: "bone marrow biopsy"}. A
    sentence on a nerve biopsy mentions "biopsy" but not that kind of it. Not a concept
    that with the word after it is a term the sources use (``is_term``): in "a sural nerve
    biopsy", "sural" narrows the nerve biopsy that the sources speak of."""
    words = _ANY_CASE.findall(question)
    single = {c.label for c in question_concepts if len(c.alternatives) == 1 and len(c.alternatives[0]) == 1}
    out: dict[int, str] = {}
    for i, concept in enumerate(question_concepts):
        if len(concept.alternatives) != 1 or len(concept.alternatives[0]) != 1 or _unused(concept.label, idf):
            continue
        at = [k for k, w in enumerate(words) if w == concept.label]
        if not at:
            continue
        start = at[0]
        # a word of a term the lexicon names ("nerve conduction") is no modifier of its own
        while (
            start > 0
            and words[start - 1] in single
            and _narrows(words[start - 1])
            and _unused(words[start - 1], idf)
        ):
            start -= 1
        followed = at[0] + 1 < len(words) and is_term(" ".join(words[at[0] : at[0] + 2]).lower())
        if start < at[0] and not followed:
            out[i] = " ".join(words[start : at[0] + 1])
    return out


def _narrows(word: str) -> bool:
    """True when ``word`` could narrow the noun after it: a lower-case word, not a verb
    or function word that ends a condition's name (``topics.NOT_MODIFIERS``): "reconsider
    lobectomy" is no kind of lobectomy, and an acronym ("PNP") is checked by the topic check."""
    return word.islower() and word not in _STOP and word not in NOT_MODIFIERS


def _unused(word: str, idf: dict[str, float]) -> bool:
    """True when no corpus sentence uses ``word`` (a word of letters only)."""
    found = stems(word)
    return word.isalpha() and bool(found) and all(s not in idf for s in found)


def mentioned(question_concepts: list[Concept], candidates: list[Candidate] | list[Passage]) -> set[int]:
    """Indices of the question's concepts that some candidate sentence (or passage)
    mentions. Hyphenated words count by their parts: "no passage mentions 'interferon'"
    must not be said of passages that name interferon-alpha."""
    return set().union(*(concept_hits(c.text, question_concepts, word_parts=True) for c in candidates))


def clean_span(text: str, start: int, end: int, *, strip_markers: bool) -> tuple[int, int]:
    """The part of the sentence ``text[start:end]`` worth quoting: after a list item that
    ran into it (only a sentence that starts a list item can: "role of group A streptococci"
    is one sentence), without punctuation left at either end (": In the baseline ..."), and
    before a trailing bibliography marker (for sources that carry them)."""
    sentence = text[start:end]
    cut = sentences.run_on_split(sentence) if _in_list_item(text, start) else None
    if cut is not None:
        start += cut
        sentence = text[start:end]
    if strip_markers:
        end = start + sentences.trailing_marker(sentence)
    while end > start and text[end - 1] in " ,;:":
        end -= 1
    while start < end and text[start] in " ,;:":  # ": In the baseline analysis, ..." after a label
        start += 1
    return start, end


def _in_list_item(text: str, start: int) -> bool:
    """True when the sentence at ``start`` is on a Markdown list item's line."""
    line = text.rfind("\n", 0, start) + 1
    return bool(re.match(r"[ \t]*(?:[-*+]|\d+[.)])[ \t]", text[line : start + 1]))


class ExtractiveAnswerer:
    """Answers with verbatim sentences of the retrieved passages."""

    name = "extractive"

    def __init__(
        self, kb: KnowledgeBase, *, min_support: float | None = None, features: Features | None = None
    ) -> None:
        self.kb = kb
        self.min_support = min_support if min_support is not None else kb.calibration.min_support
        self.features = features or Features()
        self._named_in: dict[str, set[str]] = {}  # source id -> the treatments it names

    def candidates(
        self, question: str, passages: list[Passage], written: str | None = None
    ) -> list[Candidate]:
        """Every quotable sentence of ``passages`` scored against ``question``.

        Sections weigh only when the question (as ``written``, when given) asks for no
        value: a sample size, dose or schedule is stated in Methods as often as in Results.
        """
        asked = asked_type(written or question)
        weigh_sections = self.features.section_weighting and asked is None
        query = self.kb.embed(self.kb.synonyms.expand(question))
        idf, unseen = self.kb.idf
        question_concepts = concepts(question, self.kb.synonyms, idf, unseen)
        weights = tuple(c.weight for c in question_concepts)
        # "What proportion have tremor?": "44% had tremor" mentions the proportion asked for.
        kind_words = frozenset(
            i for i, c in enumerate(question_concepts) if any(names_the_kind(t, asked) for t in c.terms)
        )
        out = []
        for order, passage in enumerate(passages):
            document = self.kb.texts[passage.source.id]
            # "According to the Mayo Clinic Laboratories ...": the name of the body that
            # wrote a source says nothing clinical or about a laboratory, unless asked by name.
            bodies = tuple(b for b in _bodies(passage.source.authors) if b.lower() not in question.lower())
            first_sentence = self.kb.first_sentence.get(passage.source.id, -1)
            vectors = self.kb.sentence_matrix(passage.row)
            setup = self.features.section_weighting and sentences.section_weight(passage.section) < 0
            for (s, e), sim, vec in zip(passage.sentences, vectors @ query, vectors, strict=True):
                s, e = clean_span(document, s, e, strip_markers=passage.source.has_markers)
                text = document[s:e]
                listed = _in_list_item(document, s)
                # "The Dalakas 2009 trial tested rituximab ..." only says what a study is, and
                # that is what "which drugs were tested?" asks.
                says_what_was_tested = asked == "tested" and provides(text, asked) and not listed
                if len(WORD.findall(text)) < MIN_WORDS or not (
                    says_what_was_tested or selection.is_quotable(text, is_list_item=listed)
                ):
                    continue
                if setup and sentences.states_gap(text):  # the question a study asks
                    continue
                out.append(
                    Candidate(
                        passage,
                        text,
                        s,
                        e,
                        float(sim),
                        concept_hits(_without(text, bodies), question_concepts)
                        | (kind_words if provides(text, asked) else frozenset()),
                        weights,
                        vec,
                        sentences.section_weight(passage.section) if weigh_sections else 0,
                        sentences.states_verdict(text),
                        sentences.states_certainty(text),
                        7 - passage.source.evidence_level if self.features.evidence_order else 0,
                        order,
                        s <= first_sentence,
                    )
                )
        if not any(p.added for p in passages):
            return out
        # A fallback search's sentence counts only when it mentions the question's rarest
        # concept, which no retrieved primary passage does (an AI-written answer's "often
        # comes with tremor" is no reason to leave a cohort's figure out), and all it asks
        # about: "nerve biopsy carries risk" is found by "biopsy" but says nothing of what
        # a biopsy shows.
        rarest = max(weights, default=0.0)
        unsaid = {i for i, w in enumerate(weights) if w == rarest} - mentioned(
            question_concepts, [p for p in passages if not p.added and not p.source.is_secondary]
        )
        about = self._asked_about(question)
        return [c for c in out if not c.passage.added or (c.hits & unsaid and about <= c.hits)]

    def evidence(self, question: str, passages: list[Passage], limit: int = 20) -> list[Candidate]:
        """The ``limit`` likeliest quotable sentences for ``question``, best first and without
        repeats: the numbered evidence the LLM answerer writes from."""
        scored = self.candidates(question, passages)
        rank = selection.relevance(scored, self._question(question))
        out: list[Candidate] = []
        seen: set[str] = set()
        for cand in sorted(scored, key=lambda c: -rank[id(c)]):
            if normalise(cand.text) not in seen and len(out) < limit:
                seen.add(normalise(cand.text))
                out.append(cand)
        return out

    def _question(self, question: str, written: str | None = None) -> Question:
        """What the ranker needs to know about the question: what it asks for, from the
        question as ``written`` (without the names a later part carries), and the studies
        it names."""
        return Question(
            asked=asked_type(written or question),
            counted=counted(written or question),
            named=frozenset(selection.named_sources(question, self.kb.source_names)),
        )

    def answer(
        self, question: str, passages: list[Passage], on_token: Callable[[str], None] | None = None
    ) -> Draft:
        """The premise check, a bottom line and evidence for each part, or a refusal."""
        premise, core = split_premise(question) if self.features.premise_check else (None, question)
        parts = split_question(core)
        budget = SYNTHESIS_CLAIMS if _SYNTHESIS.search(core) or kind_of(core) else CLAIMS
        per_part = budget if len(parts) == 1 else max(PART_CLAIMS, budget // len(parts))
        claims: list[tuple[Candidate, Role, int]] = []
        if premise:
            claims += [(c, "premise", 0) for c in self._premise(premise, passages)]
        # Every part's bottom line first, then each part's evidence: a sentence that answers
        # a later part ("... and was it met?") is not taken as an earlier part's evidence.
        taken = [c for c, _, _ in claims]
        # "its" in a later part: searched and scored with the earlier names; what it asks
        # for is read from the part as written.
        asked = [
            (
                written,
                part,
                self.candidates(
                    f"{part} {_claimed(premise)}" if premise else part, passages, written=written
                ),
            )
            for written, part in zip(parts, resolve_parts(parts, self.kb.named_terms), strict=True)
        ]
        plans = self._leads(asked, taken, premise, passages)
        taken += [c for plan in plans for c in plan.lead]
        for i, plan in enumerate(plans):
            evidence = self._evidence(plan, per_part - len(plan.lead), taken) if plan.lead else []
            taken += evidence
            claims += [(c, "lead", i) for c in plan.lead] + [(c, "evidence", i) for c in evidence]
        reasons = [plan.reason for plan in plans]
        unanswered = tuple((i, r) for i, r in enumerate(reasons) if r)
        if not any(role != "premise" for _, role, _ in claims):
            if not claims:
                return Draft(refusal_reason=next((r for r in reasons if r), REFUSAL))
            # Only the premise could be checked. When the question itself is not covered,
            # the premise check stands alone beside the reason; when the premise check took
            # the sentences that answer it, the first of them is the bottom line.
            if not unanswered and len(claims) > 1:
                claims = [(c, "lead" if k == 0 else "premise", 0) for k, (c, _, _) in enumerate(claims)]
        elif len(parts) < 2:
            unanswered = ()
        return Draft(
            claims=tuple(self._claim(c, role, part) for c, role, part in claims),
            parts=tuple(parts) if len(parts) > 1 else (),
            premise=premise,
            unanswered=unanswered,
        )

    def _leads(
        self,
        asked: list[tuple[str, str, list[Candidate]]],
        taken: list[Candidate],
        premise: str | None,
        passages: list[Passage],
    ) -> list[_Plan]:
        """Each part's plan, in the question's order. When one sentence would be the
        bottom line of two parts ("Which tests exist, and do different results go with
        different pictures?" both led by "different test results go with different
        pictures"), it goes to the part it answers likeliest, and the other part looks again."""

        def plan(i: int, taken: list[Candidate]) -> _Plan:
            written, part, scored = asked[i]
            return self._lead(part, scored, taken, written, premise=premise, passages=passages)

        order = list(range(len(asked)))
        alone = [plan(i, taken) for i in order]
        if any(
            _taken(c, alone[k].lead) for j, other in enumerate(alone) for k in range(j) for c in other.lead
        ):
            order.sort(key=lambda i: -max((alone[i].rank[id(c)] for c in alone[i].lead), default=0.0))
        reordered = order != sorted(order)
        # The first to choose sees only ``taken``: its plan alone is its plan.
        plans: dict[int, _Plan] = {order[0]: alone[order[0]]}
        for i in order[1:]:
            plans[i] = plan(i, [*taken, *(c for p in plans.values() for c in p.lead)])
            if reordered and not plans[i].lead and alone[i].lead:
                # What it would have quoted answers another part, and is quoted there; what
                # is left shares no more than the corpus's subject with it.
                plans[i].reason = f"{REFUSAL} {ANSWERS_ANOTHER_PART}"
        return [plans[i] for i in range(len(asked))]

    def _lead(
        self,
        part: str,
        scored: list[Candidate],
        taken: list[Candidate],
        written: str,
        premise: str | None = None,
        passages: list[Passage] | None = None,
    ) -> _Plan:
        """One part's bottom line, what its evidence is chosen from, or why it has none."""
        asked = asked_type(written)
        reason = self._refusal(part, scored, asked, passages or scored_passages(scored))
        if reason:
            return _Plan(part, scored, reason=reason)
        question = self._question(part, written)
        # Research still to be done answers a question about research only.
        agenda = _agenda(scored, written)
        eligible, rank = selection.eligible_candidates([c for c in scored if id(c) not in agenda], question)
        fresh = [c for c in scored if not _taken(c, taken) and id(c) not in agenda]
        # All its likely sentences already answer an earlier part: said, so not "not covered".
        said_before = bool(eligible)
        eligible = [c for c in eligible if c in fresh]
        if asked is not None:  # a sentence giving the value asked for is always eligible
            fitting = sorted(
                (c for c in fresh if id(c) in rank and provides(c.text, asked)), key=lambda c: -rank[id(c)]
            )
            eligible += [c for c in fitting[:2] if c not in eligible]
            eligible = selection.keep_stronger(eligible, rank)  # what it adds, a primary may say
        if not eligible:
            return _Plan(part, scored, reason=None if said_before else REFUSAL)
        # "How many courses should I give?": no passage counts courses, so any other
        # number ("eight trials") would seem to answer it.
        noun = counted_noun(written)
        things = tuple(stems(noun))
        if things and not any(states_count(c.text, things) or states_share(c.text, things) for c in scored):
            return _Plan(part, scored, reason=uncounted(noun))
        # A question asking for one value ("How common is an atypical presentation?") is
        # answered by that value, not by each facet of a presentation.
        facet_ranks = self._facet_ranks(part, scored_passages(scored)) if asked is None else []
        other = self._other_treatments(eligible, f"{written} {premise or ''}")
        if all(id(c) in other for c in eligible):  # a sentence on the treatment asked about first
            likely = _likely(fresh, rank)
            on_it = [c for c in likely if id(c) not in self._other_treatments(likely, written)]
            if not on_it:  # every likely sentence is on another treatment, or on treatment in general
                return _Plan(part, scored, reason=OTHER_TREATMENTS)
            eligible += on_it[:2]
        # "Does X cause tremor?": when no likely sentence speaks of what the question asks
        # about beyond its condition and the relation ("... caused no deaths"), the two
        # likeliest that do join them, and the silent ones are not the bottom line. (Also
        # avoiding silent leads when a likely sentence speaks made a left-out PubMedQA
        # question answered from another abstract.)
        # A synthesis question's bottom line may rightly be general ("How do I counsel ...?").
        broad = bool(premise) or _broad(part)
        about = set() if broad else self._asked_about(part)
        silent: set[int] = set()
        if about and not any(c.hits & about for c in eligible):
            on_it = [c for c in _likely(fresh, rank) if c.hits & about]
            eligible += on_it[:2]
            silent = {id(c) for c in eligible if not c.hits & about} if on_it else set()
        # "Can X progress to Y?" is answered by a sentence on Y, not by "X may enter a
        # progressive phase" (``_only_the_condition`` refuses when none speaks of Y).
        target, _ = self._turns_into(part, self._condition_concepts(part)[0])
        on_target = [c for c in _likely(fresh, rank) if c.hits & target] if target else []
        if on_target:
            eligible += [c for c in on_target[:2] if c not in eligible]
            silent |= {id(c) for c in eligible if not c.hits & target}
        # A sentence elaborating a close document's answer may support a bottom line, not be one.
        stated = [c for c in eligible if not selection.elaborates(c)]
        if not stated:
            return _Plan(part, scored, reason=None if said_before else REFUSAL)
        if self.features.bottom_line:

            def choose(avoid: set[int]) -> list[Candidate]:
                return selection.choose_lead(
                    stated,
                    rank,
                    asked,
                    treat=self.kb.asks_whether_to_treat(written),
                    counted=question.counted,
                    caveats=scored,
                    bonus={id(c): FACET_LEAD_WEIGHT * _best_facet(c, facet_ranks) for c in eligible},
                    avoid=other | self._no_treatment(eligible, written) | avoid,
                    named=question.named,
                    elsewhere=other,
                )

            lead = choose(silent)
            # "Is ataxia a symptom of X?" led by how X is diagnosed: when the sentences
            # found speak of all a yes-or-no question asks about, one that does leads.
            if (
                about
                and is_yes_no(written)
                and not any(c.hits & about for c in lead)
                and about <= set().union(*(c.hits for c in scored))
                and len(set(self._condition_concepts(part)[1])) < 2
                and any(c.hits & about for c in stated)
            ):
                lead = choose(silent | {id(c) for c in stated if not c.hits & about})
        else:  # the likeliest sentence, whatever it says
            lead = [max(stated, key=lambda c: rank[id(c)])]
        # A question with a premise is answered premise first, whatever its bottom line,
        # unless it asks about what no source mentions ("..., which analgesic is best?").
        if premise:
            general = self._unknown_to_corpus(written)
        else:
            general = self._only_the_condition(written, lead, scored, passages or [])
        if general:
            return _Plan(part, scored, reason=general)
        if asked != "design" and all(_how_run(c) for c in lead):
            return _Plan(part, scored, reason=ONLY_DESIGN)
        return _Plan(
            part,
            scored,
            eligible,
            rank,
            lead,
            facet_ranks=facet_ranks,
            other=other,
            named=question.named,
            written=written,
            subject=self._condition_concepts(f"{part} {premise}" if premise else part, subjects_only=True)[2],
        )

    def _other_treatments(self, candidates: list[Candidate], question: str) -> set[int]:
        """The candidates (by ``id``) that name a specific treatment, by the corpus's lexicon,
        but none that the question names: "Is PLEX worth trying?" is not answered by "IVIg
        may give only short-term benefit". A class of treatment ("immunotherapy") is no
        other treatment: what is said of the class may answer for its members, unless the
        source never names the treatment asked about ("severe adverse events possibly
        related to therapy", in a study from before rituximab, says nothing of rituximab)."""
        asked = self._treatments(question)
        if not asked:
            return set()
        return {
            id(c)
            for c in candidates
            if ((named := self._treatments(c.text)) and not named & asked)
            or (
                not named
                and _TREATMENT_CLASS.search(c.text)
                and not self._document_treatments(c.passage.source.id) & asked
            )
        }

    def _document_treatments(self, source_id: str) -> set[str]:
        """The specific treatments a source names anywhere in its text."""
        if source_id not in self._named_in:
            self._named_in[source_id] = self._treatments(self.kb.texts[source_id])
        return self._named_in[source_id]

    def _no_treatment(self, candidates: list[Candidate], question: str) -> set[int]:
        """The candidates (by ``id``) that name no treatment at all, when the question
        names one and some candidate names it: "Is rituximab or IVIg better?" is not
        answered by "titres above 10,000 BTU better predict the typical picture"."""
        asked = self._treatments(question)
        if not asked or not any(self._treatments(c.text) & asked for c in candidates):
            return set()

        def names_one(text: str) -> bool:  # "rituximab-treated patients" name rituximab
            found = [*self.kb.term_kinds.find(text), *self.kb.term_kinds.find(text.replace("-", " "))]
            return any(kind == "treatment" for kind, _, _ in found)

        # A sentence of a rituximab trial is about rituximab, named or not.
        return {id(c) for c in candidates if not (names_one(c.text) or names_one(c.passage.source.title))}

    def _treatments(self, text: str) -> set[str]:
        """The specific treatments ``text`` names (not a class such as "immunotherapy"),
        each as its synonym group's first term."""
        found = (term for kind, term, _ in self.kb.term_kinds.find(text) if kind == "treatment")
        groups = (next(iter(self.kb.synonyms.matches(t)), (t,))[0].lower() for t in found)
        return {g for g in groups if not _CLASS_OF_TREATMENT.search(g)}

    @cached_property
    def _corpus_text(self) -> str:
        """Every source's text, lower case and one space between words."""
        return " ".join(" ".join(t.lower().split()) for t in self.kb.texts.values())

    def _only_the_condition(
        self, part: str, lead: list[Candidate], scored: list[Candidate], passages: list[Passage]
    ) -> str | None:
        """Why a bottom line that mentions nothing of the question but the condition it
        names (and words relating the two, ``_RELATION``) does not answer it, or None when
        it mentions more. "Can children get X?" answered with a sentence about X alone
        would seem to say yes, and "Is acupuncture effective in X?" with "IVIg may give
        only short-term benefit in X"; when no source mentions children or acupuncture at
        all, or no sentence of the retrieved passages does ("What does a nerve biopsy show
        in X?" answered with a trial's result in X), the corpus cannot answer. A synthesis
        question is exempt: its bottom line may
        rightly be general ("How do I counsel ... about the outlook?")."""
        idf, _ = self.kb.idf
        question_concepts, named, condition = self._condition_concepts(part)
        if not condition or _broad(part):
            return None
        subject = named[0] if named else question_concepts[min(condition)].as_written(part)
        target, becoming = self._turns_into(part, question_concepts)
        if target and not any(
            concept_hits(c.text, question_concepts, word_parts=True) & target for c in lead
        ):
            if not mentioned([question_concepts[i] for i in target], scored):
                return f"{REFUSAL} No passage found for it mentions {becoming!r}; the closest passages speak of {subject} in general."
            return (
                f"{REFUSAL} The passages found for it mention {becoming!r}, but the likeliest answers "
                f"speak of {subject} alone."
            )
        found = mentioned(question_concepts, scored)
        relation = {i for i, c in enumerate(question_concepts) if _RELATION.fullmatch(c.label)}
        # "symptoms" in "Does X cause autonomic symptoms?" names the kind of thing asked:
        # "electrophysiology is characteristic of ..." does not speak of what is asked.
        kind_words = {i for i, c in enumerate(question_concepts) if kind_of(c.as_written(part))}
        unfound = [c for i, c in enumerate(question_concepts) if i not in condition | found | relation]
        if not unfound:
            # "What causes X?" asks only for the relation: a bottom line on X that does not
            # speak of it ("no immunotherapy for X is supported") does not answer.
            asks_only_relation = relation and set(range(len(question_concepts))) <= condition | relation
            if asks_only_relation:
                if any(concept_hits(c.text, question_concepts) & relation for c in lead):
                    return None
                unfound = [question_concepts[i] for i in sorted(relation)]
            elif len(set(named)) < 2:  # two conditions: a sentence naming both relates them
                # "Does X cause pain?": that a trial's entry criteria mention pain is no
                # reason to answer with "X itself caused no deaths".
                asked = set(range(len(question_concepts))) - (condition - target) - relation - kind_words
                if not asked or any(
                    concept_hits(c.text, question_concepts, word_parts=True) & asked for c in lead
                ):
                    return None
                unfound = [question_concepts[i] for i in sorted(asked)]
            else:
                return None
        hollow = unsaid_kinds(part, question_concepts, idf, lambda term: term in self._corpus_text)
        said = condition | relation | kind_words | set(hollow)
        another_kind = any(concept_hits(c.text, question_concepts) & set(hollow) for c in lead)
        if not another_kind and any(
            concept_hits(c.text, question_concepts, word_parts=True) - said for c in lead
        ):
            return None
        if hollow:  # "a bone marrow biopsy" is no biopsy the sources speak of
            where, what = "No source", next(iter(hollow.values()))
        else:
            # "autonomic" rather than "symptoms", which names only the kind of thing asked
            absent = sorted(
                (c for c in unfound if self._absent(c)), key=lambda c: bool(kind_of(c.as_written(part)))
            )
            where, missing = ("No source", absent[0]) if absent else ("No passage found for it", unfound[0])
            what = missing.as_written(part)
            if not absent and mentioned([missing], passages):  # only in a study's aim, a heading, a fragment
                return (
                    f"{REFUSAL} The passages found for it mention {what!r} but state nothing quotable "
                    f"about it; the closest passages speak of {subject} in general."
                )
        return f"{REFUSAL} {where} mentions {what!r}; the closest passages speak of {subject} in general."

    def _unknown_to_corpus(self, part: str) -> str | None:
        """Why a part that asks only about what no source mentions (beyond a condition it
        names and words relating the two: "which analgesic is best?") cannot be answered,
        or None. A question of a known kind ("what is the outlook?") or asking for a kind
        of value ("what proportion ...?") asks in words no source need use."""
        if kind_of(part) or _SYNTHESIS.search(part):
            return None
        question_concepts, _, condition = self._condition_concepts(part)
        kind = asked_type(part)
        asked = [
            c
            for i, c in enumerate(question_concepts)
            if i not in condition and not _RELATION.fullmatch(c.label) and not names_the_kind(c.label, kind)
        ]
        # "How soon ...?", "how quickly ...?" ask when, not about a thing a source names.
        if not asked or not all(self._absent(c) and not _WHEN.fullmatch(c.label) for c in asked):
            return None
        return f"{REFUSAL} No source mentions {' or '.join(repr(c.as_written(part)) for c in asked)}."

    def _absent(self, concept: Concept) -> bool:
        """True when no indexed text holds any of the concept's alternatives whole."""
        idf, _ = self.kb.idf
        return all(any(s not in idf for s in alternative) for alternative in concept.alternatives)

    def _evidence(self, plan: _Plan, limit: int, taken: list[Candidate]) -> list[Candidate]:
        """Up to ``limit`` sentences supporting one part's bottom line: the likeliest on each
        facet a synthesis question asks about, then the most relevant and diverse."""
        main = {_place(c): plan.rank[id(c)] for c in plan.scored if id(c) in plan.rank}
        covered = self._verdict(plan, taken)[:limit]
        covered += self._facets(plan.facet_ranks, [*taken, *covered], limit - len(covered), main)
        pool = selection.as_covered(
            [c for c in plan.eligible if id(c) not in plan.other],
            plan.lead,
            plan.scored,
            OTHER_DOCUMENT_SHARE,
        )
        # A sentence sharing only the corpus's condition with the question ("... may be best
        # used early in the course of anti-MAG neuropathy") is no evidence on what it asks
        # about, when another sentence speaks of that. Which concepts tell the sentences
        # apart is still judged over them all.
        speaking = [c for c in pool if c.hits - plan.subject] or pool
        more = selection.choose_evidence(
            speaking, plan.rank, [*taken, *covered], limit - len(covered), plan.named, among=pool
        )
        # Whichever came first: a facet's sentence may come from an earlier review before
        # its update is chosen.
        quoted = {c.passage.source.id for c in [*taken, *covered, *more]}
        return [c for c in [*covered, *more] if not selection.outdated(c, quoted, plan.named)]

    def _verdict(self, plan: _Plan, taken: list[Candidate]) -> list[Candidate]:
        """For a yes-no question whose bottom line is a finding, what the authors of that
        study conclude: the likeliest eligible sentence of its Conclusions (Interpretation,
        Implications), first among the evidence. A result ("mortality did not differ
        between those who had angiography and those who had not") answers in part; the
        authors' verdict on it ("... may not impact on survival ...; patients should
        proceed to surgery") is what a clinician acts on."""
        lead = plan.lead[0]
        # A later part that borrows an earlier part's names ("... and does the titre
        # matter?" about rituximab) may share only those names with a verdict.
        borrows = plan.part != plan.written
        if (
            borrows
            or lead.secondary
            or not is_yes_no(plan.written)
            or sentences.draws_conclusions(lead.passage.section)
        ):
            return []
        telling = selection.telling_concepts(plan.eligible)
        own = [
            c
            for c in plan.eligible
            if c.passage.source.id == lead.passage.source.id
            and sentences.draws_conclusions(c.passage.section)
            and (not telling or c.hits & telling)
            and id(c) not in plan.other
            and not _taken(c, taken)
        ]
        return [max(own, key=lambda c: plan.rank[id(c)])] if own else []

    def _facet_ranks(self, question: str, passages: list[Passage]) -> list[_Ranked]:
        """For a synthesis question, each facet's candidate sentences and their
        probabilities for that facet (``assistant.facets``); none for a plain question."""
        out: list[_Ranked] = []
        for facet in self.kb.facets(question):
            scored, asked = self.candidates(facet.query, passages), self._question(facet.query)
            agenda = _agenda(scored, question)
            scored = [c for c in scored if id(c) not in agenda]
            out.append((scored, selection.relevance(scored, asked), asked))
        return out

    def _facets(
        self,
        facet_ranks: list[_Ranked],
        chosen: list[Candidate],
        limit: int,
        main: dict[tuple[str, int], float] | None = None,
    ) -> list[Candidate]:
        """The likeliest sentence on each facet (likely for the facet and, by ``main``, for
        the question itself)."""
        main = main or {}
        picked: list[Candidate] = []
        for candidates, _, question in facet_ranks[: max(limit, 0)]:
            scored = [c for c in candidates if c.similarity >= FACET_SIMILARITY]
            rank = selection.relevance(scored, question)
            fresh = [
                c
                for c in scored
                if not any(_same_place(c, t) or selection.same_claim(c, t) for t in [*chosen, *picked])
            ]
            if fresh:
                picked.append(
                    max(fresh, key=lambda c: rank[id(c)] + FACET_QUESTION_WEIGHT * main.get(_place(c), 0.0))
                )
        return picked

    def _premise(self, premise: str, passages: list[Passage]) -> list[Candidate]:
        """What the sources say about the premise: the likeliest sentences on the premise
        itself (those that qualify or contradict it first, primary sources first), and on
        its subject without what it asserts ("anti-MAG neuropathy is typically ..."), where
        a correcting fact often is, or on its contrary ("... is typically demyelinating")
        where a source says the contrary of most. A sentence whose next sentence qualifies
        it ("... cautions that ...", "however ...") brings that sentence along. A sentence
        designing future research, or saying who could enter a study ("patients also needed
        pain above 4 on a VAS"), is no evidence on a premise about patients."""
        chosen: list[Candidate] = []
        of_premise = self._claim_concepts(premise)
        if not of_premise[1]:  # "X is common": nothing to look for but X
            return chosen
        names = disease_names(premise, self.kb.abbreviations)
        opposite = contrary(premise, names)
        design = provides(premise, "design")  # a premise about how a study was run
        # "Mostly affects young adults": the ages the sources state check it, and only they
        # answer the search for the patients' age.
        age_search = age_query(premise, names)
        # "wheelchair-bound" is checked by "30% were disabled": the claim's synonyms count.
        said_as = " ".join(self.kb.synonyms.added(premise))
        for query in premise_queries(premise, names):
            scored = self.candidates(query, passages) if query else []
            agenda = _agenda(scored, premise)
            # "IVIg is the treatment of choice with strong trial evidence" is not checked by
            # a trial's evidence on rituximab.
            elsewhere = self._other_treatments(scored, premise)
            scored = [c for c in scored if id(c) not in agenda | elsewhere and (design or not _how_run(c))]
            if age_search:
                aged = [c for c in scored if provides(c.text, "age")]
                scored = aged if aged or query == age_search else scored
            if opposite and query == opposite.query:
                scored = [c for c in scored if sentences.majority(c.text, set(opposite.words))]
            if not scored or selection.support(scored, None) < self.min_support:
                continue
            rank = selection.relevance(scored, self._question(query))
            # A sentence on the premise speaks of what it asserts, not only of the condition
            # it names or the verb that links them ("affected about half" is no evidence on
            # "mostly affects young adults").
            question_concepts, claim = of_premise if query == premise else self._claim_concepts(query)
            if claim:
                scored = [c for c in scored if c.hits & claim]
            elif query == premise_subject(premise):  # a sentence on the subject speaks of the claim too
                scored = [c for c in scored if concept_hits(c.text, of_premise[0]) & of_premise[1]]
            if not scored:
                continue
            # Of the premise's own words, those after its verb of being say what it asserts
            # ("... are diagnostic"): a sentence naming them speaks to the claim, one naming
            # only its subject ("titres above 10,000 BTU predict ...") to something else.
            said = _said_concepts(premise, question_concepts, claim) if query == premise else set()
            speaking = [c for c in scored if c.hits & said] or scored
            best = max(rank[id(c)] for c in speaking)
            near = selection.keep_stronger(
                [c for c in speaking if rank[id(c)] >= best - PREMISE_MARGIN], rank
            )
            near = [c for c in near if not (c.secondary or c.superseded)] or near
            ordered = sorted(
                near, key=lambda c: -(rank[id(c)] + QUALIFIER_BONUS * _stance(premise, c.text, said_as))
            )
            fresh = [
                c for c in ordered if not any(_same_place(c, t) or selection.same_claim(c, t) for t in chosen)
            ]
            if fresh:
                chosen.append(fresh[0])
                caveat = selection.next_sentence(fresh[0], scored)
                if (
                    caveat is not None
                    and sentences.qualifies(caveat.text)
                    and not sentences.qualifies(fresh[0].text)
                ):
                    chosen.append(caveat)
        return chosen[: PREMISE_CLAIMS + 1]

    def _condition_concepts(
        self, text: str, subjects_only: bool = False
    ) -> tuple[list[Concept], list[str], frozenset[int]]:
        """The concepts of ``text``, the conditions it names (with ``subjects_only``, those
        the corpus is about), and the indices of the concepts that name them."""
        idf, _ = self.kb.idf
        question_concepts = concepts(text, self.kb.synonyms, idf, UNSEEN_WEIGHT)
        named = [
            c.text
            for c in find_conditions(text, self.kb.abbreviations)
            if not subjects_only or self.kb.topics.is_subject(c)
        ]
        if named:
            condition = concept_hits(" ".join(named), question_concepts)
        else:  # "anti-MAG tests" names no condition, but the corpus's subject all the same
            condition = frozenset(i for i, c in enumerate(question_concepts) if self._names_the_subject(c))
        return question_concepts, named, condition

    def _names_the_subject(self, concept: Concept) -> bool:
        """True when one of the concept's alternatives names only the corpus's subject
        ("anti-MAG"), by ``TopicIndex.names_subject``."""
        return any(
            self.kb.topics.names_subject({w for stem in alternative for w in stem.split("-") if w})
            for alternative in concept.alternatives
        )

    def _turns_into(self, part: str, question_concepts: list[Concept]) -> tuple[set[int], str]:
        """For a question asking whether one condition turns into another ("Can X progress
        to Waldenström's macroglobulinaemia?"), the indices of the concepts naming the one
        it turns into, and its name as written; none when it asks no such thing."""
        match = _BECOMES.search(part)
        named = [c.text for c in find_conditions(part[match.end() :], self.kb.abbreviations)] if match else []
        if not match or not named:
            return set(), ""
        before = concept_hits(part[: match.start()], question_concepts)
        return set(concept_hits(" ".join(named), question_concepts) - before), named[0]

    def _claim_concepts(self, premise: str) -> tuple[list[Concept], set[int]]:
        """The premise's concepts, and the indices of those that carry its claim: not a
        condition it names that the corpus is about ("a motor disorder" is a claim), nor a
        quantifier or a verb that links ("mostly affects")."""
        question_concepts, _, condition = self._condition_concepts(premise, subjects_only=True)
        return question_concepts, {
            i
            for i, c in enumerate(question_concepts)
            if i not in condition
            and not _PREMISE_FRAME.fullmatch(c.label)
            and not _RELATION.fullmatch(c.label)
            and c.label.lower() not in GENERIC_HEADS  # "a motor disorder" claims "motor"
        }

    def _asked_about(self, part: str) -> set[int]:
        """Indices of the part's concepts that say what it asks about: not a condition it
        names, nor a word relating the two (``_RELATION``)."""
        question_concepts, _, condition = self._condition_concepts(part)
        return {
            i
            for i, c in enumerate(question_concepts)
            if i not in condition and not _RELATION.fullmatch(c.label)
        }

    def _refusal(
        self, part: str, scored: list[Candidate], asked: str | None, passages: list[Passage]
    ) -> str | None:
        """Why this part cannot be answered (None when it can), in words that are true."""
        if selection.support(scored, asked) >= self.min_support:
            return None
        if asked is not None and selection.support(scored, None) >= self.min_support:
            what = {
                "dose": "a dose",
                "interval": "an interval (how often)",
                "duration": "a duration",
                "age": "an age",
                "design": "the study's design (its outcome measures or entry criteria)",
                "tested": "what the studies tested",
                "size": "how many took part",
                "population rate": "a rate in a population (such as per 100,000 people)",
                "proportion": "a proportion or rate",
                "number": "a number",
            }
            return (
                f"{REFUSAL} The passages that answer it most closely do not state {what[asked]}, "
                "which the question asks for."
            )
        absent, unquotable = self._unmentioned(part, scored, passages)
        if absent:
            return f"{REFUSAL} No retrieved passage mentions {', '.join(repr(m) for m in absent)}."
        if unquotable:  # in a study's aim ("To determine if ..."), a heading, a fragment
            return (
                f"{REFUSAL} The retrieved passages mention {', '.join(repr(m) for m in unquotable)} "
                f"but state nothing quotable about {'them' if len(unquotable) > 1 else 'it'}."
            )
        return REFUSAL

    def _unmentioned(
        self, part: str, scored: list[Candidate], passages: list[Passage]
    ) -> tuple[list[str], list[str]]:
        """The question's rarest concepts that no candidate sentence mentions: those no
        retrieved passage mentions at all, and those it mentions only outside the
        sentences that could be quoted."""
        idf, unseen = self.kb.idf
        question_concepts = concepts(part, self.kb.synonyms, idf, unseen)
        found = mentioned(question_concepts, scored)
        top = max((c.weight for c in question_concepts), default=0.0)
        missing = [i for i, c in enumerate(question_concepts) if i not in found and c.weight >= 0.8 * top][:2]
        in_text = mentioned(question_concepts, passages)
        written = [(i, question_concepts[i].as_written(part)) for i in missing]
        return [w for i, w in written if i not in in_text], [w for i, w in written if i in in_text]

    def _claim(self, c: Candidate, role: Role, part: int) -> Claim:
        statement = statement_from_quote(c.text, strip_markers=c.passage.source.has_markers)
        return Claim(statement, c.text, c.passage.chunk_id, role=role, part=part)


def scored_passages(candidates: list[Candidate]) -> list[Passage]:
    """The passages the candidates come from, once each, in order."""
    return list({c.passage.chunk_id: c.passage for c in candidates}.values())


@dataclass
class _Plan:
    """One part of a question: its scored sentences, those eligible and their
    probabilities, its bottom line, or why it has none."""

    part: str
    scored: list[Candidate]
    eligible: list[Candidate] = field(default_factory=list)
    rank: dict[int, float] = field(default_factory=dict)
    lead: list[Candidate] = field(default_factory=list)
    reason: str | None = None
    facet_ranks: list[_Ranked] = field(default_factory=list)
    other: set[int] = field(default_factory=set)  # candidates on another treatment
    named: frozenset[str] = frozenset()  # the sources the part names
    written: str = ""  # the part as the question wrote it, before borrowing earlier names
    subject: frozenset[int] = frozenset()  # the concepts naming a condition the corpus is about


# A facet's candidate sentences, their probabilities for it, and the facet as a question.
_Ranked = tuple[list[Candidate], dict[int, float], Question]


def _bodies(authors: tuple[str, ...]) -> tuple[str, ...]:
    """The authors that are organisations ("Mayo Clinic Laboratories"), not persons
    ("Dalakas MC": a surname and initials), as the sentences may write them."""
    return tuple(a for a in authors if len(a.split()) > 2 or not re.fullmatch(r"\S+ [A-Z]{1,4}", a))


def _without(text: str, names: tuple[str, ...]) -> str:
    """``text`` with every occurrence of ``names`` blanked."""
    for name in names:
        text = text.replace(name, " ")
    return text


def _broad(part: str) -> bool:
    """True for a synthesis question, or one of a known kind ("What is the outlook?"),
    whose bottom line may rightly be general. A yes-or-no question on the presentation asks
    about the feature it names: "Does X cause autonomic symptoms?" is not answered by what
    X causes, nor "Is ataxia a symptom of X?" by how X is diagnosed."""
    kind = kind_of(part)
    return _SYNTHESIS.search(part) is not None or (
        bool(kind) and not (kind == "presentation" and is_yes_no(part))
    )


def _claimed(premise: str) -> str:
    """The premise without the words saying how much of it holds ("usually", "mainly"):
    what it adds to the question it comes with."""
    return " ".join(w for w in premise.split() if not _PREMISE_FRAME.fullmatch(w.strip(",.;:")))


def _likely(candidates: list[Candidate], rank: dict[int, float]) -> list[Candidate]:
    """The ranked candidates likely enough to answer (``selection.MIN_PROBABILITY``),
    likeliest first: those a part falls back on when its eligible ones miss the point."""
    likely = [c for c in candidates if id(c) in rank and rank[id(c)] >= selection.MIN_PROBABILITY]
    return sorted(likely, key=lambda c: -rank[id(c)])


def _said_concepts(premise: str, question_concepts: list[Concept], claim: set[int]) -> set[int]:
    """Indices of the ``claim`` concepts that name what the premise asserts after its verb
    of being (``premise.asserted``); none when it has no such verb."""
    if not premise_subject(premise):
        return set()
    said = asserted(premise)
    return {
        i for i in claim if any(set(alternative) <= said for alternative in question_concepts[i].alternatives)
    }


def _agenda(candidates: list[Candidate], question: str) -> set[int]:
    """The candidates (by ``id``) about research still to be done, unless the question is
    about research: "What are the typical clinical features?" is not answered by "For
    future trials, the review proposes enrolling patients with the typical phenotype"."""
    if asks_about_research(question):
        return set()
    return {id(c) for c in candidates if sentences.plans_research(c.text)}


def _how_run(c: Candidate) -> bool:
    """True for a sentence of a study's set-up that says how it was run (who could enter,
    what it measured): "Patients also needed pain above 4 on a VAS to enter" says who was
    studied, not whether the disease is painful."""
    return sentences.sets_the_scene(c.passage.section) and provides(c.text, "design")


def _best_facet(c: Candidate, facet_ranks: list[_Ranked]) -> float:
    """The highest probability of ``c``'s sentence for any facet."""
    return max(
        (rank[id(f)] for candidates, rank, _ in facet_ranks for f in candidates if _same_place(f, c)),
        default=0.0,
    )


def _stance(premise: str, sentence: str, said_as: str = "") -> int:
    """How strongly a sentence stands against the premise: +1 when it limits, contrasts
    or negates (``sentences.qualifies``), +1 more when it puts a share under half on what
    the premise says of most (in its words, or those ``said_as`` adds: its synonyms),
    -1 when it says of most what the premise asserts."""
    claim = asserted(premise) | asserted(said_as)
    contradicts = claims_majority(premise) and sentences.minority(sentence, claim)
    return sentences.qualifies(sentence) + contradicts - restates(premise, sentence)


def _taken(c: Candidate, taken: list[Candidate]) -> bool:
    """True when ``c`` is, or says the same as, a sentence already chosen."""
    return any(_same_place(c, t) or selection.same_claim(c, t) for t in taken)


def _place(c: Candidate) -> tuple[str, int]:
    """Where a sentence is: its document and offset (the same sentence scored for two queries)."""
    return c.passage.source.id, c.start


def _same_place(a: Candidate, b: Candidate) -> bool:
    return _place(a) == _place(b)
