"""Real PubMed abstracts as a corpus: the PubMedQA labelled development set.

``data/pubmedqa/pqal-dev.json`` holds 500 real abstracts on every kind of clinical topic,
each with a research question and its conclusion (PubMedQA, Jin et al. 2019, MIT
licence, see ``data/pubmedqa/LICENSE``). The conclusion is written back into the
abstract as its last section, so "did the answer quote the sentence that answers?" can
be checked. Titles are neutral ("PubMed abstract 12345678"): the questions are close to
the papers' real titles, and matching them would make the check mean little.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from evals.cases import Split

DATASET = Path(__file__).with_name("data") / "pubmedqa" / "pqal-dev.json"
CONCLUSION_SECTION = "Conclusions"
# A few items carry no year; the corpus format needs one, so they get this stand-in.
UNKNOWN_YEAR = 2000
# Every third question, per answer label, is held out (see ``assign_splits``).
HELDOUT_EVERY = 3


@dataclass(frozen=True, slots=True)
class Abstract:
    """One PubMedQA item: the abstract's labelled sections, its question and conclusion."""

    pmid: str
    question: str
    sections: tuple[tuple[str, str], ...]  # (label, text), conclusion excluded
    conclusion: str
    decision: str  # yes | no | maybe
    year: int

    @property
    def doc_id(self) -> str:
        """The corpus id of the abstract."""
        return f"pubmed-{self.pmid}"


def load_abstracts(path: Path = DATASET) -> list[Abstract]:
    """All items of the dataset file, in PMID order."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    items = []
    for pmid, item in sorted(raw.items()):
        sections = tuple(
            (label.strip().capitalize(), text.strip())
            for label, text in zip(item["LABELS"], item["CONTEXTS"], strict=True)
        )
        items.append(
            Abstract(
                pmid=pmid,
                question=item["QUESTION"].strip(),
                sections=sections,
                conclusion=item["LONG_ANSWER"].strip(),
                decision=item["final_decision"],
                year=int(item.get("YEAR") or UNKNOWN_YEAR),
            )
        )
    return items


@dataclass(frozen=True, slots=True)
class Question:
    """One question of the suite: its abstract, whether that abstract is indexed, its split."""

    abstract: Abstract
    in_corpus: bool
    split: Split

    @property
    def id(self) -> str:
        """``pmid`` for an indexed abstract, ``pmid-out`` for a left-out one."""
        return self.abstract.pmid if self.in_corpus else f"{self.abstract.pmid}-out"


def _shuffled(items: Iterable[Abstract], salt: str) -> list[Abstract]:
    """A fixed order that depends only on ``salt`` and the PMIDs."""
    return sorted(items, key=lambda a: hashlib.sha256(f"{salt}:{a.pmid}".encode()).hexdigest())


def assign_splits(items: Sequence[Abstract], *, salt: str = "citewise-split") -> dict[str, Split]:
    """A fixed tune/heldout split of the whole dataset: PMID -> split.

    Within each answer label (yes/no/maybe) the abstracts are put in a salted hash order
    and every third is held out, so a third of each label is held out. The split is a
    property of the PMID, whatever the corpus size: a question held out in the CI slice
    stays held out in the full benchmark, so nothing tuned on one leaks into the other.
    """
    splits: dict[str, Split] = {}
    for label in sorted({a.decision for a in items}):
        group = _shuffled((a for a in items if a.decision == label), salt)
        for position, abstract in enumerate(group):
            splits[abstract.pmid] = "heldout" if position % HELDOUT_EVERY == HELDOUT_EVERY - 1 else "tune"
    return splits


def make_questions(
    indexed: Sequence[Abstract], left_out: Sequence[Abstract], splits: Mapping[str, Split]
) -> list[Question]:
    """The suite's questions: those of the indexed abstracts, then those left out."""
    return [Question(a, True, splits[a.pmid]) for a in indexed] + [
        Question(a, False, splits[a.pmid]) for a in left_out
    ]


def calibration_questions(questions: Sequence[Question]) -> list[tuple[str, bool]]:
    """The tune questions as (question, in scope?) for ``evals.calibrate``: an indexed
    abstract's question is in scope, a left-out one's is not. Held-out ones never appear."""
    return [(q.abstract.question, q.in_corpus) for q in questions if q.split == "tune"]


def split_abstracts(
    items: Sequence[Abstract], *, indexed: int, left_out: int, salt: str = "citewise"
) -> tuple[list[Abstract], list[Abstract]]:
    """A fixed, shuffled choice of ``indexed`` abstracts for the corpus and ``left_out``
    others whose questions must be refused (the order depends only on ``salt``).

    Raises:
        ValueError: more abstracts asked for than the dataset holds.
    """
    if indexed + left_out > len(items):
        raise ValueError(f"asked for {indexed} + {left_out} abstracts; the dataset has {len(items)}")
    ordered = _shuffled(items, salt)
    return ordered[:indexed], ordered[indexed : indexed + left_out]


def markdown(abstract: Abstract) -> str:
    """The abstract as a corpus document: front matter, each labelled section, then the conclusion."""
    front = {
        "id": abstract.doc_id,
        "kind": "research",
        "title": f"PubMed abstract {abstract.pmid}",
        "authors": ["PubMedQA dataset"],
        "year": abstract.year,
        "pmid": abstract.pmid,
        "provenance": "abstract",
        "note": "Abstract from the PubMedQA labelled set (MIT licence); title replaced by a neutral one.",
    }
    head = "\n".join(f"{key}: {json.dumps(value)}" for key, value in front.items())
    body = "\n\n".join(f"## {label}\n\n{text}" for label, text in abstract.sections)
    return f"---\n{head}\n---\n{body}\n\n## {CONCLUSION_SECTION}\n\n{abstract.conclusion}\n"


def conclusion_span(text: str) -> tuple[int, int] | None:
    """Offsets of the Conclusions section's text in a document written by ``markdown``.

    It is the last section, so it runs from after its heading to the end of the text
    (trailing whitespace excluded). None when the document has no such section.
    """
    heading = f"## {CONCLUSION_SECTION}\n\n"
    at = text.rfind(heading)
    if at == -1:
        return None
    start, end = at + len(heading), len(text.rstrip())
    return (start, end) if start < end else None


def write_corpus(abstracts: Iterable[Abstract], directory: Path) -> Path:
    """Write one Markdown document per abstract under ``directory/research``; returns ``directory``.

    Abstract documents already there that are not among ``abstracts`` (from a run with
    other sizes) are removed, so the directory holds exactly this corpus.
    """
    target = directory / "research"
    target.mkdir(parents=True, exist_ok=True)
    wanted = {f"{abstract.doc_id}.md": markdown(abstract) for abstract in abstracts}
    for stale in target.glob("pubmed-*.md"):
        if stale.name not in wanted:
            stale.unlink()
    for name, text in wanted.items():
        (target / name).write_text(text, encoding="utf-8")
    return directory
