"""Synonyms and abbreviations: generic language, the corpus's lexicon, and definitions
learned from its text.

Learning follows Schwartz & Hearst (2003), "A simple algorithm for identifying
abbreviation definitions in biomedical text": for "long form (SF)" the long form is the
shortest run of preceding words whose characters contain SF's letters in order, the
first letter of SF starting a word. https://psb.stanford.edu/psb-online/proceedings/psb03/schwartz.pdf

Only domain-free knowledge lives here (plain-language question words, British and
American spellings, research-design and laboratory abbreviations such as "Ab"). A corpus's own synonyms come from
its ``lexicon.yaml`` (``ingest.lexicon``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from difflib import SequenceMatcher

from assistant.terms import TermMatcher

SPELLINGS: tuple[tuple[str, ...], ...] = tuple(
    (british, american)
    for british, american in (
        ("titre", "titer"),
        ("titres", "titers"),
        ("randomised", "randomized"),
        ("randomisation", "randomization"),
        ("anaemia", "anemia"),
        ("haematological", "hematological"),
        ("haematology", "hematology"),
        ("haemoglobin", "hemoglobin"),
        ("haemorrhage", "hemorrhage"),
        ("leukaemia", "leukemia"),
        ("ischaemia", "ischemia"),
        ("ischaemic", "ischemic"),
        ("oedema", "edema"),
        ("oesophageal", "esophageal"),
        ("oestrogen", "estrogen"),
        ("paediatric", "pediatric"),
        ("orthopaedic", "orthopedic"),
        ("gynaecology", "gynecology"),
        ("anaesthesia", "anesthesia"),
        ("diarrhoea", "diarrhea"),
        ("foetal", "fetal"),
        ("tumour", "tumor"),
        ("tumours", "tumors"),
        ("centre", "center"),
        ("behaviour", "behavior"),
    )
)

RESEARCH: tuple[tuple[str, ...], ...] = (
    (
        "RCT",
        "randomised controlled trial",
        "randomized controlled trial",
        "randomized trial",
        "randomised trial",
    ),
    ("antibody", "Ab"),
    ("antibodies", "Abs"),
    # Studies compare patients with controls: "in healthy people?" asks about them.
    (
        "controls",
        "control subjects",
        "healthy controls",
        "healthy people",
        "healthy individuals",
        "healthy subjects",
        "healthy volunteers",
    ),
)

# Plain-language question words mapped to the words papers use for the same idea, so
# "does X help?" also finds "X was effective". The words papers use come first: an
# expansion adds only the first few.
INTENTS: tuple[tuple[str, ...], ...] = (
    (
        "effective",
        "efficacy",
        "improvement",
        "benefit",
        "response",
        "responders",
        "respond",
        "help",
        "helps",
        "helpful",
        "beneficial",
        "effectiveness",
        "efficacious",
        "work",
        "works",
        "improve",
        "improved",
        "worth trying",
        "worthwhile",
        "any good",
        "fix",
        "cure",
        "cured",
        "cures",
        "curative",
    ),
    ("worsening", "get worse", "gets worse", "got worse"),
    # "Outside trials" asks what observational studies found, not what the trials did.
    (
        "cohort",
        "observational",
        "outside trials",
        "outside of trials",
        "outside clinical trials",
        "outside of clinical trials",
        "real-world",
        "real world",
        "outside the trials",
        "outside of the trials",
        "outside the clinical trials",
    ),
    ("correlated", "correlation", "correlate", "correlates", "track", "tracks", "tracked"),
    ("age", "how old", "young", "younger", "elderly"),
    ("sensitivity", "sensitive", "pick up", "picks up", "detects"),
    ("onset", "starts", "begins", "began"),
    ("elevated", "raised"),
    # One condition taken for another: the differential diagnosis.
    ("resemble", "confused with", "mistaken for"),
    # A level that falls is a level lowered, reduced or decreased.
    (
        "lowered",
        "reduced",
        "decreased",
        "fall",
        "falls",
        "fell",
        "drop",
        "drops",
        "dropped",
        "decline",
        "declines",
        "go down",
    ),
    (
        "deaths",
        "death",
        "died",
        "mortality",
        "die",
        "kill",
        "fatal",
        "deadly",
        "life expectancy",
        "shorten life",
        "shortens life",
        "lifespan",
    ),
    ("prevalence", "proportion", "frequency", "percentage", "how common", "how frequent", "how often"),
    ("prognosis", "long-term outcome", "outlook", "course", "natural history"),
    ("adverse events", "side effects", "safety", "harms", "toxicity"),
    (
        "characteristics",
        "features",
        "presentation",
        "phenotype",
        "clinical picture",
        "characterized",
        "characterised",
        "symptoms",
        "signs",
        "manifestations",
        "look like",
    ),
    ("evidence-based", "evidence base", "trial evidence"),
    ("monitor", "monitoring", "monitored", "follow", "followed", "keep an eye on"),
    ("primary outcome", "primary end point", "primary endpoint"),
    # "Does he need X?" is answered by "X is not mandatory", "X is indicated when ...".
    ("mandatory", "necessary", "required", "indicated", "needed", "need", "needs", "essential"),
)

# The words patients use for signs, symptoms and tests, mapped to the clinical words
# papers use ("my hands shake" -> tremor). Clinical words first, as in INTENTS.
LAY: tuple[tuple[str, ...], ...] = (
    ("tremor", "shaking", "shaky", "shake", "shakes", "trembling"),
    ("ataxia", "ataxic", "unsteady", "unsteadiness", "wobbly", "off balance", "poor balance"),
    ("paraesthesia", "paresthesia", "paraesthesiae", "tingling", "pins and needles"),
    ("sensory loss", "numbness", "numb"),
    ("lumbar puncture", "spinal tap", "CSF analysis", "cerebrospinal fluid analysis"),
    ("neuropathic pain", "burning feet", "nerve pain"),
    ("falls", "falling over", "keep falling"),
    (
        "disabled",
        "wheelchair",
        "walking aid",
        "walking stick",
        "wheelchair-bound",
        "wheelchair bound",
        "bedridden",
        "bed-bound",
    ),
)

BUILT_IN = SPELLINGS + RESEARCH + INTENTS + LAY
# Terms an expansion adds per group and in all: enough to bridge an abbreviation or a
# plain word to the papers' wording, short enough that the question stays the question
# (an embedded query of hundreds of tokens says little and costs tens of ms).
PER_GROUP = 2
MAX_ADDED = 8
# How alike two long forms must be (difflib ratio, after normalising case, hyphens and
# plural endings) to be one meaning: "intravenous immune globulin" vs "intravenous
# immunoglobulin" is 0.94, "pulmonary embolism" vs "plasma exchange" is 0.36.
SAME_MEANING = 0.8

_DEFINITION = re.compile(r"\(([A-Za-z][A-Za-z0-9-]{1,9})\)")


def learn_abbreviations(texts: Iterable[str]) -> list[tuple[str, str]]:
    """Find "long form (SF)" definitions in ``texts``; returns (short, long) pairs.

    A short form defined more than one way keeps its most frequent long form (the
    first seen on a tie), counting spelling variants of a long form as one.
    """
    counts: dict[str, Counter[str]] = {}
    spelled: dict[tuple[str, str], str] = {}
    for text in texts:
        for match in _DEFINITION.finditer(text):
            short = match.group(1)
            if not any(ch.isupper() for ch in short):
                continue
            words = text[: match.start()].rstrip().split()
            window = words[-min(len(short) + 5, 2 * len(short)) :]
            long_form = _long_form(short, " ".join(window))
            if long_form and long_form.lower() != short.lower():
                key = _normal(long_form)
                counts.setdefault(short, Counter())[key] += 1
                spelled.setdefault((short, key), long_form)
    return sorted((short, spelled[short, c.most_common(1)[0][0]]) for short, c in counts.items())


def _long_form(short: str, candidate: str) -> str | None:
    """Schwartz-Hearst: match SF's characters right to left inside the candidate."""
    s_index, l_index = len(short) - 1, len(candidate) - 1
    while s_index >= 0:
        ch = short[s_index].lower()
        if not ch.isalnum():
            s_index -= 1
            continue
        while l_index >= 0 and (
            candidate[l_index].lower() != ch
            or (s_index == 0 and l_index > 0 and candidate[l_index - 1].isalnum())
        ):
            l_index -= 1
        if l_index < 0:
            return None
        l_index -= 1
        s_index -= 1
    start = candidate.rfind(" ", 0, l_index + 1) + 1
    return candidate[start:].strip(" ,;:") or None


def _normal(long_form: str) -> str:
    """Case, hyphens and plural endings folded: "Plasma-exchanges" -> "plasma exchange"."""
    words = re.sub(r"[-\s]+", " ", long_form.lower()).split()
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words)


class Synonyms:
    """Groups of interchangeable terms; finds them in questions and expands questions.

    ``groups`` (built-in and curated) merge when they share a term. A learned
    definition joins a group only when its long form means what the group means: a
    corpus that defines "pulmonary embolism (PE)" takes "PE" out of a curated
    ("PE", "plasma exchange") group instead of merging the two meanings.
    """

    def __init__(self, groups: Iterable[Iterable[str]] = (), learned: Iterable[tuple[str, str]] = ()) -> None:
        self.groups: list[tuple[str, ...]] = []
        self._index: dict[str, int] = {}
        self._learned: list[tuple[str, str]] = []
        self._matcher: TermMatcher | None = None
        self._intent = {_key(t) for g in (*INTENTS, *LAY) for t in g}
        for group in groups:
            self.add(group)
        for short, long_form in learned:
            self.add_learned(short, long_form)

    @classmethod
    def for_corpus(cls, texts: Iterable[str], curated: Iterable[Iterable[str]] = ()) -> Synonyms:
        """Built-in groups, the corpus's ``curated`` groups (its lexicon), and the
        definitions learned from its ``texts``."""
        return cls([*BUILT_IN, *curated], learn_abbreviations(texts))

    def add(self, group: Iterable[str]) -> None:
        """Add a group, merging it into any group that shares a term."""
        terms = [t for t in dict.fromkeys(group) if t]
        hits = sorted({self._index[k] for t in terms if (k := _key(t)) in self._index})
        if hits:
            target = hits[0]
            merged = list(self.groups[target]) + terms
            for other in hits[1:]:
                merged += self.groups[other]
                self.groups[other] = ()
            self.groups[target] = tuple(dict.fromkeys(merged))
        else:
            target = len(self.groups)
            self.groups.append(tuple(terms))
        for term in self.groups[target]:
            self._index[_key(term)] = target
        self._matcher = None

    def add_learned(self, short: str, long_form: str) -> None:
        """Add a definition found in the corpus, keeping meanings apart (see the class)."""
        self._learned.append((short, long_form))
        own = self._index.get(_key(short))
        if own is not None and not _same_meaning(long_form, self.groups[own]):
            self._remove(short, own)  # the corpus uses this short form for something else
        self.add((short, long_form))

    def _remove(self, term: str, group: int) -> None:
        self.groups[group] = tuple(t for t in self.groups[group] if _key(t) != _key(term))
        del self._index[_key(term)]
        self._matcher = None

    @property
    def learned(self) -> tuple[tuple[str, str], ...]:
        """The (short, long) definitions learned from the corpus."""
        return tuple(self._learned)

    def terms(self) -> tuple[str, ...]:
        """Every term of the groups that name things, without the plain-language intent
        words ("help", "how common")."""
        return tuple(t for g in self.groups for t in g if _key(t) not in self._intent)

    @property
    def matcher(self) -> TermMatcher:
        """All terms of all groups, compiled once (rebuilt after a change)."""
        if self._matcher is None:
            self._matcher = TermMatcher((t for g in self.groups for t in g), _is_acronym)
        return self._matcher

    def matches(self, text: str) -> list[tuple[str, ...]]:
        """The groups with at least one term occurring in ``text``, in group order."""
        return self._groups_of(self.matcher.found_terms(text))

    def _groups_of(self, found: set[str]) -> list[tuple[str, ...]]:
        hit = sorted({self._index[_key(t)] for t in found if _key(t) in self._index})
        return [self.groups[i] for i in hit if self.groups[i]]

    def expand(self, text: str) -> str:
        """``text`` followed by a few missing synonyms of the terms it mentions
        (``added``)."""
        extra = self.added(text)
        return text if not extra else f"{text} ({'; '.join(extra)})"

    def added(self, text: str) -> list[str]:
        """The synonyms ``expand`` adds to ``text``: each group mentioned adds at most
        ``PER_GROUP`` terms it lacks (an abbreviation's long forms first, then the group's
        order), ``MAX_ADDED`` in all."""
        found = self.matcher.found_terms(text)
        occurring = {t.lower() for t in found}
        extra: list[str] = []
        for group in self._groups_of(found):
            missing = [t for t in group if t.lower() not in occurring]
            missing.sort(key=lambda t: _is_acronym(t))  # stable: long forms first
            extra += missing[:PER_GROUP]
        return list({t.lower(): t for t in reversed(extra)}.values())[::-1][:MAX_ADDED]


def _same_meaning(long_form: str, group: tuple[str, ...]) -> bool:
    """True when ``long_form`` is one of the group's long forms, spelling aside."""
    mine = _normal(long_form)
    return any(
        SequenceMatcher(None, mine, _normal(t)).ratio() >= SAME_MEANING for t in group if not _is_acronym(t)
    )


def _key(term: str) -> str:
    return term if _is_acronym(term) else term.lower()


def _is_acronym(term: str) -> bool:
    return len(term) <= 5 and sum(ch.isupper() for ch in term) >= 2
