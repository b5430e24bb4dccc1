"""What kind of sentence a candidate quote is. Pure functions over text and section names.

The extractive answerer quotes sentences verbatim, so it must tell a finding from a
sentence that only says what a document is about, a list fragment from a full
statement, and a Results or Recommendations section from Background or Methods. Every
rule here is about sentence shape and section labels, never about one corpus's topic.
"""

from __future__ import annotations

import re

from assistant.lexicon import stems

# Section headings, as abstracts and summaries label them (matched on words, so
# "MATERIALS AND METHODS" and "Main outcome measures" are recognised too).
# A heading naming what was found ("Results", "Methods and results") states results,
# whatever else it names; one naming only a topic ("Outcomes", "Treatment") does unless
# it names set-up too ("Main outcome measures" is what a study measured).
_FOUND_SECTIONS = re.compile(
    r"\b(results?|findings?|conclusions?|recommendations?|interpretation|discussion|summary|"
    r"key points?|implications?)\b",
    re.I,
)
_ANSWER_SECTIONS = re.compile(r"\b(significance|outcomes?|treatment|management|diagnosis)\b", re.I)
# Where a study's authors give their verdict (``draws_conclusions``).
_VERDICT_SECTIONS = re.compile(r"\b(conclusions?|interpretation|implications?)\b", re.I)
# A study's set-up: what was known before it, and what it did (``sets_the_scene``).
_SCENE = (
    r"background|introduction|objectives?|aims?|purpose|methods?|methodology|design|setting|participants|"
    r"patients|subjects|materials|context|rationale|hypothes[ie]s"
)
_SCENE_SECTIONS = re.compile(rf"\b({_SCENE})\b", re.I)
# Set-up for section weighting: the study's, and a guideline's or review's scope and search.
_SETUP_SECTIONS = re.compile(
    rf"\b({_SCENE}|scope|interventions?|measures|data sources|study selection|search)\b", re.I
)
# "The Latov 2021 review covers ...", "This study aimed to ...", "To evaluate whether ...":
# sentences that say what a document does, not what it found.
_DESCRIPTOR = re.compile(
    r"^(?:(?:the|this|our|these|that|a|an)\b[^.;:]{0,90}?\b(?:review|study|trial|paper|guideline|"
    r"consensus|answer|article|analysis|report|summary|recommendations|document|panel|task force|survey|"
    r"series|meta-analysis|update|chapter|statement|entry|entries|page|web ?site)s?\b[^.;:]{0,60}?\b(?:covers?|covered|cites?|cited|assess(?:es|ed)?|"
    r"describes?|described|deals? with|dealt with|address(?:es|ed)?|discuss(?:es|ed)?|examine[sd]?|"
    r"reviews?|reviewed|summari[sz]es|outlines?|sets? out|focus(?:es|ed)|presents?|evaluate[sd]?|"
    r"investigate[sd]?|aim(?:s|ed)?|sought|was designed|is a reference point|updates?|updated|"
    r"issued|was published|were agreed|appeared|looks? at|looked for|concerns?|compared(?!\s+(?:with|to)\b)|tested|studied|"
    r"(?:is|was) (?:the|an?) (?:earlier |later |updated |first |second )?(?:version|update|revision)|"
    r"is indexed|was indexed|(?:is|was) an? [\w\s-]{0,40}?\b(?:description|summary|overview|listing))\b)"
    r"|^(?:to (?:evaluate|assess|determine|investigate|examine|compare|describe|study|identify|analy[sz]e|"
    r"explore|test|review|estimate|establish|clarify|characteri[sz]e|report)\b)"
    r"|^(?:we (?:(?:therefore|thus|also|further|specifically|here|now|then|first|next)\s+)?"
    r"(?:aimed|sought|set out|wanted|intended|planned|hypothesi[sz]ed)\b)"
    r"|^(?:(?:the|our|an?|one|this|its)\s+)?(?:(?:primary|secondary|main|principal|specific|present|first|second)\s+)?"
    r"(?:aims?|objectives?|purposes?|goals?)\b[^.]{0,60}?\b(?:is|was|were|are)\b"
    # "We investigated whether ...", "We examined the role of ...": what was asked, not found.
    r"|^(?:we (?:(?:therefore|thus|also|further|specifically|here|now|then|first|next)\s+)?"
    r"(?:explored?|investigated?|examined?|evaluated?|assess(?:ed)?|studied|analy[sz]ed?|test(?:ed)?|determined?|"
    r"compared?|ask(?:ed)?|address(?:ed)?|questioned)\s+(?:whether|if|how|why|what|the (?:effects?|role|impact|influence|"
    r"association|relationship|accuracy|efficacy|effectiveness|value|usefulness|utility|safety|feasibility)\b))"
    # "We conducted a survey to establish ...", "This study was performed to clarify ...".
    r"|^(?:(?:we|it)\s+(?:conducted|performed|undertook|carried out|designed|initiated)\b[^.;:]{0,80}?\bto\b)"
    r"|^(?:(?:the|this|our) (?:present |current )?(?:study|work|trial|survey|analysis|investigation)\s+(?:was|is)\s+"
    r"(?:conducted|performed|undertaken|carried out|initiated)\s+to\b)",
    re.I,
)
# What may open a descriptor before it: "Therefore, we conducted ...", "In this study, we
# sought to ...", "Here we investigated whether ...".
_FRAME = re.compile(
    r"^(?:(?:therefore|thus|hence|accordingly|here(?:in)?|so|in (?:this|the present|the current|our) "
    r"(?:study|work|paper|report|article|analysis|trial|survey)|in an? [^,.;:]{0,60}?\b(?:study|trial|analysis|"
    r"survey|cohort))\b,?\s+)+",
    re.I,
)
# Words that open a list item which has no subject of its own: "- Can be treated with ...",
# "- Associated with IgM MGUS", "- Often present in older adults".
_SUBJECTLESS = frozenset(
    """can may might could should must will would is are was were has have had often usually also
    associated target targets lead leads cause causes present presents seen found used given treated
    characterized characterised including includes such mostly mainly especially typically""".split()
)
# A list item that ran into the next sentence with no full stop between them:
# "Plasma exchange in more severe cases The detection of ...".
_RUN_ON = re.compile(r"(?<=[a-z0-9)\]]) (?=(?:The|This|These|In|A|An|Its|Their|It)\s[a-z])")
# Reference markers of a source's own bibliography at the end of a sentence: "[ 1 ]",
# "[2, 3]", or a bare trailing " 2." / " 2, 3." after a word.
_TRAILING_MARKER = re.compile(
    r"(?:\s*\[\s*\d{1,2}(?:\s*,\s*\d{1,2})*\s*\]|(?<=[a-z)])\s+\d{1,2}(?:\s*,\s*\d{1,2})*)\s*\.?$"
)
_VERDICT = re.compile(
    r"\b(improv\w*|benefit\w*|effective\w*|efficac\w*|ineffective|significant\w*|respon\w*|"
    r"recommend\w*|advis\w*|should|suggest\w*|conclud\w*|showed|shown|found|associated|"
    r"worsen\w*|stabili[sz]\w*|fail\w*|unproven|proven|negative|positive|no evidence|not supported|supported|"
    r"diagnostic|predict\w*|increase[sd]?|decrease[sd]?|reduc\w*|higher|lower|more likely|less likely|"
    r"did not|does not|was not|were not|is not|are not|can|may|risk|safe\w*|harm\w*)\b",
    re.I,
)
_CERTAINTY = re.compile(
    r"\b(certainty|quality of (?:the )?evidence|low[- ]quality|high[- ]quality|moderate[- ]quality|"
    r"class (?:i|ii|iii|iv)\b|evidence[- ]based|evidence base|good[- ]practice|randomi[sz]ed (?:controlled )?"
    r"(?:trial )?evidence|insufficient evidence|not supported by|grade\b|level of evidence|"
    r"too limited|no immunotherapy is supported)",
    re.I,
)
# Words that qualify or contradict what they follow: what corrects a premise.
_QUALIFIER = re.compile(
    r"\b(not|no|never|only|unproven|without|whatever|regardless|also occur\w*|can also|but|however|"
    r"although|though|rarely|rather|instead|low certainty|uncertain|unclear|not significant|"
    r"did not|does not|do not|cannot|caution\w*|may hide|hide|limited|predominantly|mainly|"
    r"mostly|usually|whereas|while)\b",
    re.I,
)
_WORDS = re.compile(r"[A-Za-z0-9][A-Za-z0-9'-]*")
# Words either side of a share that say what it is a share of.
SHARE_WINDOW = 5
_MINORITY = re.compile(
    r"\b(?:only (?:some|a few|a minority|a small (?:number|proportion|share))|a minority|few patients|"
    r"less than half|fewer than half|under half)\b",
    re.I,
)
_MAJORITY = re.compile(
    # "most" as a quantifier ("most patients"), not a superlative ("the most severe deficits")
    r"\b(?:most(?= (?:of|patients|cases|people|subjects|participants|individuals|had|have|were|are)\b)|"
    r"mostly|majority|usually|typically|mainly|predominantly|predominant|generally|"
    r"commonly|largely|characteristic(?:ally)?|classic(?:al|ally)?|nearly all|almost all|always)\b",
    re.I,
)
# A share of a group: a percentage, "N of M", or a fraction in words.
_SHARE = re.compile(
    r"(?:(?<![\d.])\d{1,3}(?:\.\d+)?\s*%|\b(?:half|a third|one third|two thirds|a quarter|one quarter|"
    r"three quarters|a fifth|a minority|the majority|most))(?= of\b)|\b\d+ (?:of|out of) (?:the )?\d+\b",
    re.I,
)
# Words near a share that say nothing of what it counts.
_NOT_COUNTED = frozenset(
    stems(
        "a an the of in on at to and or with for by from as is are was were be been have has had them they "
        "their these those such who which that this patient patients people person persons case cases "
        "subject subjects participant participants individual individuals cohort study series group about "
        "roughly around approximately nearly almost up over under more less than some against within between among "
        "after before during while when whose whom all both each"
    )
)
_PERCENT = re.compile(r"(?<![\d.])(\d{1,2}(?:\.\d+)?)\s*%")
_N_OF_M = re.compile(r"\b(\d+) (?:of|out of) (?:the )?(\d+)\b")
_FINITE = re.compile(
    r"\b(?:is|are|was|were|can|could|may|might|must|should|will|would|has|have|had|does|do|did)\b", re.I
)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# A sentence that goes on from the one before it ("... also ...", "In addition, ...").
_CONTINUES = re.compile(
    r"^(?:[^,.;:]{0,60}\balso\b|in addition|additionally|moreover|furthermore|likewise|similarly)", re.I
)


def sets_the_scene(section: str) -> bool:
    """True for a section that says what was known or unclear before a study, or what it
    did (background, introduction, objectives, methods), not what it found. A guideline's
    Scope is set-up too (``section_weight``) but may answer what the guideline rests on."""
    return _SCENE_SECTIONS.search(section) is not None and _FOUND_SECTIONS.search(section) is None


def draws_conclusions(section: str) -> bool:
    """True for the section where a document's authors say what their findings mean
    (Conclusions, Interpretation, Implications)."""
    return _VERDICT_SECTIONS.search(section) is not None


def section_weight(section: str) -> int:
    """+1 for a section that states results or advice, -1 for set-up (background, methods),
    0 when the heading says neither."""
    if _FOUND_SECTIONS.search(section):
        return 1
    if _SETUP_SECTIONS.search(section):
        return -1
    if _ANSWER_SECTIONS.search(section):
        return 1
    return 0


def is_descriptor(sentence: str) -> bool:
    """True for a sentence that only says what a document is or does, with no number in it
    ("The Latov 2021 review covers the history of ...", "To evaluate whether ..."). One
    that goes on to say what was found or how something is ("describes X as Y", "... that
    ...") is a claim."""
    text = _FRAME.sub("", sentence.strip().lstrip("-*+ ").strip())
    match = _DESCRIPTOR.search(text)
    if not match or has_number(text):
        return False
    rest = text[match.end() :]
    # "describes X as usually distal", "found that ...": a claim after all.
    if re.search(r"\b(?:describe[sd]?|characteri[sz]e[sd]?|present[sed]*)\b", match.group(0), re.I):
        return not re.search(r"\bas\b", rest, re.I)
    return not re.search(r"\b(?:found|showed|shows|concluded|reported) that\b", rest, re.I)


def is_fragment(sentence: str, *, is_list_item: bool) -> bool:
    """True for a list item without a subject of its own, or a bare phrase of a few words.

    Full sentences that happen to be list items ("- MAG IgM autoantibodies are associated
    with ...") are not fragments.
    """
    words = _WORDS.findall(sentence)
    if len(words) < 4:
        return True
    if not is_list_item:
        return False
    first = words[0].lower()
    if first in _SUBJECTLESS or sentence.rstrip().endswith(":"):
        return True
    # "Associated with ...", "Leading to ...": a participle with no finite verb after it.
    return first.endswith(("ed", "ing")) and not _FINITE.search(" ".join(words[1:]))


def run_on_split(sentence: str) -> int | None:
    """Where a list item runs into the next sentence without a full stop, or None.

    "Plasma exchange in more severe cases The detection of ..." -> the offset of "The".
    """
    match = _RUN_ON.search(sentence)
    return match.end() if match else None


def trailing_marker(sentence: str) -> int:
    """Length of the sentence without a trailing bibliography marker ("... antibodies [ 1 ].")."""
    match = _TRAILING_MARKER.search(sentence)
    return match.start() if match else len(sentence)


def states_verdict(sentence: str) -> bool:
    """True when the sentence carries an outcome, verdict or recommendation."""
    return _VERDICT.search(sentence) is not None


def calls_for_research(sentence: str) -> bool:
    """True when the sentence asks for more research ("The authors called for a larger
    trial to confirm their findings", "Further prospective studies are needed"): what is
    still to be learnt, not an answer."""
    return _MORE_RESEARCH.search(sentence) is not None


def plans_research(sentence: str) -> bool:
    """True when the sentence is about the design of research still to be done ("For
    future trials, the review proposes enrolling ...", "the next trial should ..."), not
    what is known about the patients: it answers a question about research only. A call
    for more research ("further studies are needed") is not: it says how sure a finding
    is (``calls_for_research``), and so does what future research should find out
    ("future research should determine which ...")."""
    return (
        _FUTURE_RESEARCH.search(sentence) is not None
        and _TO_LEARN.search(sentence) is None
        and not calls_for_research(sentence)
    )


def states_gap(sentence: str) -> bool:
    """True when the sentence says that something is not yet known ("However, whether X
    could be a biomarker remains unclear", "Little is known about ..."): in a Background,
    the question a study asks, not an answer to it."""
    return _GAP.search(sentence) is not None


_STUDIES = r"(?:studies|study|trials?|research|investigations?|data|evidence|work)"
_MORE_RESEARCH = re.compile(
    rf"\bcall(?:s|ed|ing)? for (?:an? )?(?:\w+ ){{0,3}}{_STUDIES}\b"
    rf"|\b(?:further|more|larger|additional|future|prospective|well-designed|randomi[sz]ed|controlled) "
    rf"(?:\w+ ){{0,3}}{_STUDIES} (?:are|is|will be|would be|may be) (?:still )?"
    r"(?:needed|required|warranted|necessary|called for)"
    rf"|\b(?:needs?|warrants?|requires?|deserves?) (?:further|more|larger|additional) (?:\w+ ){{0,2}}{_STUDIES}\b",
    re.I,
)
_FUTURE_RESEARCH = re.compile(
    rf"\b(?:future|upcoming) (?:[\w-]+ ){{0,4}}?{_STUDIES}\b|\bnext (?:[\w-]+ ){{0,2}}?(?:trials?|stud(?:y|ies))\b"
    rf"|\b{_STUDIES} (?:in|of) the future\b",
    re.I,
)
# What research should find out ("future research should determine which ..."): how
# much is still unknown, not how to run a study.
_TO_LEARN = re.compile(
    r"\b(?:determine|examine|investigate|explore|assess|address|clarify|confirm|establish|evaluate|"
    r"elucidate|understand|identify|test whether|find out)\b",
    re.I,
)
_GAP = re.compile(
    r"^(?:(?:however|but|yet|thus|therefore|so far|to date|until now),?\s+)?(?:"
    r"(?:it|this) (?:is|remains|was) (?:still |currently |yet )?(?:unclear|unknown|uncertain|not (?:yet )?(?:known|clear)|"
    r"controversial|debated)"
    r"|(?:little|less|not much) is known"
    r"|(?:few|no|limited|scarce|sparse) (?:data|studies|information|evidence|reports)\b"
    r"|whether\b[^.;]{0,200}?\b(?:is|are|remains?|remained|(?:has|have) (?:remained|been))\s+"
    r"(?:still |yet |currently )?(?:unclear|unknown|uncertain|"
    r"not (?:yet )?(?:known|clear|been (?:established|determined|studied|investigated))|controversial|debated|"
    r"to be (?:determined|established|elucidated))"
    r")",
    re.I,
)


def states_certainty(sentence: str) -> bool:
    """True when the sentence says how certain or strong the evidence is."""
    return _CERTAINTY.search(sentence) is not None


def qualifies(sentence: str) -> bool:
    """True when the sentence limits, contrasts or negates: what corrects a premise."""
    return _QUALIFIER.search(sentence) is not None


def minority(sentence: str, about: set[str]) -> bool:
    """True when the sentence puts a share under half ("in only some patients", "a
    minority", "28% an axonal polyneuropathy", "4 of 13 improved") on something it names
    within a few words of the share, by one of the stems ``about``: what contradicts a
    premise that says most, usually or typically. "Weakness in only 10% of patients" is no
    share of the disabled."""
    return _share_beside(sentence, about, _MINORITY, over_half=False, hyphen_parts=False)


def majority(sentence: str, about: set[str]) -> bool:
    """True when the sentence says something named by one of the stems ``about`` holds for
    most or is typical ("usually distal and sensory-predominant", "72% had a demyelinating
    ...", "a classic demyelinating neuropathy"), within a few words of the quantifier: what
    the sources say of the contrary of a premise. Hyphenated words count by their parts
    ("sensory-predominant" names "sensory")."""
    return _share_beside(sentence, about, _MAJORITY, over_half=True, hyphen_parts=True)


def _share_beside(
    sentence: str, about: set[str], words: re.Pattern[str], *, over_half: bool, hyphen_parts: bool
) -> bool:
    """True when a quantifier (``words``, or a percentage or "N of M" over or under half)
    stands within ``SHARE_WINDOW`` words of a word whose stem (or, with ``hyphen_parts``,
    a hyphenated word's part's stem) is in ``about``."""

    def on_side(share: float) -> bool:
        return share > 0.5 if over_half else share < 0.5

    spans = [m.span() for m in words.finditer(sentence)]
    spans += [m.span() for m in _PERCENT.finditer(sentence) if on_side(float(m[1]) / 100)]
    spans += [
        m.span() for m in _N_OF_M.finditer(sentence) if int(m[2]) > 0 and on_side(int(m[1]) / int(m[2]))
    ]
    for start, end in spans:
        near = " ".join(
            [
                *_WORDS.findall(sentence[:start])[-SHARE_WINDOW:],
                *_WORDS.findall(sentence[end:])[:SHARE_WINDOW],
            ]
        )
        if set(stems(near.replace("-", " ") if hyphen_parts else near)) & about:
            return True
    return False


def counted(sentence: str) -> frozenset[str]:
    """The stems of what the sentence's shares count: the nearest few content words either
    side of each ("half of them have anti-MAG antibodies" -> anti-mag, antibodi, ...; "44%
    of patients had antibodies against MAG" -> antibodi, ...). Empty when it states no
    share of a group ("cut antibody levels by 60%" is none). Two sentences whose shares
    count words in common measure the same thing."""
    words: set[str] = set()
    for match in _SHARE.finditer(sentence):
        before = [w for w in stems(sentence[: match.start()]) if _counts(w)]
        after = [w for w in stems(sentence[match.end() :]) if _counts(w)]
        words.update(before[-SHARE_WINDOW:], after[:SHARE_WINDOW])
    return frozenset(words)


def _counts(stem: str) -> bool:
    """True for a word that can say what a share counts: not a number, a function word or
    a word for people."""
    return stem not in _NOT_COUNTED and not stem[:1].isdigit()


def cautions(sentence: str) -> bool:
    """True when the sentence is a caveat to the one before it ("However, ...", "... cautions
    that ...")."""
    return _CAUTIONS.search(sentence.strip()) is not None


def dated(sentence: str) -> bool:
    """True when the sentence says what was known at some past time ("At the time of the
    2012 review, ...", "Until recently ..."): later evidence may have overtaken it, so it
    is evidence, not a bottom line."""
    return _DATED.match(sentence) is not None


_DATED = re.compile(
    r"\s*(?:at the time of (?:the |this |that |its )?(?:[\w-]+ ){0,3}(?:review|trial|study|analysis|search|"
    r"publication|writing|report|guideline|consensus)\b|at that time|until (?:recently|then|\d{4})|"
    r"previously,|formerly,|as of \d{4})",
    re.I,
)


def turns(sentence: str) -> bool:
    """True when the sentence opens by turning from the one before it ("However, ...",
    "In contrast, ..."): alone, it may say the contrary of what the source found."""
    return _TURNS.match(sentence.strip()) is not None


def continues(sentence: str) -> bool:
    """True when the sentence continues the one before it ("Patients also needed ...")."""
    return _CONTINUES.search(sentence.strip()) is not None


_TURNING = (
    r"(?:however|but|yet|nevertheless|nonetheless|in contrast|by contrast|conversely|on the other hand)\b"
)
_TURNS = re.compile(_TURNING, re.I)
_CAUTIONS = re.compile(rf"^{_TURNING}|\bcaution(?:s|ed)?\b(?: that)?", re.I)
# A figure; digits joined by a hyphen to a capital name something ("IWWM-8", "COVID-19",
# "IL-6"), unlike a time point ("week-24").
_NUMBER = re.compile(r"(?<![\w.])(?<![A-Z]-)\d+(?:[.,]\d+)*(?![\w])|(?<![\w.])(?<![A-Z]-)\d+(?=%)")


def figures(sentence: str) -> frozenset[str]:
    """The numbers a sentence states, as written without thousands separators ("10,000"
    -> "10000"); years and digits inside names are no figures (``has_number``)."""
    return frozenset(m.group(0).replace(",", "") for m in _NUMBER.finditer(_YEAR.sub(" ", sentence)))


def has_number(sentence: str) -> bool:
    """True when the sentence states a number: a standalone figure, not a year ("2009"),
    nor digits inside a name ("HNK1", "CD57", "IWWM-8")."""
    return _NUMBER.search(_YEAR.sub(" ", sentence)) is not None
