"""Tests for evals.check_cases: the bundled cases against the real corpus, and each rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evals.check_cases import (
    CASES_FILE,
    check_cases,
    corpus_sentences,
    count_table,
    expected_splits,
    main,
    read_cases,
)
from ingest import ConfigError

CORPUS = {
    "trial": [
        "The trial randomised 26 patients.",
        "Rituximab was given at 375 mg/m² as four weekly infusions.",
        "The primary outcome was not significant (p=0.096).",
    ],
    "cohort": [
        "Atypical forms occurred whatever the antibody titre.",
        "Tremor disabled 44% of patients.",
    ],
    "guideline": [
        "Every patient should be screened for a lymphoproliferative disorder.",
        "Cerebrospinal fluid analysis is not mandatory.",
        "Nerve biopsy is rarely needed.",
    ],
}


def case(**fields: Any) -> dict[str, Any]:
    """An answerable factual case that passes every rule; override fields per test."""
    base: dict[str, Any] = {
        "id": "trial-size",
        "category": "factual",
        "split": "tune",
        "question": "How many patients were randomised?",
        "required_facts": [[r"\b26 patients"]],
        "lead": [[r"\b26 patients"]],
        "topic": ["randomised"],
        "expected_sources": ["trial"],
    }
    return base | fields


def problems(*cases: dict[str, Any]) -> list[str]:
    return check_cases(list(cases), CORPUS).problems


def test_the_bundled_cases_pass_against_the_bundled_corpus(corpus_dir: Path) -> None:
    cases = read_cases(CASES_FILE)
    report = check_cases(cases, corpus_sentences(corpus_dir))
    assert report.problems == []
    assert len(cases) >= 100


def test_a_passing_case_has_no_problems() -> None:
    assert problems(case()) == []


def test_a_fact_no_corpus_sentence_states_is_a_problem() -> None:
    found = problems(case(required_facts=[[r"\b27 patients"]]))
    assert any("required fact 1" in p and "matches no sentence" in p for p in found)


def test_a_fact_stated_only_by_another_document_is_a_note_not_a_problem() -> None:
    report = check_cases([case(required_facts=[[r"whatever the antibody titre"]])], CORPUS)
    assert report.problems == []
    assert any("['cohort']" in n for n in report.notes)


def test_a_lead_fact_is_checked_like_a_required_fact() -> None:
    found = problems(case(lead=[["proven benefit"]]))
    assert any("lead fact 1" in p for p in found)


def test_facts_are_matched_within_one_sentence_not_across_sentences() -> None:
    found = problems(case(required_facts=[[r"26 patients.*375"]]))
    assert any("matches no sentence" in p for p in found)


def test_a_regex_that_does_not_compile_is_a_problem() -> None:
    found = problems(case(required_facts=[["(unclosed"]]))
    assert any("does not compile" in p for p in found)


def test_the_split_rule_holds_every_third_case_of_each_category_out() -> None:
    cases = [{"category": c} for c in ["factual"] * 4 + ["nuance"] * 3 + ["factual"] * 2]
    assert expected_splits(cases) == [
        "tune", "tune", "heldout", "tune",
        "tune", "tune", "heldout",
        "tune", "heldout",
    ]  # fmt: skip


def test_a_split_that_breaks_the_rule_is_a_problem() -> None:
    cases = [case(id=f"c{i}", split="tune") for i in range(3)]
    found = problems(*cases)
    assert found == ["c2: split is 'tune'; the rule gives 'heldout'"]


def test_a_refusal_case_with_facts_is_a_problem() -> None:
    refusal = case(category="neighbouring", expect_refusal=True, question="How is CMT inherited?")
    found = problems(refusal)
    assert any("refusal case cannot have" in p for p in found)


def test_an_answerable_case_without_lead_or_topic_is_a_problem() -> None:
    bare = case()
    del bare["lead"], bare["topic"]
    assert any("needs ['lead', 'topic']" in p for p in problems(bare))


def test_a_topic_that_covers_most_of_the_corpus_is_a_problem() -> None:
    found = problems(case(topic=["the"]))
    assert any("name the subject" in p for p in found)


def test_a_topic_regex_the_corpus_never_matches_is_a_problem() -> None:
    found = problems(case(topic=["randomised", "wheelchair"]))
    assert any("'wheelchair' matches no corpus sentence" in p for p in found)


def test_a_forbidden_pattern_that_a_corpus_sentence_contains_is_a_problem() -> None:
    found = problems(case(forbidden=["not significant"]))
    assert any("a verbatim quote would fail" in p for p in found)


def test_a_false_premise_needs_a_forbidden_pattern_its_question_matches() -> None:
    premise = case(
        category="false_premise",
        question="Since the trial was positive, why is rituximab not used?",
        required_facts=[["not significant"]],
        lead=[["not significant"]],
        topic=["primary outcome"],
    )
    assert any("forbidden pattern that its question matches" in p for p in problems(premise))
    assert problems(premise | {"forbidden": ["(?<!not )trial was positive"]}) == []


def test_unknown_sources_fields_and_duplicate_ids_are_problems() -> None:
    found = problems(case(expected_sources=["nowhere"], extra=1), case())
    assert any("['nowhere'] are not corpus ids" in p for p in found)
    assert any("unknown field(s) ['extra']" in p for p in found)
    assert any("id is used 2 times" in p for p in found)


def test_count_table_lists_every_category_by_split() -> None:
    table = count_table([case(), case(split="heldout"), case(category="synthesis")])
    assert "factual             1        1      2" in table
    assert "synthesis           1        0      1" in table
    assert table.splitlines()[-1].split() == ["all", "2", "1", "3"]


def test_the_command_exits_3_on_a_problem_and_2_on_an_unreadable_file(
    tmp_path: Path, corpus_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "cases.yaml"
    bad.write_text("cases:\n  - id: x\n    category: factual\n", encoding="utf-8")
    assert main(["--cases", str(bad), "--corpus", str(corpus_dir)]) == 3
    assert "problem: x:" in capsys.readouterr().out
    bad.write_text("cases: [", encoding="utf-8")
    assert main(["--cases", str(bad), "--corpus", str(corpus_dir)]) == 2
    assert "cannot read it as UTF-8 YAML" in capsys.readouterr().err


def test_read_cases_rejects_a_file_without_a_cases_list(tmp_path: Path) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text("- id: x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="top-level 'cases' list"):
        read_cases(path)
