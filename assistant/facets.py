"""The facets a synthesis question asks about. Pure functions.

"How should I work up a new IgM paraprotein with neuropathy?" is answered well only when
the answer covers the tests, the screening and the invasive investigations, not five
sentences about the antibody test. A clinical question of a few recognisable kinds
(work-up, whether to treat, comparison, outlook, presentation, monitoring, interpreting a
result) gets one search query per facet of that kind, each naming the question's subject.
The facet words are generic clinical reasoning, not any one disease.

    >>> [f.name for f in facets("Should I treat a mildly affected patient with X neuropathy?", "X neuropathy")]
    ['benefit', 'certainty', 'harms', 'course']
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Facet:
    """One thing a complete answer covers, and the query that finds it."""

    name: str
    query: str


# (kind, what in the question asks for it, its facets as (name, words)).
KINDS: tuple[tuple[str, re.Pattern[str], tuple[tuple[str, str], ...]], ...] = (
    (
        "work-up",
        re.compile(
            r"\b(work[- ]?(?:him|her|them|it)?\s*up|work-?up|investigat\w*|what tests|how (?:should|do) (?:i|we) (?:test|evaluate|assess)|diagnostic approach)\b",
            re.I,
        ),
        (
            ("diagnosis", "diagnosis diagnostic test antibodies"),
            ("screening", "screening for an underlying or associated disorder"),
            ("investigations", "which investigations are needed, invasive tests"),
            ("features", "typical clinical and test findings"),
        ),
    ),
    (
        "treat",
        re.compile(
            r"\b(should (?:i|we) (?:treat|start|use|give|offer)|worth treating|whether to treat|start (?:\w+ )?therapy|treat or (?:not|wait))\b",
            re.I,
        ),
        (
            ("benefit", "treatment benefit response improvement"),
            ("certainty", "certainty quality of the evidence trials"),
            ("harms", "adverse effects side-effects harms of treatment"),
            ("course", "natural course slow progression without treatment"),
        ),
    ),
    (
        "benefit-harm",
        re.compile(
            r"\b(benefits? and (?:the )?(?:risks?|harms?)|(?:risks?|harms?) and (?:the )?benefits?|pros and cons|"
            r"risk[- ]benefit|benefit[- ]risk|worth the risks?)\b",
            re.I,
        ),
        (
            ("benefit", "treatment benefit response improvement"),
            ("durability", "how long the benefit lasts, short-lived"),
            ("harms", "adverse events side-effects deaths related to treatment"),
            ("certainty", "certainty quality of the evidence trials"),
        ),
    ),
    (
        "compare",
        re.compile(r"\b(compare\w*|comparison|versus|vs\.?|better than|differ\w* between)\b", re.I),
        (
            ("benefit", "treatment effect improvement trial results"),
            ("certainty", "certainty quality of the evidence"),
            ("harms", "adverse effects worsening"),
        ),
    ),
    (
        "evidence",
        re.compile(
            r"\b(summar\w*|overview|what is known|state of (?:the )?evidence|the evidence (?:on|for|about)|evidence base)\b",
            re.I,
        ),
        (
            ("trials", "randomised controlled trial results primary outcome"),
            ("observational", "cohort case series response rate"),
            ("certainty", "certainty quality of the evidence"),
            ("harms", "adverse effects worsening"),
        ),
    ),
    (
        "outlook",
        re.compile(
            r"\b(prognosis|outlook|counsel\w*|long[- ]term (?:outlook|outcomes?|course|prognosis)|life expectancy|what to expect|natural history)\b",
            re.I,
        ),
        (
            ("course", "course progression over years"),
            ("disability", "disability rates over time"),
            ("mortality", "deaths mortality survival"),
            ("predictors", "factors that predict outcome risk"),
        ),
    ),
    (
        "presentation",
        re.compile(
            r"\b(present\w*|phenotypes?|clinical (?:features|picture|spectrum)|symptoms|atypical|look like)\b",
            re.I,
        ),
        (
            ("typical", "typical clinical features"),
            ("atypical", "atypical presentation phenotype"),
            ("tests", "electrophysiology test findings"),
        ),
    ),
    (
        "monitoring",
        re.compile(
            r"\b(monitor\w*|follow[- ]?up|track\w*|after treatment|response to treatment|"
            r"(?:follow|measure|repeat|check)(?:ing)? (?:[\w-]+ ){0,3}(?:titres?|titers?|levels?|scores?|markers?)|"
            r"(?:judge|gauge|assess|measure)(?:ing)? (?:the |a )?response)\b",
            re.I,
        ),
        (
            ("markers", "levels titres change after treatment"),
            ("severity", "correlation with severity disability"),
            ("response", "clinical response measures"),
        ),
    ),
    (
        "interpretation",
        re.compile(r"\b(interpret\w*|what does (?:it|this|a|an) \w+ mean|came back|result)\b", re.I),
        (
            ("meaning", "what the result means, diagnostic value"),
            ("cut-off", "threshold cut-off levels predict"),
            ("mimics", "the same finding in other conditions"),
        ),
    ),
)


def kind_of(question: str) -> str | None:
    """The kind of synthesis question, or None for a plain one."""
    return next((name for name, pattern, _ in KINDS if pattern.search(question)), None)


# A comparison's facets are a treatment's (benefit, certainty, harms). "Do anti-X titres
# relate to severity better than anti-Y titres?" compares two tests: none of them applies.
_TESTS = re.compile(
    r"\b(?:titres?|titers?|tests?|testing|assays?|markers?|levels?|biops(?:y|ies)|scans?|imaging|"
    r"sensitivity|specificity)\b",
    re.I,
)
_TREATMENTS = re.compile(r"\b(?:treat\w*|therap\w*|drugs?|medications?|placebo|doses?|trials?)\b", re.I)


def facets(question: str, subject: str, names_treatment: bool = False) -> list[Facet]:
    """One query per facet of the question's kind, each naming ``subject``; none for a
    comparison of tests (one that names a test and, by word or by ``names_treatment``,
    no treatment).

    >>> facets("Do anti-X titres predict severity better than anti-Y titres?", "anti-X")
    []
    """
    kind = kind_of(question)
    if (
        kind == "compare"
        and _TESTS.search(question)
        and not (names_treatment or _TREATMENTS.search(question))
    ):
        return []
    for name, _, parts in KINDS:
        if name == kind:
            return [Facet(facet, f"{subject} {words}".strip()) for facet, words in parts]
    return []


_STOP = frozenset(
    """a an the and or of in on for to with without by at from is are was were be been has have had do does did
    how what which when where who whom why should would could can may might must will shall i we you he she they it
    him her them this that these those my our your his their me us about into than then there here also just
    patient patients man woman year years old new newly many much""".split()
)


def subject_words(question: str, limit: int = 8) -> str:
    """The question's content words (its drugs, tests, conditions), for facet queries."""
    words = re.findall(r"[A-Za-z][\w'-]*", question)
    kept = [w for w in words if w.lower() not in _STOP and len(w) > 2 and not _is_kind_word(w)]
    return " ".join(dict.fromkeys(kept[:limit]))


def _is_kind_word(word: str) -> bool:
    return any(pattern.fullmatch(word) for _, pattern, _ in KINDS)
