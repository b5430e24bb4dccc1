"""Check the eval cases against the corpus text: no model, no index, no answerer.

A case is only as honest as its regexes. This checker reads ``evals/cases.yaml`` and the
corpus and reports every case that

- has a regex that does not compile, a missing or unknown field, or an unknown source;
- breaks the split rule (within each category, in file order, every third case is
  held out) or the refusal rules (refusal cases carry no facts, lead, topic or sources);
- needs a fact (a ``required_facts`` or ``lead`` alternative set) that no sentence of the
  corpus states: a fact must match a sentence of an expected source, or, for a fact
  that another document states, a sentence of some corpus document (reported);
- names a ``topic`` regex that no corpus sentence matches, or a topic so broad that
  most of the corpus is "on topic" for it (claim precision would then mean nothing);
- forbids a pattern that a corpus sentence contains, so an answer quoting the corpus
  verbatim would be marked wrong (answerable cases only).

Sentences are cut with the chunker's own splitter, the unit an answer quotes. Matching
is case-insensitive, as in the eval. Run ``python -m evals.check_cases``; exit 0 when
every case passes, 3 when some fail, 2 when a file cannot be read.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ingest import CitewiseError, ConfigError, load_corpus, split_sentences
from ingest.chunking import split_sections

CASES_FILE = Path(__file__).with_name("cases.yaml")
CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus"

CATEGORIES = ("factual", "nuance", "paraphrase", "out_of_scope", "neighbouring", "false_premise", "synthesis")
REFUSAL_CATEGORIES = ("out_of_scope", "neighbouring")
FIELDS = {
    "id", "category", "split", "question", "expect_refusal", "required_facts",
    "lead", "topic", "forbidden", "expected_sources", "note",
}  # fmt: skip
HELDOUT_EVERY = 3
# A topic (with the case's fact regexes) that matches more than this share of all corpus
# sentences does not separate on-topic claims from the rest.
MAX_TOPIC_SHARE = 0.35

Sentences = Mapping[str, Sequence[str]]


@dataclass
class Report:
    """What the checker found: problems fail a case, notes only inform."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    topic_shares: dict[str, float] = field(default_factory=dict)


def corpus_sentences(root: Path) -> dict[str, list[str]]:
    """Every document's sentences (section by section, headings left out), by source id."""
    out: dict[str, list[str]] = {}
    for doc in load_corpus(root):
        text = doc.text
        out[doc.id] = [
            text[s:e] for _, start, end in split_sections(text) for s, e in split_sentences(text, start, end)
        ]
    return out


def expected_splits(cases: Sequence[Mapping[str, Any]]) -> list[str]:
    """The split the rule gives each case: the 3rd, 6th, 9th ... of each category is held out."""
    seen: Counter[str] = Counter()
    splits = []
    for case in cases:
        seen[case.get("category", "")] += 1
        splits.append("heldout" if seen[case.get("category", "")] % HELDOUT_EVERY == 0 else "tune")
    return splits


def _compiles(patterns: Sequence[str], where: str, report: Report) -> bool:
    ok = True
    for pattern in patterns:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as exc:
            report.problems.append(f"{where}: regex {pattern!r} does not compile: {exc}")
            ok = False
    return ok


def _is_regex(pattern: object) -> bool:
    try:
        re.compile(pattern)  # type: ignore[call-overload]
    except (re.error, TypeError):
        return False
    return True


def _matches(alternatives: Sequence[str], sentence: str) -> bool:
    return any(re.search(p, sentence, re.IGNORECASE) for p in alternatives)


def _check_fact(
    case_id: str, label: str, alts: Sequence[str], sources: Sequence[str], corpus: Sentences, report: Report
) -> None:
    """A fact must be stated by an expected source, or else by some corpus document."""
    if not alts:
        report.problems.append(f"{case_id}: {label} has no regex alternative")
        return
    if not _compiles(alts, f"{case_id}: {label}", report):
        return
    for pattern in alts:
        if not any(re.search(pattern, s, re.IGNORECASE) for sents in corpus.values() for s in sents):
            report.notes.append(f"{case_id}: {label} alternative {pattern!r} matches no corpus sentence")
    if any(_matches(alts, s) for doc in sources for s in corpus.get(doc, ())):
        return
    others = sorted(doc for doc, sents in corpus.items() if any(_matches(alts, s) for s in sents))
    if others:
        report.notes.append(f"{case_id}: {label} {list(alts)} is stated by {others}, not an expected source")
    else:
        report.problems.append(f"{case_id}: {label} {list(alts)} matches no sentence of the corpus")


def _echoes_premise(case: Mapping[str, Any]) -> bool:
    """True when some forbidden pattern matches the question: it catches the premise stated as fact."""
    question = str(case.get("question", ""))
    patterns = [p for p in case.get("forbidden", []) if _is_regex(p)]  # bad ones: _check_forbidden
    return any(re.search(p, question, re.IGNORECASE) for p in patterns)


def _check_shape(case: Mapping[str, Any], split: str, corpus: Sentences, report: Report) -> str:
    """Fields, category, split and refusal consistency; returns the case id for messages."""
    case_id = str(case.get("id", "<no id>"))
    if unknown := sorted(set(case) - FIELDS):
        report.problems.append(f"{case_id}: unknown field(s) {unknown}")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", case_id):
        report.problems.append(f"{case_id}: id must be a lowercase slug")
    if not str(case.get("question", "")).strip():
        report.problems.append(f"{case_id}: question is empty")
    category = case.get("category")
    if category not in CATEGORIES:
        report.problems.append(f"{case_id}: category {category!r} is not one of {list(CATEGORIES)}")
    if case.get("split") != split:
        report.problems.append(f"{case_id}: split is {case.get('split')!r}; the rule gives {split!r}")
    refusal = category in REFUSAL_CATEGORIES
    if bool(case.get("expect_refusal", False)) != refusal:
        report.problems.append(
            f"{case_id}: expect_refusal must be true exactly for {list(REFUSAL_CATEGORIES)}"
        )
    answer_fields = ("required_facts", "lead", "topic", "expected_sources")
    present = [f for f in answer_fields if case.get(f)]
    if refusal and present:
        report.problems.append(f"{case_id}: a refusal case cannot have {present}")
    if not refusal and (missing := [f for f in answer_fields if not case.get(f)]):
        report.problems.append(f"{case_id}: an answerable case needs {missing}")
    if category == "false_premise" and not _echoes_premise(case):
        report.problems.append(
            f"{case_id}: a false-premise case needs a forbidden pattern that its question matches"
        )
    if unknown_sources := [s for s in case.get("expected_sources", []) if s not in corpus]:
        report.problems.append(f"{case_id}: expected source(s) {unknown_sources} are not corpus ids")
    return case_id


def _check_topic(case_id: str, case: Mapping[str, Any], corpus: Sentences, report: Report) -> None:
    """Each topic regex names something the corpus says; together they stay selective."""
    topic = list(case.get("topic", []))
    if not topic or not _compiles(topic, f"{case_id}: topic", report):
        return
    everything = [s for sents in corpus.values() for s in sents]
    for pattern in topic:
        if not any(re.search(pattern, s, re.IGNORECASE) for s in everything):
            report.problems.append(f"{case_id}: topic regex {pattern!r} matches no corpus sentence")
    facts = [p for alts in case.get("required_facts", []) for p in alts if _is_regex(p)]
    on_topic = sum(_matches(topic + facts, s) for s in everything)
    share = on_topic / len(everything) if everything else 0.0
    report.topic_shares[case_id] = share
    if share > MAX_TOPIC_SHARE:
        report.problems.append(
            f"{case_id}: topic and facts match {share:.0%} of corpus sentences (max {MAX_TOPIC_SHARE:.0%}); "
            "name the subject the question asks about"
        )


def _check_forbidden(case_id: str, case: Mapping[str, Any], corpus: Sentences, report: Report) -> None:
    """Forbidden patterns compile and, for answerable cases, no corpus sentence contains them."""
    forbidden = list(case.get("forbidden", []))
    if not _compiles(forbidden, f"{case_id}: forbidden", report) or case.get("expect_refusal"):
        return
    for pattern in forbidden:
        hits = [
            doc for doc, sents in corpus.items() if any(re.search(pattern, s, re.IGNORECASE) for s in sents)
        ]
        if hits:
            report.problems.append(
                f"{case_id}: forbidden {pattern!r} occurs in {hits}; a verbatim quote would fail the case"
            )


def check_cases(cases: Sequence[Mapping[str, Any]], corpus: Sentences) -> Report:
    """Check every case against the corpus sentences; pure over plain data."""
    report = Report()
    ids = Counter(str(c.get("id")) for c in cases)
    report.problems.extend(f"{i}: id is used {n} times" for i, n in ids.items() if n > 1)
    for case, split in zip(cases, expected_splits(cases), strict=True):
        case_id = _check_shape(case, split, corpus, report)
        sources = list(case.get("expected_sources", []))
        for n, alts in enumerate(case.get("required_facts", []), 1):
            _check_fact(case_id, f"required fact {n}", alts, sources, corpus, report)
        for n, alts in enumerate(case.get("lead", []), 1):
            _check_fact(case_id, f"lead fact {n}", alts, sources, corpus, report)
        _check_topic(case_id, case, corpus, report)
        _check_forbidden(case_id, case, corpus, report)
    return report


def count_table(cases: Sequence[Mapping[str, Any]]) -> str:
    """Cases per category and split, as a small text table."""
    counts = Counter((c.get("category"), c.get("split")) for c in cases)
    lines = [f"{'category':<15}{'tune':>6}{'heldout':>9}{'total':>7}"]
    for cat in CATEGORIES:
        tune, held = counts[(cat, "tune")], counts[(cat, "heldout")]
        lines.append(f"{cat:<15}{tune:>6}{held:>9}{tune + held:>7}")
    tune = sum(n for (_, s), n in counts.items() if s == "tune")
    held = sum(n for (_, s), n in counts.items() if s == "heldout")
    lines.append(f"{'all':<15}{tune:>6}{held:>9}{len(cases):>7}")
    return "\n".join(lines)


def read_cases(path: Path) -> list[dict[str, Any]]:
    """The ``cases`` list of a cases file.

    Raises:
        ConfigError: the file is missing, not YAML, or has no ``cases`` list.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(
            f"{path}: cannot read it as UTF-8 YAML: {exc}; pass --cases with a cases file"
        ) from exc
    cases = raw.get("cases") if isinstance(raw, dict) else None
    if not isinstance(cases, list) or not all(isinstance(c, dict) for c in cases):
        raise ConfigError(f"{path}: expected a top-level 'cases' list of mappings")
    return cases


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: check the cases, print the counts and every problem."""
    parser = argparse.ArgumentParser(prog="python -m evals.check_cases", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=Path, default=CASES_FILE, help="cases YAML (default: %(default)s)")
    parser.add_argument(
        "--corpus", type=Path, default=CORPUS_DIR, help="corpus folder (default: %(default)s)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="also print notes and topic shares")
    args = parser.parse_args(argv)
    try:
        cases, corpus = read_cases(args.cases), corpus_sentences(args.corpus)
    except CitewiseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report = check_cases(cases, corpus)
    print(count_table(cases))
    lines = [f"problem: {p}" for p in report.problems]
    if args.verbose:
        lines += [f"note: {n}" for n in report.notes]
        shares = sorted(report.topic_shares.items(), key=lambda kv: -kv[1])
        lines += [f"topic share {share:5.1%}  {case_id}" for case_id, share in shares]
    for line in lines:
        print(line)
    print(f"{len(cases)} cases, {len(report.problems)} problem(s), {len(report.notes)} note(s)")
    return 3 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
