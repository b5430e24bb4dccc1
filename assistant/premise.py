"""Find what a question takes for granted. Pure functions.

"Since anti-MAG neuropathy is mainly motor, which muscles are weakest?" asserts that the
neuropathy is mainly motor. An answer that went straight to the muscles would seem to
agree, so the answerer first quotes what the sources say about the premise.

    >>> split_premise("Titres above 10,000 BTU are diagnostic, so can I skip nerve conduction?")
    Premise(premise='Titres above 10,000 BTU are diagnostic', question='can I skip nerve conduction?')
    >>> split_premise("Does rituximab help?")
    Premise(premise=None, question='Does rituximab help?')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from assistant.lexicon import stems


class Premise(NamedTuple):
    """The asserted premise (None when there is none) and the question that remains."""

    premise: str | None
    question: str


_LEADING = re.compile(
    r"^(?P<marker>since|given that|given|as|because(?! of)|considering that|considering|now that|seeing that|"
    r"knowing that|assuming that|assuming|if it is true that|we know that|i (?:read|heard|was told) that)"
    r"\s+(?P<premise>.{8,}?),\s*(?P<question>.+)$",
    re.I,
)
# Markers that can only introduce a statement: what follows "given that" or "because" is
# a claim whatever its verb ("... met their endpoints"). "Given", "as", "considering" and
# "assuming" alone may introduce a noun ("given the cost"), "since" a time ("since
# starting rituximab") and "assuming that" a hypothesis ("assuming that IVIg fails"),
# so those need a verb (``_asserts``).
_CLAUSE_MARKERS = re.compile(r"^(?:because|(?!assuming).+ that)$", re.I)
_TRAILING = re.compile(
    r"^(?P<question>.{8,}?),?\s+(?:since|given that|because|as)\s+(?P<premise>.{8,}?)[?.!]*$", re.I
)
_SO = re.compile(
    r"^(?P<premise>.{8,}?)(?:,|;|\s-|\s—)\s*(?:so|therefore|then|hence|which means)\s+(?P<question>.+)$",
    re.I,
)
_IS_IT_TRUE = re.compile(
    r"^(?:is it (?:true|correct|right) that|am i right that|is it the case that|isn't it true that|"
    r"do the sources (?:confirm|agree) that|can you confirm that)\s+(?P<premise>.+?)[?.!]*$",
    re.I,
)
_RIGHT = re.compile(r"^(?P<premise>.{8,}?)[,;]?\s*(?:right|correct|isn't it|is that right|true)\s*\?$", re.I)
# A question word or auxiliary at the start of what remains: it really is a question.
_QUESTION_START = re.compile(
    r"^(?:what|which|how|when|where|why|who|whom|whose|is|are|was|were|do|does|did|can|could|should|"
    r"shall|will|would|may|might|must|has|have|had|i|we|it|tell|list|name|describe|explain)\b",
    re.I,
)


def split_premise(question: str) -> Premise:
    """The premise a question asserts ("since ...", "given that ...", "..., so ...?",
    "is it true that ...?", "..., right?") and the question that remains.

    A clause only counts when what remains still reads as a question, so "As a first
    step, what should I test?" is left alone.
    """
    text = question.strip()
    match = _IS_IT_TRUE.match(text)
    if match:
        return Premise(_tidy(match["premise"]), text)
    match = _RIGHT.match(text)
    if match and not _QUESTION_START.match(text):
        return Premise(_tidy(match["premise"]), text)
    for pattern in (_LEADING, _SO, _TRAILING):
        match = pattern.match(text)
        if not match or not _QUESTION_START.match(match["question"].strip()):
            continue
        marker = match.groupdict().get("marker") or ""
        if _CLAUSE_MARKERS.match(marker) or _asserts(match["premise"]):
            return Premise(_tidy(match["premise"]), match["question"].strip())
    return Premise(None, text)


def _asserts(clause: str) -> bool:
    """True when the clause states something (has a verb of being or a finite verb),
    rather than naming a condition ("given the cost" is not a premise)."""
    return bool(_VERB.search(clause) or _REGULAR_VERB.search(clause))


_VERB = re.compile(
    r"\b(is|are|was|were|has|have|had|works?|helps?|cures?|causes?|shows?|showed|proves?|proven|"
    r"means|needs?|requires?|does|do|did|can|cannot|will|always|never|must|met|led|fell|rose|"
    r"found|made|became|ends? up|gave|took|responds?|improves?|predicts?|correlates?|leads?|occurs?|"
    r"affects?|reduces?|increases?|worsens?|remains?|tends?|depends?|indicates?|suggests?|"
    # Nouns too in their base form ("the benefit", "a stop"): only the -s form counts, and
    # not where the -s form is as often a plural noun ("benefits", "blocks", "targets").
    r"prevents?|halts?|exceeds?|outweighs?|outperforms?|stops|slows|protects|lowers|rules out|confirms|"
    r"binds|clears|develops|persists|lasts|begins|appears|spreads|spares|lacks|goes|comes|stays)\b"
    r"|\b(?:usually|typically|mostly|mainly|always|never|often|rarely|generally|reliably)\s+\w+s\b"
    # "most patients become disabled" asserts; "as patients become older" may only say when
    r"|\b(?:most|all|many|every|nearly all|almost all)\b[^,]*\bbecomes?\b",
    re.I,
)
_REGULAR_VERB = re.compile(r"\w+(?:ed|es)\b")


def _tidy(clause: str) -> str:
    clause = clause.strip(" ,;:-—")
    return clause[:1].upper() + clause[1:]


_MAJORITY = re.compile(
    r"\b(?:most|mostly|majority|usually|typically|mainly|predominantly|generally|commonly|largely|"
    r"nearly all|almost all|always|all patients|everyone)\b",
    re.I,
)


# Words that name who, not what: a share "of patients" is a share of anything.
_GENERIC = frozenset(
    "a an the of in to and or with for on by at is are was were be patient patients people person "
    "persons case cases subject subjects individuals adult adults".split()
)


def claims_majority(premise: str) -> bool:
    """True when the premise says something holds for most ("most patients respond",
    "is typically axonal"), which a share under half contradicts."""
    return _MAJORITY.search(premise) is not None


def asserted(premise: str) -> set[str]:
    """The stems of what the premise asserts: after its verb of being ("typically axonal")
    or, without one, all its words but quantifiers and words for people."""
    subject = premise_subject(premise)
    words = set(stems(_MAJORITY.sub(" ", premise[len(subject) :])))
    return words - _GENERIC


def restates(premise: str, sentence: str) -> bool:
    """True when the sentence says of most what the premise asserts ("... mostly had an
    axonal neuropathy" for "X is typically axonal"), every word of it: agreement, however
    it is hedged. "The usually slow progression" does not restate "usually rapidly
    progressive"."""
    said = asserted(premise) if premise_subject(premise) else set()
    if not said or not claims_majority(premise):
        return False
    words = re.findall(r"[\w'-]+", sentence)
    return any(
        said <= set(stems(" ".join(words[i + 1 : i + 5])))
        for i, w in enumerate(words)
        if _MAJORITY.fullmatch(w)
    )


def premise_subject(premise: str) -> str:
    """The premise without what it asserts: its words up to and including the verb of being
    and a quantifier ("Anti-MAG neuropathy is typically axonal" -> "Anti-MAG neuropathy is
    typically"), or "" when it has no such verb."""
    match = re.match(
        r"^(.{4,}?\b(?:is|are|was|were)\b(?:\s+(?:typically|usually|mainly|mostly|always|never|often|a|an|the)\b)*)",
        premise,
        re.I,
    )
    return match.group(1) if match else ""


# Descriptors that exclude each other, as clinicians use them: a premise that a condition
# is "typically axonal" is best checked against what the sources say of it as demyelinating.
# General clinical opposites, not facts about any corpus; each pair is read both ways.
_OPPOSITES = (
    ("axonal", "demyelinating"),
    ("motor", "sensory"),
    ("proximal", "distal"),
    ("acute", "chronic"),
    ("rapid", "slow"),
    ("rapidly", "slowly"),
    ("young", "older"),
    ("younger", "older"),
    ("benign", "malignant"),
    ("symmetric", "asymmetric"),
    ("symmetrical", "asymmetrical"),
    ("common", "rare"),
    ("mild", "severe"),
    ("painful", "painless"),
    ("inherited", "acquired"),
    ("hereditary", "acquired"),
    ("early", "late"),
)
_OPPOSITE = {b: a for a, b in reversed(_OPPOSITES)} | {a: b for a, b in _OPPOSITES}

_OPPOSITE_WORD = re.compile(
    r"(?<![\w-])(?:" + "|".join(sorted(_OPPOSITE, key=len, reverse=True)) + r")(?![\w-])", re.I
)


class Contrary(NamedTuple):
    """A premise with what it asserts turned into its opposite, and the stems of the
    opposites swapped in."""

    query: str
    words: frozenset[str]


def contrary(premise: str, names: Sequence[str] = ()) -> Contrary | None:
    """The premise with what it asserts turned into its opposite ("Anti-MAG neuropathy is
    typically axonal" -> "Anti-MAG neuropathy is typically demyelinating"), or None when
    no word of what it asserts has a known opposite. Words inside ``names`` (the conditions
    it names: "IgM demyelinating neuropathy") are not what it asserts. The sources seldom
    deny a false premise in its own words; they state the contrary."""
    subject = premise_subject(premise)
    claim = premise[len(subject) :]
    named = [m.span() for name in names if name for m in re.finditer(re.escape(name), claim)]
    swaps = [m for m in _OPPOSITE_WORD.finditer(claim) if not any(a <= m.start() < b for a, b in named)]
    if not swaps:
        return None
    swapped, end = [], 0
    for m in swaps:
        swapped += [claim[end : m.start()], _OPPOSITE[m.group(0).lower()]]
        end = m.end()
    opposites = [_OPPOSITE[m.group(0).lower()] for m in swaps]
    return Contrary(subject + "".join(swapped) + claim[end:], frozenset(stems(" ".join(opposites))))


# "Titres fall when patients improve": one measure said to move with another, in either
# direction, and whatever the tense.
_MOVES = (
    r"(?:fall|falls|fell|drop|drops|dropped|decline|declines|declined|decrease|decreases|decreased"
    r"|rise|rises|rose|increase|increases|increased|change|changes|changed|go(?:es)? (?:up|down))"
)
_COVARIES = re.compile(
    rf"^(?P<measure>.{{3,}}?)\s+{_MOVES}\s+(?:when|whenever|as|once|if|while)\s+(?P<state>.{{3,}})$", re.I
)


def covariation(premise: str) -> str | None:
    """The relation a premise takes for granted when it says one measure moves with
    another ("Anti-MAG titres fall when patients improve" -> "Anti-MAG titres correlate
    with patients improve"), or None. Sources state such a relation as a correlation
    ("titres did not track the severity"), seldom as the change the premise names."""
    match = _COVARIES.match(premise.strip())
    return f"{match['measure']} correlate with {match['state']}" if match else None


# Who a condition affects, by age: people of an age group, not "an older drug".
_AGE_GROUP = re.compile(
    r"\b(?:child(?:ren|hood)?|p(?:a)?ediatric|infan(?:ts?|cy)|neonat\w*|newborns?|toddlers?|teen\w*|"
    r"adolescen\w*|juvenile|youth|elderly|geriatric|middle-aged|octogenarians?|"
    r"the (?:young|old)|(?:young|younger|old|older)\s+(?:adults?|people|persons|patients|women|men|males|females))\b",
    re.I,
)


def about_age(premise: str) -> bool:
    """True when the premise says which ages a condition affects ("mostly affects young
    adults", "is a disease of teenagers"): the sources' stated ages check it."""
    return _AGE_GROUP.search(premise) is not None


def age_query(premise: str, names: Sequence[str] = ()) -> str | None:
    """For a premise about who is affected by age, a search for the age of the patients
    with the condition it names; None for any other premise."""
    if not about_age(premise):
        return None
    return f"age at onset of patients with {names[0]}" if names else "age at onset of the patients"


def premise_queries(premise: str, names: Sequence[str] = ()) -> list[str]:
    """What to search for to check a premise: the premise itself, then its contrary when
    one is known (``contrary``, ``names`` the conditions it names), else its subject
    without what it asserts (``premise_subject``), the relation it takes for granted
    (``covariation``), and the patients' age when it says whom the condition affects
    (``age_query``)."""
    opposite = contrary(premise, names)
    queries = (
        premise,
        opposite.query if opposite else premise_subject(premise),
        covariation(premise),
        age_query(premise, names),
    )
    return list(dict.fromkeys(q for q in queries if q))
