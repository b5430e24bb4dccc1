"""Tests for the PubMedQA suite's metrics, gate and report, on plain answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Answer, Citation
from evals.pubmedqa import Abstract, Question, markdown
from evals.pubmedqa_gate import GATE_FILE, check_gate, load_gate
from evals.pubmedqa_metrics import METRIC_NAMES, QuestionResult, grade, summarise, summarise_splits
from evals.pubmedqa_report import readme_table, side_by_side, verdict
from evals.pubmedqa_suite import SuiteReport, SystemRun
from ingest import ConfigError

OWN = Abstract(
    pmid="111",
    question="Does walking help?",
    sections=(("Methods", "We counted steps."), ("Results", "Walkers slept better.")),
    conclusion="Walking helps sleep.",
    decision="yes",
    year=2010,
)
OTHER = Abstract(
    pmid="222",
    question="Does coffee harm?",
    sections=(("Results", "Drinkers slept worse."),),
    conclusion="Coffee harms sleep.",
    decision="no",
    year=2011,
)
DOCUMENTS = {a.doc_id: markdown(a).split("\n---\n", 1)[1] for a in (OWN, OTHER)}


def cite(abstract: Abstract, quote: str, n: int = 1, *, shift: int = 0, role: str = "evidence") -> Citation:
    """A citation of ``quote`` at its real offsets in the abstract's document (moved by ``shift``)."""
    start = DOCUMENTS[abstract.doc_id].index(quote) + shift
    return Citation(
        n=n,
        source_id=abstract.doc_id,
        title="t",
        kind="research",
        year=abstract.year,
        quote=quote,
        statement=quote,
        chunk_id=f"{abstract.doc_id}#0000",
        start=start,
        end=start + len(quote),
        role=role,  # type: ignore[arg-type]
    )


def answer(*citations: Citation, lead: tuple[int, ...] = ()) -> Answer:
    refused = not citations
    return Answer(question="q", answer="", citations=list(citations), lead=list(lead), refused=refused)


def graded(ans: Answer, *, in_corpus: bool = True, latency: float = 10.0) -> QuestionResult:
    return grade(Question(OWN, in_corpus, "tune"), ans, DOCUMENTS, latency)


def test_quoting_the_own_conclusion_counts_as_cited_first_and_quoted() -> None:
    result = graded(answer(cite(OWN, "Walking helps sleep.")))
    assert (result.cited, result.cited_first, result.conclusion_quoted) == (True, True, True)
    assert result.quotes == result.valid_quotes == 1


def test_a_results_sentence_is_cited_but_not_the_conclusion() -> None:
    result = graded(answer(cite(OWN, "Walkers slept better.")))
    assert result.cited and not result.conclusion_quoted


def test_part_of_a_conclusion_sentence_counts_as_quoting_it() -> None:
    assert graded(answer(cite(OWN, "helps sleep"))).conclusion_quoted


def test_another_abstracts_conclusion_is_not_this_one() -> None:
    result = graded(answer(cite(OTHER, "Coffee harms sleep.")))
    assert not (result.cited or result.cited_first or result.conclusion_quoted)
    assert result.valid_quotes == 1


def test_a_quote_at_wrong_offsets_is_invalid_and_earns_no_conclusion_credit() -> None:
    result = graded(answer(cite(OWN, "Walking helps sleep.", shift=1)))
    assert result.cited and not result.conclusion_quoted
    assert result.valid_quotes == 0


def test_cited_first_follows_the_bottom_line_not_the_numbering() -> None:
    other_first = answer(
        cite(OTHER, "Coffee harms sleep.", 1), cite(OWN, "Walking helps sleep.", 2, role="lead")
    )
    assert graded(other_first.model_copy(update={"lead": [2]})).cited_first
    assert not graded(other_first).cited_first  # no bottom line: citation [1] is first


def test_a_refusal_is_neither_cited_nor_quoted() -> None:
    result = graded(answer())
    assert result.refused and not (result.cited or result.cited_first or result.conclusion_quoted)


def results(*flags: tuple[bool, bool, bool], left_out_refused: tuple[bool, ...] = ()) -> list[QuestionResult]:
    """In-corpus results from (refused, cited, quoted) and left-out results from refusals."""
    inside = [
        graded(
            answer(*([cite(OWN, "Walking helps sleep.")] if quoted else [cite(OWN, "Walkers slept better.")]))
        )
        if cited
        else graded(answer(*([] if refused else [cite(OTHER, "Coffee harms sleep.")])))
        for refused, cited, quoted in flags
    ]
    outside = [
        graded(answer() if r else answer(cite(OTHER, "Coffee harms sleep.")), in_corpus=False)
        for r in left_out_refused
    ]
    return inside + outside


def test_summary_fractions_count_in_corpus_and_left_out_questions_apart() -> None:
    summary = summarise(
        results(
            (False, True, True), (False, True, False), (True, False, False), left_out_refused=(True, False)
        )
    )
    assert summary["cited"] == pytest.approx(2 / 3)
    assert summary["conclusion_quoted"] == pytest.approx(1 / 3)
    assert summary["wrong_refusal"] == pytest.approx(1 / 3)
    assert summary["left_out_refusal"] == pytest.approx(1 / 2)
    assert summary["quote_validity"] == 1.0


def test_a_fraction_with_nothing_to_count_is_not_a_vacuous_one() -> None:
    summary = summarise(results(left_out_refused=(True,)))
    assert summary["cited"] is None and summary["left_out_refusal"] == 1.0


def test_latency_percentiles_come_from_the_answers() -> None:
    timed = [graded(answer(), latency=ms) for ms in (10.0, 20.0, 30.0, 40.0)]
    assert summarise(timed)["p50_ms"] == pytest.approx(25.0)


def test_splits_are_summarised_apart_and_together() -> None:
    tune = graded(answer(cite(OWN, "Walking helps sleep.")))
    held = grade(Question(OWN, True, "heldout"), answer(), DOCUMENTS, 5.0)
    summaries = summarise_splits([tune, held])
    assert (summaries["tune"]["cited"], summaries["heldout"]["cited"], summaries["all"]["cited"]) == (
        1.0,
        0.0,
        0.5,
    )


def split_summaries(**values: float | None) -> dict[str, dict[str, float | None]]:
    """The same summary on both splits: a good one, overridden by ``values``."""
    good: dict[str, float | None] = {
        "cited": 1.0,
        "cited_first": 1.0,
        "conclusion_quoted": 1.0,
        "wrong_refusal": 0.0,
        "left_out_refusal": 1.0,
        "quote_validity": 1.0,
        "p50_ms": 10.0,
        "p95_ms": 20.0,
    }
    return {split: good | values for split in ("tune", "heldout", "all")}


def test_the_bundled_gate_passes_a_perfect_run() -> None:
    assert check_gate(split_summaries(), load_gate()) == []


def test_the_bundled_gate_fails_a_system_that_always_refuses() -> None:
    summaries = split_summaries(cited=0.0, cited_first=0.0, conclusion_quoted=0.0, wrong_refusal=1.0)
    failures = check_gate(summaries, load_gate())
    assert any(f.startswith("FAIL cited (tune)") for f in failures)
    assert any(f.startswith("FAIL wrong_refusal (heldout)") for f in failures)


def test_the_bundled_gate_fails_a_system_that_always_answers() -> None:
    gate = load_gate()
    failures = check_gate(split_summaries(left_out_refusal=0.0), gate)
    bound = gate.thresholds["left_out_refusal"]
    assert failures == [
        f"FAIL left_out_refusal ({split}): 0.000 (needs {bound.describe(split)})"
        for split in ("tune", "heldout")
    ]


def test_the_bundled_gate_passes_its_own_last_measurement() -> None:
    """The recorded values are what the gate was set from: each must meet its bound."""
    for metric, threshold in load_gate().thresholds.items():
        assert threshold.measured is not None and set(threshold.measured) == {"tune", "heldout"}, metric
        assert all(threshold.allows(v, split) for split, v in threshold.measured.items()), metric


def test_an_unmeasured_metric_fails_the_gate() -> None:
    failures = check_gate(split_summaries(cited=None), load_gate())
    assert "FAIL cited (tune): n/a" in failures[0]


def test_a_gate_naming_an_unknown_metric_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "gate.yaml"
    path.write_text(
        "thresholds:\n  recall: {min: 0.5, measured: {tune: 0.6, heldout: 0.6}, date: '2026-12-01'}\n"
    )
    with pytest.raises(ConfigError, match="unknown metric recall"):
        load_gate(path)


def test_a_gate_without_a_measurement_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "gate.yaml"
    path.write_text("thresholds:\n  cited: {min: 0.5, measured: {tune: 0.6}, date: '2026-12-01'}\n")
    with pytest.raises(ConfigError, match="cited: give 'measured' on tune and heldout, and its 'date'"):
        load_gate(path)


def test_every_gated_metric_is_a_reported_metric() -> None:
    assert set(load_gate(GATE_FILE).thresholds) <= set(METRIC_NAMES)


def report_of(*runs: SystemRun, failures: tuple[str, ...] = ()) -> SuiteReport:
    counts = {"in_corpus": 1, "left_out": 0}
    return SuiteReport(1, 0, {"tune": counts, "heldout": counts}, runs, failures, "gate.yaml", 1.0, 2.0)


def test_the_table_shows_each_system_on_each_split_side_by_side() -> None:
    rows = results((False, True, True))
    run = SystemRun("hybrid", "extractive", True, tuple(rows), summarise_splits(rows))
    base = SystemRun("langchain", "extractive", False, tuple(rows), summarise_splits(rows))
    text = side_by_side(report_of(run, base))
    assert "| hybrid + extractive | heldout |" in text
    assert "| langchain + extractive (baseline) | tune |" in text
    assert "| all |" not in readme_table(report_of(run, base))
    assert "n/a" in text  # the heldout split has no question here


def test_the_verdict_names_every_failure() -> None:
    rows = results((True, False, False))
    run = SystemRun("hybrid", "always-refuse", True, tuple(rows), summarise_splits(rows))
    text = verdict(report_of(run, failures=("FAIL cited (tune): 0.000 (needs >= 0.8)",)))
    assert "FAILED" in text and "FAIL cited (tune)" in text
