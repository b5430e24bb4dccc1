"""Is the condition a question asks about a subject of the corpus? Pure functions.

A question about multifocal motor neuropathy must not be answered from passages about
anti-MAG neuropathy, however similar the words. What a corpus is *about* is learned from
the corpus itself, never from a list of diseases in code:

- a document is about the words of its title and of its opening sentences, and about
  the words it uses again and again (three times or more);
- a word that most documents use (``COMMON_SHARE``) is about the whole corpus.

Conditions are found in the question by the shape of medical names: a disease noun
("neuropathy", "syndrome", "-itis", "-osis", ...) with the words that modify it
("multifocal motor neuropathy", "neuropathy with anti-GM1 antibodies"), or an acronym
whose long form (learned from the corpus) is one, or an acronym the corpus never uses.
A question that names conditions, none of which any document is about, is refused; so is
one that excludes what the corpus is about ("Waldenström's *without* neuropathy").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from assistant.answer import SCOPE_LEAD
from assistant.lexicon import stems as _word_stems

# Nouns that name a condition, by their form. Generic medical morphology, not a topic list.
_HEAD = re.compile(
    r"^(?:\w*neuropath\w*|\w*neuronopath\w*|radiculo\w+|syndromes?|diseases?|disorders?|myelomas?|"
    r"macroglobulin\w*|gammopath\w*|lymphomas?|leuka?emias?|amyloidosis|deficienc\w+|diabetes|cancers?|"
    r"carcinomas?|tumou?rs?|sclerosis|myasthenia|myopath\w*|myositis|palsy|infections?|paraprotein\w*|"
    r"\w{3,}itis|\w{3,}osis|\w{3,}a?emia|\w{2,}pathy|\w{3,}omas?)$",
    re.I,
)
# Heads too general to name a condition by themselves ("what disease ...").
GENERIC_HEADS = frozenset(
    "disease diseases disorder disorders syndrome syndromes infection infections".split()
)
# Words of that form that name no condition.
_NOT_CONDITIONS = frozenset(
    "diagnosis diagnoses prognosis prognoses hypothesis analysis emphasis basis".split()
)
# Modifiers that do not narrow a condition to another one.
_GENERIC = frozenset(
    """a an the this that these those his her their my our your its any some of and or with in on for to by
    patient patients people person adult adults child children elderly older new newly diagnosed suspected
    known possible probable typical atypical severe mild moderate early late advanced peripheral human
    what which how who does do is are can could should would will treat treated treating treatment manage
    management about type types form forms case cases next first second third last previous prior same other
    another further future current recent usual common rare similar different such certain specific true
    real main major minor overall general whole entire full own associated related anti
    accompanying coexisting co-existing concomitant underlying existing preexisting pre-existing comorbid
    paediatric pediatric infant infants neonatal adolescent adolescents juvenile childhood young
    low high risk""".split()
)
# Heads that name a class of conditions: the words before them single one out
# ("multifocal motor neuropathy"). Any other head names one condition itself
# ("hereditary spherocytosis", "peritoneal carcinomatosis").
_CLASS_HEAD = re.compile(
    r"^(?:\w*neuropath\w*|\w*neuronopath\w*|radiculo\w+|syndromes?|diseases?|disorders?|cancers?|"
    r"carcinomas?|tumou?rs?|infections?|deficienc\w+|lymphomas?|leuka?emias?|myelomas?|paraprotein\w*|"
    r"gammopath\w*|macroglobulin\w*|myopath\w*)$",
    re.I,
)
_POST = re.compile(r"^(?:with|due|associated|caused|induced|related|secondary)$", re.I)
# Words that end a condition's name when read outwards from its head noun: articles,
# prepositions, conjunctions, question words, and the verbs questions are made of.
_BOUNDARY = frozenset(
    """a an the and or but nor in on for to of at by from with without into than as if whether that which
    who whom whose what when where why how is are was were be been being am do does did done have has had
    can could should would will shall may might must not no any some every each all its their his her my
    our your this these those there here it they them we you i me help helps helped treat treats treated
    manage manages managed cause causes caused diagnose diagnosed use used give given occur occurs present
    presents improve improves work works affect affects benefit benefits get gets look looks develop
    develops respond responds like about versus vs compared between among during after before increase
    increases decrease decreases reduce reduces prevent prevents predict predicts influence influences
    change changes alter alters reconsider consider time risk since given because although though confirm
    confirms exclude excludes rule skip suspect detect screen screened investigate evaluate assess cure
    cures mimic mimics resemble resembles differentiate distinguish worsen worsens slow slows shorten
    shortens progress progresses spread spreads
    helping treating managing causing diagnosing using giving occurring presenting improving working
    affecting getting looking developing responding comparing increasing decreasing reducing preventing
    predicting considering confirming excluding ruling skipping suspecting detecting screening
    investigating evaluating assessing monitoring following testing distinguishing differentiating
    mimicking resembling having starting stopping choosing interpreting counselling counseling
    suggest suggests suggesting indicate indicates indicating mean means signal signals point points
    favour favours favor favors support supports define defines characterise characterises characterize
    characterizes accompany accompanies precede precedes trigger triggers complicate complicates
    underlie underlies explain explains separate separates identify identifies establish establishes
    make makes become becomes turn turns transform transforms lead leads result results
    out up down off over under into onto within beyond toward towards despite unlike via against
    across per many few several measure measures measuring""".split()
)
_PRONOUNS = frozenset({"i", "we", "you", "he", "she", "they"})
# Words that end a condition's modifiers: no kind of what follows them.
NOT_MODIFIERS = _BOUNDARY
_TOKEN = re.compile(r"[A-Za-zÀ-ÿ0-9][A-Za-zÀ-ÿ0-9'’-]*")
_ACRONYM = re.compile(r"^[A-Z][A-Za-z0-9-]{1,9}$")
_WITHOUT = re.compile(r"\b(?:without|no|not|other than|except)\s+(?:an?\s+|any\s+)?([A-Za-z-]+)", re.I)
_HEADS_STEMS = frozenset({"neuropathi", "diseas", "syndrom", "disord"})
# A word at least half the documents use is a subject of the whole corpus.
COMMON_SHARE = 0.5
# A word a document uses this often is one of its subjects.
REPEATS = 3
OPENING_SENTENCES = 2


def stems(text: str) -> tuple[str, ...]:
    """Word stems with hyphenated words split ("IgM-associated" -> igm, associ) and British
    spellings folded ("paediatric" -> "pediatric", "tumour" -> "tumor"), so that a compound
    and its parts, and both spellings, meet."""
    text = re.sub(r"['’]s\b", "", text)  # "Crohn's disease": crohn, diseas
    folded = _BRITISH.sub(lambda m: _FOLD[m.group(0)], text.lower().replace("-", " "))
    return _word_stems(folded)


_FOLD = {"ae": "e", "oe": "e", "our": "or", "is": "iz"}
_BRITISH = re.compile(r"ae|oe|our\b|is(?=e\b|ed\b|es\b|ation)")


@dataclass(frozen=True, slots=True)
class Condition:
    """A condition named in a question: its words as written, and the stems that single it
    out (the head noun's modifiers, or the head itself when it stands alone)."""

    text: str
    specific: tuple[str, ...]
    alternatives: tuple[tuple[str, ...], ...] = ()  # e.g. an acronym's learned long form


@dataclass(frozen=True, slots=True)
class TopicIndex:
    """The subjects of each document, and of the corpus as a whole."""

    subjects: tuple[frozenset[str], ...]  # per document: stems it is about
    words: tuple[frozenset[str], ...]  # per document: every stem it uses
    common: frozenset[str]  # stems most documents use
    known: frozenset[str]  # every stem of the corpus
    dominant: frozenset[str]  # condition heads nearly every document is about
    scope: tuple[str, ...]  # the conditions the corpus covers, most documents first
    core: frozenset[str] = frozenset()  # the words that single out those conditions ("mag", "igm")

    def is_subject(self, condition: Condition) -> bool:
        """True when some document uses all of the condition's specific words and is about
        at least one of them (words the whole corpus uses need no document of their own),
        or does so for one of its alternatives (an acronym's long form)."""
        for words in (condition.specific, *condition.alternatives):
            needed = set(words) - self.common
            if not needed:
                return True
            if any(
                needed <= used and needed & about
                for used, about in zip(self.words, self.subjects, strict=True)
            ):
                return True
        return False

    def names_subject(self, words: set[str]) -> bool:
        """True when ``words`` (stems) are made of the words that single out the conditions
        the corpus covers, with any that every document uses: "anti-MAG" ("mag", "anti")."""
        own = self.core | self.dominant
        return bool(words & own) and words <= own | self.common

    def describe(self, limit: int = 4) -> str:
        """One sentence saying what the corpus covers."""
        if not self.scope:
            return ""
        return SCOPE_LEAD + "; ".join(self.scope[:limit]) + "."


def _spelling(written: Counter[str]) -> str:
    """How a phrase is shown: as the documents most often write it, the form inside a
    sentence ("anti-MAG neuropathy") over one capitalised to open a sentence or a title
    ("Anti-MAG neuropathy", "Anti-MAG Neuropathy"); acronyms keep their capitals."""
    return max(
        written, key=lambda form: (written[form], not form[:1].isupper(), -sum(map(str.isupper, form)))
    )


def build_topics(
    documents: Iterable[tuple[str, str, list[str]]], abbreviations: Mapping[str, str] | None = None
) -> TopicIndex:
    """Learn what a corpus is about.

    Args:
        documents: per document, its title, its full text, and its sentences in order.
        abbreviations: short form -> long form, learned from the corpus.
    """
    subjects: list[frozenset[str]] = []
    used: list[frozenset[str]] = []
    share: Counter[str] = Counter()
    known: set[str] = set()
    phrases: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}  # how the documents write each phrase
    for title, text, sentences in documents:
        counts = Counter(stems(text))
        opening = " ".join([title, *sentences[:OPENING_SENTENCES]])
        own = set(stems(opening)) | {s for s, n in counts.items() if n >= REPEATS}
        subjects.append(frozenset(own))
        used.append(frozenset(counts) | own)
        share.update(set(counts) | own)
        known.update(counts)
        found = find_conditions(opening, abbreviations or {})
        phrases.update({c.text.lower() for c in found})
        for c in found:
            spellings.setdefault(c.text.lower(), Counter())[c.text] += 1
    n = max(len(subjects), 1)
    common = frozenset(s for s, k in share.items() if k / n >= COMMON_SHARE)
    dominant = frozenset(
        s for s, k in share.items() if k / n >= 0.8 and _HEAD.match(s) and s not in GENERIC_HEADS
    )
    scope = tuple(_spelling(spellings[p]) for p, k in phrases.most_common(8) if k > 1 or n == 1)
    core = frozenset(
        s for phrase in scope for c in find_conditions(phrase, abbreviations or {}) for s in c.specific
    )
    return TopicIndex(
        tuple(subjects), tuple(used), common, frozenset(known), dominant, scope, core - _HEADS_STEMS
    )


# Drug names by the stems of international nonproprietary names (WHO INN): monoclonal
# antibodies (-mab), kinase and proteasome inhibitors (-nib, -zomib), immunomodulators
# (-lidomide), alkylating agents and antimetabolites, steroids (-sone, -olone),
# neuropathic-pain drugs (-pentin, -gabalin, -oxetine, -triptyline) and the like.
# Generic pharmacology, not a list of drugs.
_AGENT = re.compile(
    r"^[a-z]{3,}(?:mab|nib|zomib|lisib|parib|ciclib|lidomide|platin|taxel|rubicin|mustine|phamide|"
    r"ambucil|arabine|trexate|limus|sone|olone|mycin|cillin|floxacin|conazole|vir|xaban|gatran|"
    r"pentin|gabalin|oxetine|triptyline|azepam|azolam|codone|profen|coxib|prazole|gliptin|glitazone)$",
    re.I,
)


# Coded names: genes, mutations and markers ("MYD88", "L265P", "CXCR4", "CD38"): a digit
# and two capitals. Starting with a letter: "10y" and "5mg" are values, not names;
# "enzyme-1" and "A1-3" (a fracture class) are not codes of this kind.
_IDENTIFIER = re.compile(r"^(?=(?:[^A-Z]*[A-Z]){2})[A-Za-z][A-Za-z-]*\d[A-Za-z0-9-]*$")


def compact(token: str) -> str:
    """A token as names are compared: lower case, letters and digits only ("IWWM-8" -> "iwwm8")."""
    return re.sub(r"[\W_]", "", token.lower())


def unmentioned_names(question: str, known: frozenset[str], tokens: frozenset[str]) -> tuple[str, ...]:
    """The drugs (by their INN shape) and coded names (genes, mutations, antibodies) that
    ``question`` names and the corpus never mentions. ``known``: every stem of the corpus;
    ``tokens``: every token of it, ``compact``ed. Asked whether ibrutinib helps, a corpus
    without ibrutinib has nothing to say, however much it says about rituximab."""
    words = _TOKEN.findall(question)
    named = dict.fromkeys(
        t
        for i, t in enumerate(words)
        if _AGENT.match(t) or (_IDENTIFIER.match(t) and not _names_a_class(t, words[i + 1 : i + 2]))
    )
    return tuple(t for t in named if not _mentioned(t, known, tokens))


# A code that names a class of drugs by its target ("anti-CD20 therapy", "CD38-directed
# antibodies", "BTK inhibitors"): a corpus may discuss its members (rituximab) without
# ever writing the class, so it is left to the support check rather than refused. Any
# "anti-" code is such a form, an autoantibody ("anti-GM1") as much as a drug: neither is
# refused by this check (a neighbouring disease named with it is, by ``off_topic``).
_CLASS_FORM = re.compile(r"^anti-|-(?:directed|targeted|targeting|mediated)$", re.I)
_CLASS_NEXT = re.compile(
    r"^(?:inhibitors?|antibod(?:y|ies)|therap(?:y|ies)|treatments?|agents?|drugs?|blockers?|blockade|"
    r"agonists?|antagonists?|monoclonals?|mabs?)$",
    re.I,
)


def _names_a_class(token: str, following: list[str]) -> bool:
    return bool(_CLASS_FORM.search(token)) or any(_CLASS_NEXT.match(w) for w in following)


def name_tokens(texts: Iterable[str]) -> frozenset[str]:
    """Every token of ``texts`` and every part of a hyphenated one, ``compact``ed: what
    ``unmentioned_names`` checks against ("123I-ioflupane" gives "123iioflupane",
    "123i" and "ioflupane")."""
    out = set()
    for text in texts:
        for token in _TOKEN.findall(text):
            out.add(compact(token))
            if "-" in token:
                out.update(compact(part) for part in token.split("-"))
    out.discard("")
    return frozenset(out)


def _mentioned(name: str, known: frozenset[str], tokens: frozenset[str]) -> bool:
    """True when the corpus has ``name`` (in any spelling ``compact`` evens out), or every
    part of a hyphenated name that has a letter: a coded part as a token, a word by its
    stem ("I-123-Ioflupane": "ioflupane"; "MYD88-mutated": "MYD88" and "mutat")."""
    if _in_corpus(name, known, tokens):
        return True
    parts = [p for p in name.split("-") if re.search(r"[A-Za-z]", p) and len(p) > 1 and p.lower() != "anti"]
    return "-" in name and bool(parts) and all(_in_corpus(p, known, tokens) for p in parts)


def _in_corpus(word: str, known: frozenset[str], tokens: frozenset[str]) -> bool:
    """A token of the corpus in any spelling, or a word without digits by its stem."""
    return compact(word) in tokens or (not re.search(r"\d", word) and bool(set(stems(word)) & known))


def disease_names(text: str, abbreviations: Mapping[str, str]) -> list[str]:
    """The names of the conditions ``text`` names whose head noun names a kind of disease
    ("IgM demyelinating neuropathy"), not one as general as "disorder": in "mainly a motor
    disorder", "motor" says what the condition is like, not which it is."""
    return [
        c.text
        for c in find_conditions(text, abbreviations)
        if c.text.split()[-1].lower() not in GENERIC_HEADS
    ]


def find_conditions(text: str, abbreviations: Mapping[str, str]) -> list[Condition]:
    """The conditions ``text`` names: disease nouns with their modifiers, and acronyms that
    stand for one (or that the caller's corpus may not know: see ``off_topic``)."""
    tokens = _TOKEN.findall(text)
    found: list[Condition] = []
    for i, token in enumerate(tokens):
        if _HEAD.match(token) and not _ACRONYM.match(token) and token.lower() not in _NOT_CONDITIONS:
            phrase = _phrase(tokens, i)
            if token.lower() not in GENERIC_HEADS or phrase.specific != stems(token):
                found.append(phrase)
        elif _is_acronym(token):
            long_form = abbreviations.get(token)
            if long_form and any(_HEAD.match(w) for w in _TOKEN.findall(long_form)):
                found.append(Condition(token, stems(token), (_specific(_TOKEN.findall(long_form)),)))
    return found


def off_topic(
    question: str,
    topics: TopicIndex,
    abbreviations: Mapping[str, str],
    synonyms: Iterable[str] = (),
    tokens: frozenset[str] = frozenset(),
) -> tuple[str, ...] | None:
    """The conditions that make ``question`` fall outside the corpus, or None when it is in scope.

    Out of scope: the question names conditions and no document is about any of them, or it
    names only acronyms that neither the corpus nor its lexicon (``synonyms``) knows (also
    spelt otherwise: ``tokens``, every ``compact``ed corpus token, has "iwwm8"), or it
    excludes the condition nearly every document is about ("... without neuropathy").
    """
    for match in _WITHOUT.finditer(question):
        if set(stems(match.group(1))) & topics.dominant:
            return (match.group(0),)
    conditions = _owned(find_conditions(question, abbreviations), question, topics)
    lexicon = {s for term in synonyms for s in stems(term)}
    unknown = [
        t
        for t in _acronyms(question)
        if not any(set(stems(v)) & (topics.known | lexicon) or compact(v) in tokens for v in _spellings(t))
    ]
    if not conditions:
        # An acronym that qualifies the noun after it ("HMO women", "TME surgery") is not
        # what the question is about.
        topic = [t for t in unknown if not _qualifies(t, question)]
        return tuple(topic) if topic and len(unknown) == len(_acronyms(question)) else None
    # A question about the corpus's own subject in a neighbouring condition ("do anti-MAG
    # antibodies occur in CIDP?") is the corpus's to answer, or to refuse for lack of support.
    named = {s for c in conditions for s in stems(c.text)}
    about_subject = bool((set(stems(question)) - named) & topics.core)
    # A question first about a condition no source even mentions ("a diagnosis of POEMS
    # syndrome") is not answered from a generic condition beside it ("... in a patient with
    # a demyelinating neuropathy"); named as the patient's context ("in a patient with
    # hepatitis B and anti-MAG neuropathy"), it is no reason to refuse.
    first = conditions[0]
    if (
        not about_subject
        and not set(first.specific) & (topics.known | lexicon)
        and compact(first.text) not in tokens
        and not _as_context(question, first.text)
    ):
        return (first.text,)
    if any(topics.is_subject(c) for c in conditions) or about_subject:
        return None
    return tuple(c.text for c in conditions)


_OF = r"\s+(?:of|in|due to|caused by|from|associated with|related to|linked to)\s+(?:the\s+|an?\s+)?"


def _owned(conditions: list[Condition], question: str, topics: TopicIndex) -> list[Condition]:
    """The conditions without the corpus's own head noun where another condition owns it:
    "the neuropathy of POEMS syndrome" asks about POEMS syndrome, and "neuropathy" alone
    (what nearly every document is about, ``TopicIndex.dominant``) does not bring it into
    scope. In "neuropathy in a patient with POEMS syndrome" the neuropathy is the subject."""
    heads = [
        c for c in conditions if " " not in c.text and c.text.islower() and set(c.specific) <= topics.dominant
    ]
    owned = {
        head.text
        for head in heads
        for other in conditions
        if other is not head
        and re.search(rf"\b{re.escape(head.text)}{_OF}{re.escape(other.text)}\b", question, re.I)
    }
    return [c for c in conditions if c.text not in owned]


_CONTEXT = re.compile(
    r"(?:\b(?:with|has|had|having)\s+(?:a\s+|an\s+)?(?:(?:history|diagnosis)\s+of\s+|known\s+|previous\s+|prior\s+)?"
    r"|\b(?:coexisting|co-existing|concomitant|comorbid|associated|underlying|and|or)\s+)$",
    re.I,
)


def _as_context(question: str, condition: str) -> bool:
    """True when ``condition`` is named as the patient's background ("with a history of
    X", "coexisting X", "X and ..."), not as what the question is about."""
    if _CONTEXT.search(condition.split()[0] + " " if condition.split() else ""):
        return True  # "coexisting X": the modifier is part of the condition's name
    words = [re.escape(w) for w in condition.split()]
    match = re.search(r"\s+".join(words), question, re.I) if words else None
    return match is not None and _CONTEXT.search(question[: match.start()]) is not None


def _phrase(tokens: list[str], head: int) -> Condition:
    """The condition around the head noun at ``tokens[head]``: up to two modifiers before
    it, and what follows "with", "due to", "induced by" ... after it."""
    before: list[str] = []
    for at in range(head - 1, max(0, head - 2) - 1, -1):
        token = tokens[at]
        # a word after a personal pronoun is its verb: "Can I pass X to my children?"
        after_pronoun = at > 0 and tokens[at - 1].lower() in _PRONOUNS
        if token.lower() in _BOUNDARY or token.lower().endswith("ly") or after_pronoun:
            break
        before.insert(0, token)
    after: list[str] = []
    if head + 1 < len(tokens) and _POST.match(tokens[head + 1]):
        rest = tokens[head + 2 : head + 5]
        rest = rest[1:] if rest and rest[0].lower() in {"to", "by", "with"} else rest
        for token in rest:
            if token.lower() in _BOUNDARY or _HEAD.match(token) or token.lower().startswith("antibod"):
                break
            after.append(token)
        # "with" names a cause only when antibodies follow ("with anti-GM1 antibodies"), not
        # in "neuropathy with Class I evidence".
        follows = [t.lower() for t in tokens[head + 2 : head + 2 + len(after) + 1]]
        if tokens[head + 1].lower() == "with" and not any(t.startswith("antibod") for t in follows):
            after = []
    words = [*before, tokens[head], *after]
    named = () if _CLASS_HEAD.match(tokens[head]) else stems(tokens[head])
    specific = tuple(dict.fromkeys([*_specific([*before, *after]), *named])) or stems(tokens[head])
    return Condition(" ".join(words), specific)


def _specific(words: list[str]) -> tuple[str, ...]:
    parts = [p for w in words for p in w.split("-") if p]
    keep = [
        w for w in parts if w.lower() not in _GENERIC and not _HEAD.match(w) and w.lower() != "antibodies"
    ]
    return tuple(s for w in keep for s in stems(w))


def _spellings(acronym: str) -> tuple[str, ...]:
    """An acronym and, for a plural one ("HPVs"), its singular."""
    return (acronym, acronym[:-1]) if re.fullmatch(r"[A-Z0-9-]{2,}s", acronym) else (acronym,)


def _qualifies(acronym: str, question: str) -> bool:
    """True when ``acronym`` stands before a noun it qualifies ("HMO women"), not one it
    names ("the ZQX study", "the XYZ score")."""
    match = re.search(rf"(?<![\w-]){re.escape(acronym)}\s+([a-z][a-z-]+)", question)
    return (
        match is not None
        and match.group(1) not in _BOUNDARY
        and not match.group(1).endswith("ly")
        and not _NAMED.match(match.group(1))
    )


# Nouns an acronym names rather than qualifies.
_NAMED = re.compile(
    r"^(?:stud(?:y|ies)|trials?|cohorts?|registr(?:y|ies)|reviews?|criteria|scores?|scales?|guidelines?|"
    r"consensus|classification|protocols?|programmes?|programs?|projects?|databases?|groups?|index|test|assay)$"
)


def _is_acronym(token: str) -> bool:
    return bool(_ACRONYM.match(token)) and sum(ch.isupper() for ch in token) >= 2


def _acronyms(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text) if _is_acronym(t)]
