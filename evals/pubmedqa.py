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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

DATASET = Path(__file__).with_name("data") / "pubmedqa" / "pqal-dev.json"
CONCLUSION_SECTION = "Conclusions"
# A few items carry no year; the corpus format needs one, so they get this stand-in.
UNKNOWN_YEAR = 2000


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
    ordered = sorted(items, key=lambda a: hashlib.sha256(f"{salt}:{a.pmid}".encode()).hexdigest())
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


def write_corpus(abstracts: Iterable[Abstract], directory: Path) -> Path:
    """Write one Markdown document per abstract under ``directory/research``; returns ``directory``."""
    target = directory / "research"
    target.mkdir(parents=True, exist_ok=True)
    for abstract in abstracts:
        (target / f"{abstract.doc_id}.md").write_text(markdown(abstract), encoding="utf-8")
    return directory
