"""Tests for evals.calibrate and assistant.calibration: the fit, its storage, a real probe,
and the `citewise calibrate` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.calibration import Calibration, load_calibration, save_calibration
from assistant.cli import main as cli
from evals.calibrate import Probe, errors_at, fit_threshold, probe
from evals.cases import CASES_FILE
from ingest import Settings, build_index


def make(support: float, in_scope: bool) -> Probe:
    return Probe("q", in_scope, support)


def test_errors_at_a_threshold_count_both_kinds() -> None:
    probes = [make(0.55, True), make(0.8, True), make(0.62, False), make(0.2, False)]
    assert errors_at(probes, 0.6) == (1, 1)
    assert errors_at(probes, 0.5) == (0, 1)


def test_separable_groups_are_split_in_the_middle_of_the_gap() -> None:
    threshold = fit_threshold([make(0.7, True), make(0.9, True), make(0.3, False), make(0.5, False)])
    assert threshold == pytest.approx(0.6)


def test_an_answered_out_of_scope_question_costs_more_than_a_refused_in_scope_one() -> None:
    # 0.875 refuses the in-scope 0.8 (cost 1); 0.825 would answer the out-of-scope 0.85 (cost 2).
    probes = [make(0.9, True), make(0.8, True), make(0.6, False), make(0.85, False)]
    assert fit_threshold(probes) == pytest.approx(0.875)


def test_fitting_needs_questions() -> None:
    with pytest.raises(ValueError):
        fit_threshold([])


def test_a_stored_calibration_is_read_back_and_knows_its_corpus(tmp_path: Path) -> None:
    saved = Calibration(min_support=0.61, corpus_sha256="abc", fitted_on="3 tune cases")
    save_calibration(tmp_path, saved)
    loaded = load_calibration(tmp_path)
    assert loaded.min_support == 0.61 and loaded.created_at
    assert loaded.stale_for("def") and not loaded.stale_for("abc")


def test_no_or_a_broken_calibration_falls_back_to_the_default(tmp_path: Path) -> None:
    assert load_calibration(tmp_path).is_default
    (tmp_path / "calibration.json").write_text("{not json", encoding="utf-8")
    assert load_calibration(tmp_path).is_default


def test_a_clear_pair_is_separated_by_the_default_threshold(assistant) -> None:
    answerer = ExtractiveAnswerer(assistant.kb, min_support=0.0)
    inside = probe(assistant, answerer, "How many patients were in the Dalakas 2009 rituximab trial?", True)
    outside = probe(assistant, answerer, "What is the capital of France?", False)
    assert inside.support > assistant.kb.calibration.min_support > outside.support


@pytest.mark.slow
def test_calibrate_stores_the_fit_and_ask_warns_once_the_corpus_changes(
    small_corpus: Path, tmp_path: Path, embedder
) -> None:
    settings = Settings(home=tmp_path / "home")
    build_index(settings, small_corpus, embedder=embedder)
    cases = tmp_path / "cases.yaml"
    cases.write_text(yaml.safe_dump({"cases": _zorbel_cases()}), encoding="utf-8")
    env = {"CITEWISE_HOME": str(settings.home)}
    result = CliRunner().invoke(cli, ["calibrate", "--cases", str(cases)], env=env)
    assert result.exit_code == 0, result.output
    stored = json.loads((settings.index_dir / "calibration.json").read_text(encoding="utf-8"))
    assert stored["fitted_on"] == "3 tune cases" and stored["corpus_sha256"]
    answer = CliRunner().invoke(cli, ["ask", "--json", "What dose of quintomab was given?"], env=env)
    assert json.loads(answer.output)["warnings"] == []
    extra = small_corpus / "research" / "test-trial.md"
    extra.write_text(
        extra.read_text(encoding="utf-8") + "\nQuintomab was well tolerated.\n", encoding="utf-8"
    )
    build_index(settings, small_corpus, embedder=embedder)
    answer = CliRunner().invoke(cli, ["ask", "--json", "What dose of quintomab was given?"], env=env)
    assert any("calibrate" in w for w in json.loads(answer.output)["warnings"])


def test_the_bundled_cases_name_only_tune_questions_for_calibration() -> None:
    from evals.calibrate import case_questions
    from evals.cases import load_cases

    cases = load_cases(CASES_FILE)
    chosen = {q for q, _ in case_questions(cases)}
    assert chosen and not chosen & {c.question for c in cases if c.split == "heldout"}


def _zorbel_cases() -> list[dict]:
    def answerable(id: str, question: str, fact: str, source: str) -> dict:
        return {
            "id": id,
            "category": "factual",
            "split": "tune",
            "question": question,
            "required_facts": [[fact]],
            "lead": [[fact]],
            "topic": [fact],
            "expected_sources": [source],
        }

    return [
        answerable("dose", "What dose of quintomab was given?", "200 mg", "test-trial"),
        answerable("flarn", "What should be measured in Zorbel syndrome?", "flarn", "test-guideline"),
        {
            "id": "france",
            "category": "out_of_scope",
            "split": "tune",
            "question": "What is the capital of France?",
            "expect_refusal": True,
        },
        {
            "id": "held",
            "category": "out_of_scope",
            "split": "heldout",
            "question": "Who wrote Hamlet?",
            "expect_refusal": True,
        },
    ]
