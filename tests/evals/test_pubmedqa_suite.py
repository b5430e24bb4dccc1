"""The real ``citewise eval --suite pubmedqa`` on a tiny slice: 12 abstracts indexed, 6 left out.

The three runs share one working directory, so the corpus is embedded once. The
controls show that the figures come from the answers: a system that refuses everything
and one that answers everything must both fail the gate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from assistant.cli import main as cli
from evals.pubmedqa_metrics import QuestionResult, summarise_splits
from evals.pubmedqa_suite import MARKER
from tests.evals.conftest import CLEAN_ENV

pytestmark = pytest.mark.slow

SLICE = ("--indexed", "12", "--left-out", "6")


def run_suite(workdir: Path, reports: Path, *args: str) -> tuple[Result, dict[str, Any]]:
    """Run the real CLI on the tiny slice; the exit and the JSON report."""
    result = CliRunner().invoke(
        cli,
        ["eval", "--suite", "pubmedqa", *SLICE, "--workdir", str(workdir), "--reports", str(reports), *args],
        env=CLEAN_ENV,
    )
    path = reports / "pubmedqa-12-6.json"
    return result, json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pubmedqa-work")


@pytest.fixture(scope="module")
def real_run(workdir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, dict[str, Any]]:
    """The configured system and the LangChain baseline (ingests the slice)."""
    return run_suite(workdir, tmp_path_factory.mktemp("reports"))


def recomputed(run: dict[str, Any]) -> dict[str, Any]:
    """The summaries, computed again from the per-question results of the report."""
    results = [QuestionResult(**{**r, "sources": tuple(r["sources"])}) for r in run["results"]]
    return summarise_splits(results)


def test_the_report_has_both_systems_every_question_and_both_splits(real_run) -> None:
    result, data = real_run
    assert result.exit_code in (0, 3), result.output
    assert [(r["retriever"], r["gated"]) for r in data["runs"]] == [("hybrid", True), ("langchain", False)]
    for run in data["runs"]:
        in_corpus = [r for r in run["results"] if r["in_corpus"]]
        assert (len(in_corpus), len(run["results"])) == (12, 18)
        assert {r["split"] for r in run["results"]} == {"tune", "heldout"}
        assert set(run["summaries"]) == {"tune", "heldout", "all"}
        assert all(r["latency_ms"] > 0 for r in run["results"])
    for split in ("tune", "heldout"):
        assert f"| hybrid + extractive | {split} |" in result.output
        assert f"| langchain + extractive (baseline) | {split} |" in result.output


def test_the_refusal_threshold_is_fitted_on_the_tune_questions_only(real_run) -> None:
    _, data = real_run
    tune = data["questions"]["tune"]
    assert (
        data["calibration"]["fitted_on"] == f"{tune['in_corpus'] + tune['left_out']} pubmedqa tune questions"
    )


def test_the_figures_are_computed_from_the_answers(real_run) -> None:
    _, data = real_run
    for run in data["runs"]:
        assert recomputed(run) == run["summaries"]


def test_the_exit_code_is_the_gates_verdict(real_run) -> None:
    result, data = real_run
    assert data["passed"] == (result.exit_code == 0) == (not data["failures"])
    assert ("PASSED" in result.output) == data["passed"]


def test_every_quote_is_verbatim_at_its_offsets(real_run) -> None:
    _, data = real_run
    for run in data["runs"]:
        assert run["summaries"]["all"]["quote_validity"] == 1.0


def test_a_system_that_always_refuses_fails_the_gate(workdir: Path, tmp_path: Path) -> None:
    result, data = run_suite(
        workdir, tmp_path, "--control", "always-refuse", "--no-baseline", "--no-calibrate"
    )
    assert result.exit_code == 3, result.output
    assert data["calibration"] is None and "not calibrated" in result.output
    assert "FAIL cited (tune)" in result.output and "FAIL cited (heldout)" in result.output
    (run,) = data["runs"]
    assert run["answerer"] == "always-refuse"
    assert run["summaries"]["all"]["left_out_refusal"] == 1.0
    assert run["summaries"]["all"]["wrong_refusal"] == 1.0


def test_a_system_that_always_answers_fails_the_gate(workdir: Path, tmp_path: Path) -> None:
    result, data = run_suite(workdir, tmp_path, "--control", "always-answer", "--no-baseline")
    assert result.exit_code == 3, result.output
    assert "FAIL left_out_refusal (tune)" in result.output
    (run,) = data["runs"]
    assert not any(r["refused"] for r in run["results"])
    assert run["summaries"]["all"]["left_out_refusal"] == 0.0
    assert run["summaries"]["all"]["quote_validity"] == 1.0


def test_a_directory_the_suite_did_not_make_is_left_alone(tmp_path: Path) -> None:
    foreign = tmp_path / "my-index"
    foreign.mkdir()
    (foreign / "index").mkdir()
    result, _ = run_suite(foreign, tmp_path / "reports")
    assert result.exit_code == 2
    assert "was not made by the pubmedqa suite" in result.output
    assert not (foreign / MARKER).exists()


def test_more_abstracts_than_the_dataset_holds_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["eval", "--suite", "pubmedqa", "--indexed", "480", "--left-out", "40"], env=CLEAN_ENV
    )
    assert result.exit_code == 2
    assert "the dataset has 500" in result.output


def test_options_of_the_other_suite_are_refused() -> None:
    result = CliRunner().invoke(cli, ["eval", "--suite", "pubmedqa", "--ablation"], env=CLEAN_ENV)
    assert result.exit_code == 2 and "--ablation cannot be used with --suite pubmedqa" in result.output
    result = CliRunner().invoke(cli, ["eval", "--indexed", "10"], env=CLEAN_ENV)
    assert result.exit_code == 2 and "--indexed cannot be used with --suite anti-mag" in result.output
