"""Medical abbreviations and synonyms, curated and learned from the corpus.

Learning follows Schwartz & Hearst (2003), "A simple algorithm for identifying
abbreviation definitions in biomedical text": for "long form (SF)" the long form is the
shortest run of preceding words whose characters contain SF's letters in order, the
first letter of SF starting a word. https://psb.stanford.edu/psb-online/proceedings/psb03/schwartz.pdf
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Each group lists interchangeable terms. Short, all-caps forms match case-sensitively.
CURATED: tuple[tuple[str, ...], ...] = (
    ("MAG", "myelin-associated glycoprotein", "myelin associated glycoprotein"),
    ("MGUS", "monoclonal gammopathy of undetermined significance"),
    ("IgM", "immunoglobulin M"),
    ("IVIg", "IVIG", "intravenous immunoglobulin", "intravenous immunoglobulins", "immunoglobulin therapy"),
    ("PLEX", "PE", "plasma exchange", "plasmapheresis"),
    ("RTX", "rituximab", "anti-CD20"),
    (
        "CIDP",
        "chronic inflammatory demyelinating polyneuropathy",
        "chronic inflammatory demyelinating polyradiculoneuropathy",
    ),
    (
        "WM",
        "Waldenström macroglobulinaemia",
        "Waldenström's macroglobulinaemia",
        "Waldenstrom macroglobulinemia",
    ),
    ("ELISA", "EIA", "enzyme-linked immunosorbent assay"),
    ("EMG", "electromyography"),
    ("NCS", "nerve conduction studies", "nerve conduction"),
    ("HNK-1", "HNK1", "CD57"),
    ("DADS", "distal acquired demyelinating symmetric"),
    (
        "RCT",
        "randomised controlled trial",
        "randomized controlled trial",
        "randomized trial",
        "randomised trial",
    ),
    ("BTU", "Bühlmann titre units", "Buhlmann titer units"),
    ("CSF", "cerebrospinal fluid"),
    ("PNS", "Peripheral Nerve Society"),
    ("EFNS", "European Federation of Neurological Societies"),
    ("titre", "titer"),
    ("titres", "titers"),
    ("haematological", "hematological"),
    ("macroglobulinaemia", "macroglobulinemia"),
    ("randomised", "randomized"),
    ("paraproteinaemic", "paraproteinemic"),
    ("anaemia", "anemia"),
)

# Plain-language question words mapped to the words papers use for the same idea, so
# "does X help?" also finds "X improved disability" and "how common" finds "half of".
INTENTS: tuple[tuple[str, ...], ...] = (
    (
        "help",
        "helps",
        "work",
        "works",
        "benefit",
        "improve",
        "improved",
        "improvement",
        "effective",
        "efficacy",
        "response",
    ),
    (
        "how common",
        "how frequent",
        "how often",
        "prevalence",
        "proportion",
        "frequency",
        "percentage",
        "half of",
    ),
    ("prognosis", "outlook", "long-term outcome", "disability", "course"),
    ("side effects", "adverse events", "harms", "safety", "toxicity"),
    (
        "features",
        "characteristics",
        "characterized",
        "characterised",
        "presentation",
        "phenotype",
        "clinical picture",
    ),
    ("evidence-based", "evidence base", "good practice points", "trial evidence"),
    ("primary outcome", "primary end point", "primary endpoint"),
)

_DEFINITION = re.compile(r"\(([A-Za-z][A-Za-z0-9-]{1,9})\)")


def learn_abbreviations(texts: Iterable[str]) -> list[tuple[str, str]]:
    """Find "long form (SF)" definitions in ``texts``; returns (short, long) pairs."""
    pairs: dict[str, str] = {}
    for text in texts:
        for match in _DEFINITION.finditer(text):
            short = match.group(1)
            if not any(ch.isupper() for ch in short) or not short[0].isalnum():
                continue
            words = text[: match.start()].rstrip().split()
            window = words[-min(len(short) + 5, 2 * len(short)) :]
            long_form = _long_form(short, " ".join(window))
            if long_form and long_form.lower() != short.lower():
                pairs.setdefault(short, long_form)
    return sorted(pairs.items())


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


class Synonyms:
    """Groups of interchangeable terms; expands questions for retrieval."""

    def __init__(self, groups: Iterable[Iterable[str]]) -> None:
        self.groups: list[tuple[str, ...]] = []
        self._index: dict[str, int] = {}
        for group in groups:
            self.add(group)

    @classmethod
    def for_corpus(cls, texts: Iterable[str]) -> Synonyms:
        """Curated groups merged with definitions learned from the corpus."""
        synonyms = cls(CURATED + INTENTS)
        for short, long_form in learn_abbreviations(texts):
            synonyms.add((short, long_form))
        return synonyms

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

    def terms(self) -> tuple[str, ...]:
        """Every term of the groups that name things (curated and learned), without the
        plain-language intent words ("help", "how common")."""
        intent = {_key(t) for g in INTENTS for t in g}
        return tuple(t for g in self.groups for t in g if _key(t) not in intent)

    def matches(self, text: str) -> list[tuple[str, ...]]:
        """The groups with at least one term occurring in ``text``."""
        return [g for g in self.groups if g and any(_occurs(t, text) for t in g)]

    def expand(self, text: str) -> str:
        """``text`` followed by the missing synonyms of every term it mentions."""
        extra = [t for g in self.matches(text) for t in g if not _occurs(t, text)]
        extra = list({t.lower(): t for t in reversed(extra)}.values())[::-1]
        return text if not extra else f"{text} ({'; '.join(extra)})"


def _key(term: str) -> str:
    return term if _is_acronym(term) else term.lower()


def _is_acronym(term: str) -> bool:
    return len(term) <= 5 and sum(ch.isupper() for ch in term) >= 2


def _occurs(term: str, text: str) -> bool:
    flags = 0 if _is_acronym(term) else re.IGNORECASE
    return re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", text, flags) is not None
