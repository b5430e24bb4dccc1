"""What a question asks for, and whether a sentence provides it. Pure functions.

Similarity alone cannot tell "does rituximab help?" from "what dose of rituximab?": a
passage about rituximab is similar to both. So a question that asks for a number, a dose
or a duration needs at least one selected sentence that contains one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

_PEOPLE = r"(?:patients|participants|subjects|people|persons|children|adults|women|men|cases|individuals|volunteers)"
_NUMBER_WORDS = r"half|third|quarter|one|two|three|four|five|six|seven|eight|nine|ten|twice|majority|minority|most|few|rare|rarely|common|uncommon"
# "per 100,000 people", "per million", person-years: how a rate in a population is asked
# for and how it is stated.
_PER_POPULATION = re.compile(
    r"\bper\s+(?:\d[\d,]*|(?:one |a )?(?:hundred|thousand|million|billion))\b|\bperson-years\b", re.I
)
_ASKS = {
    # "How much" asks for a dose only about giving something ("how much IVIg is given?");
    # "by how much did it fall?" asks for a number.
    "dose": re.compile(
        r"\b(dose|doses|dosage|dosing|mg|milligram|regimen)\b"
        r"|\bhow much\b(?=.*\b(give|given|giving|administ\w*|infuse\w*|prescrib\w*|take|taken)\b)",
        re.I,
    ),
    # "How often should X be given / repeated?" asks for an interval ("every 6 months"),
    # which "16% at 5 years" is not; "how often does X occur?" asks for a rate.
    "interval": re.compile(
        r"\b(interval|schedule)\b|\bhow (often|frequently)\b.*\b(give|given|repeat|repeated|infuse|infused|"
        r"administer\w*|dose|dosed|sessions?|cycles?|check|checked|test|tested|measure|measured|monitor|monitored|"
        r"screen|screened|review|reviewed|follow(?:ed)?[- ]up)\b"
        # "When should X be repeated?" asks when the next dose is due
        r"|\bwhen\b[^?]*\b(?:repeat|repeated|re-?dos\w*|re-?treat\w*|given again)\b",
        re.I,
    ),
    "duration": re.compile(r"\b(how long|duration|for how many (weeks|months|years|days))\b", re.I),
    # "At what age does it begin?" asks for an age, which "older age at onset" is not.
    "age": re.compile(
        r"\b(?:at what age|what age|how old|(?:mean|median|average|typical|usual) age (?:at|of))\b", re.I
    ),
    # What a study did rather than found: its outcome measures, who could enter, its design,
    # which its Methods state. "Was the primary outcome met?" asks what it found.
    "design": re.compile(
        # "What was the result on its primary outcome?" asks what the trial found.
        r"^(?!.*\b(?:results?|effects?|happen\w*|better|worse|find|found|finding|met|meet|significant\w*|"
        r"differ\w*|improv\w*|negative|positive|success\w*|fail\w*|show\w*)\b)"
        r"(?:.*\b(?:what|which)\b[^?]{0,60}?\b(?:(?:primary|secondary|main) (?:outcome|end ?point)s?|"
        r"outcome (?:measure|scale)s?|(?:inclusion|exclusion|entry|eligibility) criteria|design)\b"
        r"|.*\bwhat did (?:the )?(?:patients|participants|subjects) need\b|.*\bwho (?:was|were|could be) (?:eligible|enrolled)\b)",
        re.I,
    ),
    # "Which immunotherapies were tested in the trials?" asks what the studies were of,
    # which neither their results nor who could enter them says.
    "tested": re.compile(
        r"\b(?:what|which)\b[^?]{0,60}?\b(?:was|were|have been|has been|had been) "
        r"(?:tested|trialled|trialed|studied|compared|evaluated)\b",
        re.I,
    ),
    # "How many per 100,000 people?" asks for a rate in a population, which a share of a
    # cohort ("51% had medium titres") is not.
    "population rate": _PER_POPULATION,
    # "What fraction ...?" asks for a share, which a cohort's size is not.
    "proportion": re.compile(
        r"\b(how common|how often|how frequent|how frequently|what proportion|what percentage|what fraction|"
        r"what share|percent|percentage|proportion|prevalence|how likely|what rate|rate of|incidence|"
        r"chances? (?:of|that)|odds of|(?:response|remission|relapse|recurrence|success|failure|mortality|death|"
        r"complication|survival|cure|positivity|detection|responder) rates?|"
        # a test's accuracy is a share of the patients it is right about
        r"sensitivity|specificity|(?:positive|negative) predictive value)\b|\bwhat\s*%",
        re.I,
    ),
    # "How many patients were in the trial?" asks how many a study took in, which a share
    # of them ("4 of 13 patients improved") is not.
    "size": re.compile(
        rf"\bhow many {_PEOPLE}\b[^?]*?\b(?:were|was|are)\s+(?:there\s+)?(?:in|enrolled|included|recruited|"
        rf"randomi[sz]ed|studied|followed)\b|\bhow many {_PEOPLE}\b[^?]*?\b(?:took part|participated)\b"
        rf"|\bhow many {_PEOPLE}\b[^?]*?\bdid\b[^?]*?\b(?:include|enrol|enroll|recruit|randomi[sz]e|study|follow)\b"
        r"|\bsample size\b|\bhow (?:large|big) (?:was|is) (?:the|this|that) (?:study|trial|cohort|sample)\b",
        re.I,
    ),
    "number": re.compile(
        r"\b(how many|how much|number of|how large|how big|sample size|what (?:cut-?off|threshold))\b"
        # "how were patients spread across the bands?" asks for shares
        r"|\b(distributed|spread|split)\s+(across|among|between|over)\b|\bdistribution of\b",
        re.I,
    ),
}
_PROVIDES = {
    "dose": re.compile(r"\d+(\.\d+)?\s*(mg|g|µg|mcg|ml|mL|IU|units?)\b(\s*/\s*(m²|m2|kg|day|week))?", re.I),
    "duration": re.compile(
        r"(\d+|one|two|three|four|five|six|eight|ten|twelve)[\s-]*(to\s+\d+\s+)?(days?|weeks?|weekly|months?|years?|hours?)\b|\bweekly\b|\bdaily\b|\bmonthly\b",
        re.I,
    ),
    "interval": re.compile(
        r"\bevery\s+(?:\d+(?:\.\d+)?|one|two|three|four|six|twelve|other)?\s*(?:days?|weeks?|months?|years?)\b"
        r"|\b(?:daily|weekly|fortnightly|monthly|quarterly|yearly|annually|annual|twice a|once a|"
        r"per (?:day|week|month|year)|\d+[- ](?:weekly|monthly|yearly)|intervals? of)\b",
        re.I,
    ),
    "age": re.compile(
        r"\baged?\s+(?:of\s+)?\d+|\bages?\b(?:\s+at\s+[\w-]+)?\s+(?:was|were|is|of)\s+(?:about\s+)?\d+"
        r"|\bages?\b[^.;]{0,80}?\b(?:was|were|is|of)\s+(?:about\s+)?\d+(?:\.\d+)?\s*years\b"
        r"|\d+[- ]years?[- ]old\b|\b(?:third|fourth|fifth|sixth|seventh|eighth|ninth) decade\b"
        r"|\b(?:forties|fifties|sixties|seventies|eighties)\b|\b(?:onset|diagnosis)\s+at\s+\d+",
        re.I,
    ),
    "design": re.compile(
        # "The primary outcome was the number improved", not "the primary outcome was not met".
        r"\b(?:outcome|end ?point)s?(?: measures?)?(?: of [^,.;]{0,60}?)? (?:was|were|is|are) "
        r"(?!(?:not|significant\w*|met|negative|positive|reached|achieved|similar|unchanged|improved|better|worse|"
        r"reduced|increased|lower|higher)\b)"
        r"|\b(?:outcome (?:measures?|scales?)|(?:inclusion|exclusion|entry|eligibility) criteria|eligible|to enter|"
        r"(?:patients|participants)\b[^.;]{0,40}?\b(?:needed|required)|were (?:required|enrolled)|"
        r"randomi[sz]ed (?:to|between)|measured (?:by|with|on)|assessed (?:by|with|on))\b",
        re.I,
    ),
    "tested": re.compile(
        r"\b(?:trials?|stud(?:y|ies)) (?:tested|testing|of|compared|comparing)\b"
        r"|\b(?:was|were|been) (?:tested|trialled|trialed|studied|compared|evaluated) (?:in|against|with)\b",
        re.I,
    ),
    "population rate": _PER_POPULATION,
    "proportion": re.compile(
        rf"\d\s*%|\bper ?cent\b|\b\d+\s+(?:of|out of|in)\s+(?:the\s+)?\d+\b|\b(?:{_NUMBER_WORDS}|all|none|no one|every)\b",
        re.I,
    ),
    "size": re.compile(
        rf"\b(?:included|enrolled|recruited|randomi[sz]ed|studied|followed|with)\s+(?:\w+\s+){{0,2}}?\d[\d,]*\s+"
        rf"(?:[\w-]+\s+){{0,3}}?{_PEOPLE}\b"
        rf"|\b(?:study|trial|cohort|series|sample)\s+of\s+\d[\d,]*\s+(?:[\w-]+\s+){{0,3}}?{_PEOPLE}\b"
        rf"|\b\d[\d,]*\s+(?:[\w-]+\s+){{0,3}}?{_PEOPLE}\s+(?:were|was)\s+(?:included|enrolled|recruited|"
        r"randomi[sz]ed|studied|followed)\b",
        re.I,
    ),
    "number": re.compile(rf"\d|\b({_NUMBER_WORDS})\b", re.I),
}
# Reference markers the seed documents carry: "[ 1 ]", "[1]", and trailing " 2." / " 2, 3."
_MARKERS = re.compile(
    r"\s*\[\s*\d{1,2}(\s*,\s*\d{1,2})*\s*\]|(?<=[a-z)\]])\s+\d{1,2}(\s*,\s*\d{1,2})*(?=\.?\s*$)"
)


# A question answered yes or no ("Does X influence the incidence of Y?", "Effects of X on
# the QT interval: are there gender differences?") asks for a verdict, whatever value its
# nouns name; a polite request ("Can you tell me the dose?") is no such question.
_YES_NO = re.compile(
    r"^(?!(?:can|could|would|will) you\b|do you know\b)"
    r"(?:is|are|was|were|do|does|did|can|could|should|will|would|has|have|had|may|might|must|shall|isn't|aren't|doesn't|don't)\b",
    re.I,
)
_WH = re.compile(r"\b(?:how|what|which|when|where|who|whom)\b", re.I)


# A question whether to treat, or whether a treatment works: a word asking about benefit
# ("help", "work" but not "work up", "worth", "respond", "evidence") and a treatment.
# "Is the titre useful to follow after treatment?" names a treatment but asks neither.
_EFFICACY = re.compile(
    r"\b(help\w*|works?|worked|working|effective\w*|efficac\w*|benefit\w*|benefici\w*|efficacious|worth\w*|improv\w*|respond\w*|cur(?:e|es|ed|able|ative)|"
    r"proven|evidence|recommend\w*|first[- ]line|should\b[^?.]{0,100}?\b(?:treat(?:ed|ing)?|use|give|start|try|receive|stay))\b"
    r"(?![- ](?:\w+ ){0,2}up\b)",
    re.I,
)
_TREATMENT_WORD = re.compile(r"\b(treat\w*|therap\w*|immunotherap\w*)\b", re.I)


_RESEARCH_QUESTION = re.compile(
    r"\b(?:trials?|studies|study|research|researchers?|design\w*|end ?points?|outcome measures?|enrol\w*)\b",
    re.I,
)


def asks_about_research(question: str) -> bool:
    """True when ``question`` is about studies themselves (a trial, its design, research
    to come), which sentences on research still to be done may answer."""
    return _RESEARCH_QUESTION.search(question) is not None


def asks_whether_to_treat(question: str, names_a_treatment: bool = False) -> bool:
    """True when ``question`` asks whether to treat or whether a treatment works: a word
    asking about benefit (``_EFFICACY``) and a treatment, named (``names_a_treatment``, by
    the corpus's lexicon) or as a word ("treatment", "immunotherapy")."""
    return bool((names_a_treatment or _TREATMENT_WORD.search(question)) and _EFFICACY.search(question))


# "Dose X correlate with Y?" is "Does X correlate with Y?" mistyped: "dose" followed, later,
# by a verb in its bare form. "Dose adjustment in renal failure?" asks for a dose.
_DOES_MISTYPED = re.compile(
    r"^dose\s+(?!of\b|for\b|in\b|and\b|to\b)[^?]*\b(?:correlate|affect|improve|reduce|increase|decrease|"
    r"predict|influence|cause|help|work|matter|differ|change|exist|lead|alter|prevent|protect|depend|"
    r"relate|occur|vary|enhance|impair|worsen|benefit)\b",
    re.I,
)


def is_yes_no(question: str) -> bool:
    """True when ``question`` (its last clause, after a title's colon) asks yes or no and
    has no question word."""
    clause = re.split(r"[:;—]|\s-\s|--", question.strip())[-1].strip(" '\"")
    clause = re.sub(r"^(?:and|or|but|so)\s+", "", clause, flags=re.I)
    return bool(_YES_NO.match(clause) or _DOES_MISTYPED.match(clause)) and not _WH.search(question)


def asked_type(question: str) -> str | None:
    """``dose``, ``interval``, ``duration``, ``age``, ``design``, ``tested``, ``size``,
    ``population rate``, ``proportion`` or ``number`` when the question asks for one, else None (always for a
    yes-no question)."""
    if is_yes_no(question):
        return None
    for kind in (
        "dose",
        "interval",
        "duration",
        "age",
        "design",
        "tested",
        "size",
        "population rate",
        "proportion",
        "number",
    ):
        if _ASKS[kind].search(question):
            return kind
    return None


# A year naming a study ("the Dalakas 2009 trial") is not a value the question asks for.
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def without_years(text: str) -> str:
    """``text`` with four-digit years (1900-2099) blanked out."""
    return _YEAR.sub(" ", text)


_HOW_MANY = re.compile(r"\bhow many\s+([\w-]+)(?:\s+([\w-]+))?", re.I)
_COUNT = re.compile(
    r"(?<![\w.])(\d[\d,]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+((?:[\w-]+\s+){0,3})",
    re.I,
)


def counted(question: str) -> tuple[str, ...]:
    """What "how many ...?" counts, as word stems ("how many patients" -> ("patient",))."""
    from assistant.lexicon import stems

    match = _HOW_MANY.search(question)
    return tuple(s for word in (match.groups() if match else ()) if word for s in stems(word))


# Words after "how many" that name nothing counted ("how many have ...", "how many of ...").
_NOT_COUNTED = frozenset(
    "of in on with for to at by from do does did are were is was be have has had should would could can "
    "will may might must shall i we you they he she it there get got develop respond die need".split()
)


def states_count(sentence: str, things: tuple[str, ...]) -> bool:
    """True when the sentence gives a number of ``things`` ("26 patients", "eight trials")
    or a share of them (``states_share``)."""
    from assistant.lexicon import stems

    text = without_years(sentence)
    for match in _COUNT.finditer(text):
        following = stems(match.group(2) + text[match.end() : match.end() + 40].split(" ")[0])
        if set(following) & set(things):
            return True
    return states_share(sentence, things)  # "30% of patients" counts patients too


def states_share(sentence: str, things: tuple[str, ...]) -> bool:
    """True when the sentence gives a share of ``things`` ("30% of patients", "half of the
    rituximab-treated patients"): an answer to "how many patients ...?" too."""
    from assistant.lexicon import stems

    text = without_years(sentence)
    return any(set(stems(m.group(1).replace("-", " "))) & set(things) for m in _SHARE_OF.finditer(text))


_SHARE_OF = re.compile(
    r"(?:\d+(?:\.\d+)?\s*%|\b(?:half|a third|a quarter|a fifth|two thirds|three quarters|most|a minority|"
    r"the majority))\s+of\s+((?:[\w-]+\s+){0,2}[\w-]+)",
    re.I,
)


def counted_noun(question: str) -> str:
    """What "how many ...?" counts, as written ("how many courses should I give?" ->
    "courses"), or "" when a verb follows ("how many have antibodies?" counts people)."""
    match = _HOW_MANY.search(question)
    return match.group(1) if match and match.group(1).lower() not in _NOT_COUNTED else ""


def names_the_kind(term: str, kind: str | None) -> bool:
    """True when ``term`` of a question only names the kind of value it asks for:
    "proportion" or "how common" for a share, "dose" for a dose. A sentence giving that
    value ("44% had tremor") answers it without the word."""
    return kind is not None and _ASKS[kind].search(term) is not None


def provides(sentence: str, kind: str | None) -> bool:
    """True when ``sentence`` contains the kind of value asked for (or nothing was asked);
    years do not count as numbers."""
    return kind is None or bool(_PROVIDES[kind].search(without_years(sentence)))


def statement_from_quote(quote: str, *, strip_markers: bool = False) -> str:
    """The quote as a statement: list bullets (and, for sources that carry their own
    reference markers, those markers) removed.

    "- Associated with IgM MGUS [ 1 ]" -> "Associated with IgM MGUS." The quote itself
    is always shown verbatim beside it. Markers are stripped only when asked, since a
    trailing number is usually data ("at month 8").
    """
    text = re.sub(r"^\s*[-*+]\s+", "", quote)
    if strip_markers:
        text = _MARKERS.sub("", text)
    text = text.strip()
    if text and text[-1] not in ".!?":
        text += "."
    return text


_PART_BREAK = re.compile(
    r"(?:,|;)?\s+(?:and|but|also)\s+(?=(?:does|do|is|are|what|how|which|when|can|should|was|were|did|has|have|will)\b)"
    r"|\?\s+(?=\S)",
    re.I,
)


def split_question(question: str) -> list[str]:
    """Split a compound question into its parts, each answered on its own.

    "How common are anti-MAG antibodies, and does rituximab help?" ->
    ["How common are anti-MAG antibodies", "does rituximab help?"]. A part of fewer than
    three words stays with the previous one.
    """
    parts: list[str] = []
    for piece in _PART_BREAK.split(question.strip()):
        piece = piece.strip(" ,;")
        if not piece:
            continue
        if parts and len(piece.split()) < 3:
            parts[-1] = f"{parts[-1]} {piece}"
        else:
            parts.append(piece)
    return parts or [question]


def resolve_parts(parts: list[str], named: Callable[[str], list[str]] | None = None) -> list[str]:
    """Each part as it is searched and scored: a later part that names nothing itself
    ("what was its primary endpoint?", "and do different results mean different things?")
    gets the earlier parts' names appended, and one that points back ("was it met?") the
    previous part's content words too. Names are capitalised words ("Léger", "IVIg") and
    whatever ``named`` finds (a knowledge base's conditions, drugs and tests, which are
    seldom capitalised).

    [“How many patients were in the Léger trial”, “what was its primary endpoint?”] ->
    [..., “what was its primary endpoint? (Léger)”].
    """

    def names_in(text: str) -> list[str]:
        return [*_names(text), *(named(text) if named else ())]

    from assistant.facets import subject_words

    out: list[str] = []
    for i, part in enumerate(parts):
        if i and not names_in(part):
            earlier = list(dict.fromkeys(n for p in parts[:i] for n in names_in(p)))
            if _POINTS_BACK.search(part):  # "was it met?": what "it" is, from the part before
                earlier = list(dict.fromkeys([*earlier, *subject_words(parts[i - 1]).split()]))
            if earlier:
                part = f"{part} ({' '.join(earlier)})"
        out.append(part)
    return out


_POINTS_BACK = re.compile(r"\b(?:it|its|they|their|this|that|these|those)\b", re.I)


def _names(text: str) -> list[str]:
    """The capitalised words of ``text`` after its first: names, acronyms ("Léger", "IVIg")."""
    words = re.findall(r"[\w'’-]+", text)
    return [w for k, w in enumerate(words) if k and w[:1].isupper() and w != "I"]


# A number with a terse time unit, not part of a longer name ("90Y-ibritumomab").
_UNITS = {
    "year": re.compile(r"\b(\d+(?:\.\d+)?)\s?(?:y|yr|yrs)(?![-\w])", re.I),
    "month": re.compile(r"\b(\d+(?:\.\d+)?)\s?(?:mo|mos|mth|mths)(?![-\w])", re.I),
    "week": re.compile(r"\b(\d+(?:\.\d+)?)\s?(?:wk|wks)(?![-\w])", re.I),
}


# "10k" and "1.5k" as the sources write thousands ("10,000", "1,500").
_THOUSANDS = re.compile(r"(?<![\w.,])(\d{1,3}(?:\.\d)?)\s?k(?![-\w])", re.I)


def spell_out_units(question: str) -> str:
    """Terse time units and thousands spelt out, as the sources write them: "disability
    at 10y?" -> "disability at 10 years?", "6mo" -> "6 months", "1 wk" -> "1 week",
    ">10k BTU" -> ">10,000 BTU"."""
    for unit, pattern in _UNITS.items():
        question = pattern.sub(partial(_count, unit), question)
    return _THOUSANDS.sub(_thousands, question)


def _thousands(match: re.Match[str]) -> str:
    return f"{round(float(match[1]) * 1000):,}"


def _count(unit: str, match: re.Match[str]) -> str:
    number = match[1]
    return f"{number} {unit}" if number == "1" else f"{number} {unit}s"
