"""Tests for evals.cases: the bundled cases and gate, and validation messages."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from evals.cases import CATEGORIES, Threshold, check_sources, load_cases, load_gate
from ingest import ConfigError, load_corpus

GOOD_CASE = """
  - id: {id}
    category: factual
    split: tune
    question: What proportion have anti-MAG antibodies?
    required_facts: [['\\bhalf\\b']]
    lead: [['\\bhalf\\b']]
    topic: ['anti-MAG']
    expected_sources: [seed-droracle-guidelines]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cases.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_cases_load_with_at_least_45_across_every_category() -> None:
    cases = load_cases()
    counts = Counter(c.category for c in cases)
    assert len(cases) >= 45
    assert set(counts) == set(CATEGORIES)
    assert min(counts.values()) >= 5, counts


def test_bundled_cases_name_only_corpus_documents(corpus_dir: Path) -> None:
    known = {doc.id for doc in load_corpus(corpus_dir)}
    check_sources(load_cases(), known)


def test_every_required_fact_of_the_bundled_cases_is_stated_in_its_expected_sources(corpus_dir: Path) -> None:
    """A fact nobody could quote from the expected documents would make the case unpassable."""
    texts = {doc.id: doc.text for doc in load_corpus(corpus_dir)}
    for case in load_cases():
        corpus = "\n".join(texts[s] for s in case.expected_sources)
        for alternatives in case.required_facts:
            assert any(re.search(p, corpus, re.IGNORECASE) for p in alternatives), (case.id, alternatives)


def test_refusal_cases_expect_refusal_and_nothing_else() -> None:
    for case in load_cases():
        assert case.expect_refusal == (case.category in ("out_of_scope", "neighbouring"))
        if case.expect_refusal:
            assert not (case.required_facts or case.lead or case.topic or case.expected_sources)


def test_a_bad_regex_is_reported_with_the_case_id(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cases:" + GOOD_CASE.format(id="fine") + GOOD_CASE.format(id="broken").replace("half", "(half"),
    )
    with pytest.raises(ConfigError) as err:
        load_cases(path)
    message = str(err.value)
    assert "case 'broken' (#2)" in message
    assert "required_facts" in message and "invalid regex" in message
    assert str(path) in message


def test_an_unknown_key_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "cases:" + GOOD_CASE.format(id="typo") + "    expected_source: [x]\n")
    with pytest.raises(
        ConfigError, match=r"case 'typo' \(#1\), expected_source: Extra inputs are not permitted"
    ):
        load_cases(path)


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "cases:" + GOOD_CASE.format(id="same") + GOOD_CASE.format(id="same"))
    with pytest.raises(ConfigError, match="'same' is used twice"):
        load_cases(path)


def test_a_refusal_case_cannot_require_facts(tmp_path: Path) -> None:
    text = (
        "cases:"
        + GOOD_CASE.format(id="mixed").replace("factual", "out_of_scope")
        + "    expect_refusal: true\n"
    )
    with pytest.raises(ConfigError, match="case 'mixed'.*cannot have required_facts, lead, topic"):
        load_cases(write(tmp_path, text))


def test_an_answerable_case_needs_facts_and_sources(tmp_path: Path) -> None:
    text = "cases:\n  - id: empty\n    category: nuance\n    split: tune\n    question: Is it proven?\n"
    with pytest.raises(
        ConfigError, match="case 'empty'.*needs required_facts, lead, topic and expected_sources"
    ):
        load_cases(write(tmp_path, text))


def test_an_unknown_category_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="case 'odd'.*category"):
        load_cases(write(tmp_path, "cases:" + GOOD_CASE.format(id="odd").replace("factual", "trivia")))


def test_a_file_that_is_not_yaml_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read it as UTF-8 YAML"):
        load_cases(write(tmp_path, "cases: [unclosed"))


def test_an_unknown_expected_source_names_the_case() -> None:
    cases = load_cases()
    with pytest.raises(ConfigError, match=rf"case '{cases[0].id}': expected source .* is not in the index"):
        check_sources(cases[:1], set())


def test_the_bundled_gate_keeps_the_soundness_thresholds_absolute() -> None:
    gate = load_gate()
    for split in ("tune", "heldout"):
        for name in ("citation_validity", "quote_faithfulness", "offset_exactness", "statement_faithfulness"):
            assert gate.thresholds[name].bound(split).min == 1.0, name
        assert gate.thresholds["forbidden_rate"].bound(split).max == 0.0
    for name in ("lead_accuracy", "claim_precision", "budget_compliance", "neighbouring_refusal"):
        assert name in gate.thresholds
    assert set(gate.budgets) >= {"factual", "nuance", "paraphrase", "false_premise", "synthesis"}


def test_a_gate_threshold_needs_a_bound(tmp_path: Path) -> None:
    path = tmp_path / "gate.yaml"
    path.write_text("thresholds:\n  fact_recall: {}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="thresholds.fact_recall.*needs min or max"):
        load_gate(path)


def test_every_case_has_a_split_and_a_third_is_held_out_in_every_category() -> None:
    cases = load_cases()
    for category in CATEGORIES:
        group = [c for c in cases if c.category == category]
        held = sum(c.split == "heldout" for c in group)
        assert group and abs(held - len(group) / 3) <= 1, (category, held, len(group))


@pytest.mark.parametrize(
    ("threshold", "value", "allowed"),
    [(Threshold(min=0.9), 0.9, True), (Threshold(min=0.9), 0.89, False), (Threshold(max=0.0), 0.01, False)],
)
def test_threshold_bounds(threshold: Threshold, value: float, allowed: bool) -> None:
    assert threshold.allows(value) is allowed
