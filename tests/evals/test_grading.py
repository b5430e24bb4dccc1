"""Tests for evals.grading: grading answers, summarising runs, checking the gate."""

from __future__ import annotations

import pytest

from assistant import Answer, Citation, render_markdown
from evals.cases import Case, Gate, Threshold
from evals.grading import check_gate, grade_case, summarise

DOCUMENT = "Intro. In patients with IgM MGUS and neuropathy, half of them have anti-MAG antibodies. End."
DOCS = {"doc-a": DOCUMENT}
QUOTE = "In patients with IgM MGUS and neuropathy, half of them have anti-MAG antibodies."

ANSWERABLE = Case(
    id="share",
    category="factual",
    question="What share of patients have anti-MAG antibodies?",
    required_facts=[["\\bhalf\\b", "50\\s*%"], ["MGUS"]],
    forbidden=["\\ball patients\\b"],
    expected_sources=["doc-a"],
)
OUT_OF_SCOPE = Case(id="france", category="out_of_scope", question="Capital of France?", expect_refusal=True)


def citation(quote: str = QUOTE, start: int | None = None, source: str = "doc-a", n: int = 1) -> Citation:
    begin = DOCUMENT.find(quote) if start is None else start
    return Citation(
        n=n, source_id=source, title="A title", kind="research", year=2020, quote=quote,
        statement=quote, chunk_id=f"{source}#0000", start=begin, end=begin + len(quote),
    )  # fmt: skip


def answer(*citations: Citation, retrieved: tuple[str, ...] = ("doc-b#0001", "doc-a#0000")) -> Answer:
    draft = Answer(
        question="q", answer="", refused=not citations, citations=list(citations), retrieved=list(retrieved)
    )
    return draft.model_copy(update={"answer": render_markdown(draft)})


def test_a_correct_answer_passes() -> None:
    result = grade_case(ANSWERABLE, answer(citation()), DOCS, latency_ms=12.0)
    assert result.passed, result.problems
    assert result.expected_source_hit
    assert result.first_expected_rank == 2
    assert (result.quotes, result.quotes_faithful, result.offsets_exact) == (1, 1, 1)


def test_a_missing_fact_fails_and_is_named() -> None:
    quote = "Intro. In patients with IgM MGUS"
    result = grade_case(ANSWERABLE, answer(citation(quote)), DOCS, latency_ms=1.0)
    assert not result.passed
    assert result.missing_facts == (("\\bhalf\\b", "50\\s*%"),)
    assert "1 fact(s) missing" in result.problems


def test_a_refused_answerable_case_fails() -> None:
    result = grade_case(ANSWERABLE, answer(), DOCS, latency_ms=1.0)
    assert result.problems == ["refused an answerable question"]


def test_an_answered_out_of_scope_case_fails() -> None:
    result = grade_case(OUT_OF_SCOPE, answer(citation()), DOCS, latency_ms=1.0)
    assert result.problems == ["answered instead of refusing"]


def test_a_refused_out_of_scope_case_passes() -> None:
    assert grade_case(OUT_OF_SCOPE, answer(), DOCS, latency_ms=1.0).passed


def test_a_forbidden_claim_fails() -> None:
    forbidding = ANSWERABLE.model_copy(update={"forbidden": ["half of them"]})
    result = grade_case(forbidding, answer(citation()), DOCS, latency_ms=1.0)
    assert result.forbidden_hits == ("half of them",)
    assert not result.passed


def test_a_quote_not_in_the_document_fails() -> None:
    altered = QUOTE.replace("half", "most")
    result = grade_case(
        ANSWERABLE.model_copy(update={"required_facts": [["MGUS"]]}), answer(citation(altered, 7)), DOCS, 1.0
    )
    assert (result.quotes_faithful, result.offsets_exact) == (0, 0)
    assert "quote not verbatim at its offsets" in result.problems


def test_a_quote_at_wrong_offsets_fails_offset_exactness_only() -> None:
    result = grade_case(ANSWERABLE, answer(citation(start=DOCUMENT.find(QUOTE) + 1)), DOCS, 1.0)
    assert (result.quotes_faithful, result.offsets_exact) == (1, 0)
    assert not result.passed


def test_a_citation_of_an_unknown_document_is_not_faithful() -> None:
    result = grade_case(ANSWERABLE, answer(citation(source="ghost")), DOCS, 1.0)
    assert result.quotes_faithful == 0


def test_summary_over_a_mixed_run() -> None:
    results = [
        grade_case(ANSWERABLE, answer(citation()), DOCS, latency_ms=10.0),
        grade_case(ANSWERABLE, answer(), DOCS, latency_ms=30.0),
        grade_case(OUT_OF_SCOPE, answer(), DOCS, latency_ms=20.0),
        grade_case(OUT_OF_SCOPE, answer(citation()), DOCS, latency_ms=40.0),
    ]
    s = summarise(results)
    assert s["fact_recall"] == pytest.approx(2 / 4)
    assert s["refusal_precision"] == pytest.approx(1 / 2)
    assert s["refusal_recall"] == pytest.approx(1 / 2)
    assert s["refusal_accuracy"] == pytest.approx(2 / 4)
    assert s["pass_rate"] == pytest.approx(2 / 4)
    assert s["expected_source_hit_rate"] == pytest.approx(1 / 2)
    assert s["recall_at_5"] == 1.0 and s["mrr"] == pytest.approx(0.5)
    assert s["latency_p50_ms"] == pytest.approx(25.0)
    assert s["citation_validity"] == 1.0 and s["quote_faithfulness"] == 1.0
    assert s["forbidden_rate"] == 0.0


def test_gate_failures_name_the_metric_and_bound() -> None:
    gate = Gate(thresholds={"fact_recall": Threshold(min=0.9), "forbidden_rate": Threshold(max=0.0)})
    failures = check_gate({"fact_recall": 0.5, "forbidden_rate": 0.0}, gate)
    assert [str(f) for f in failures] == ["fact_recall = 0.500, required >= 0.9"]


def test_a_metric_missing_from_the_summary_fails_the_gate() -> None:
    gate = Gate(thresholds={"no_such_metric": Threshold(min=0.0)})
    assert [f.metric for f in check_gate({}, gate)] == ["no_such_metric"]


def test_a_good_summary_passes_the_gate() -> None:
    gate = Gate(thresholds={"fact_recall": Threshold(min=0.9)})
    assert check_gate({"fact_recall": 0.95}, gate) == []
