"""Tests for evals.report: console summary, Markdown and JSON reports, the ablation table."""

from __future__ import annotations

import json
from pathlib import Path

from evals.cases import Gate, Threshold
from evals.grading import Report, by_category, by_split, check_gate, grade_case
from evals.report import (
    ablation_table,
    console_summary,
    gate_verdict,
    to_markdown,
    write_ablation,
    write_report,
)
from tests.evals.test_grading import ANSWERABLE, DOCS, OUT_OF_SCOPE, answer, citation

GATE = Gate(thresholds={"fact_recall": Threshold(min=0.9), "refusal_recall": Threshold(min=1.0)})


def make_report(retriever: str = "hybrid") -> Report:
    piped = ANSWERABLE.model_copy(update={"id": "piped", "question": "Is A | B true?"})
    results = (
        grade_case(ANSWERABLE, answer(citation()), DOCS, latency_ms=10.0),
        grade_case(piped, answer(), DOCS, latency_ms=20.0),
        grade_case(OUT_OF_SCOPE, answer(), DOCS, latency_ms=5.0),
    )
    splits = by_split(results)
    return Report(
        retriever=retriever,
        answerer="extractive",
        results=results,
        splits=splits,
        categories=by_category(results, ["factual", "out_of_scope"]),
        gated=True,
        failures=tuple(check_gate(splits, GATE)),
        index={"built_at": "2026-01-01T00:00:00+00:00", "corpus_sha256": "abc123"},
    )


def test_console_summary_has_a_row_per_category_and_metrics_per_split() -> None:
    text = console_summary(make_report())
    assert "| factual | 1/2 / 0/0 |" in text
    assert "| out_of_scope | 0/0 / 1/1 |" in text
    assert "| all | 1/2 / 1/1 |" in text
    assert "| metric | tune | heldout | all |" in text
    assert "| lead accuracy | 0.500 | 1.000 | 0.500 |" in text


def test_gate_verdict_names_failed_and_passed_thresholds_per_split() -> None:
    text = gate_verdict(make_report(), GATE)
    assert "FAILED" in text
    assert "FAIL fact_recall [tune] = 0.500, required >= 0.9" in text
    assert "ok   fact_recall [heldout] = 1.000 (>= 0.9)" in text
    assert "ok   refusal_recall [heldout] = 1.000 (>= 1)" in text


def test_markdown_has_a_row_per_case_with_missing_facts_and_sources() -> None:
    text = to_markdown(make_report())
    rows = [line for line in text.splitlines() if line.startswith("| share") or line.startswith("| piped")]
    assert len(rows) == 2
    assert "| pass |" in rows[0] and "doc-a" in rows[0]
    assert "FAIL: refused an answerable question" in rows[1]
    assert "Is A \\| B true?" in rows[1]  # a pipe in a question does not break the table
    assert "- fact_recall [tune] = 0.500, required >= 0.9" in text


def test_report_files_are_written_and_the_json_parses(tmp_path: Path) -> None:
    json_path, md_path = write_report(make_report(), tmp_path / "reports")
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["gate_passed"] is False
    assert [c["id"] for c in data["cases"]] == ["share", "piped", "france"]
    assert data["cases"][0]["cited_sources"] == ["doc-a"]
    assert md_path.read_text(encoding="utf-8").startswith("# citewise eval: hybrid + extractive")


def test_ablation_table_has_rows_per_run_and_split_and_marks_failures(tmp_path: Path) -> None:
    runs = [make_report("hybrid"), make_report("bm25")]
    table = ablation_table(runs, {"langchain": "TypeError: boom"})
    assert table.splitlines()[0].startswith("| run | split | fact recall | lead accuracy |")
    assert "| hybrid | tune | 0.500 |" in table and "| bm25 | heldout |" in table
    assert "| langchain | — | error |" in table
    md_path, json_path = write_ablation(runs, tmp_path, {"langchain": "TypeError: boom"})
    assert "langchain failed: TypeError: boom" in md_path.read_text(encoding="utf-8")
    assert [r["run"] for r in json.loads(json_path.read_text(encoding="utf-8"))["rows"]] == ["hybrid", "bm25"]
