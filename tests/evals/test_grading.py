"""Tests for evals.grading: grading answers, summarising runs, checking the gate."""

from __future__ import annotations

import pytest

from assistant import Answer, Citation, render_markdown
from evals.cases import Budget, Case, Gate, Threshold
from evals.grading import by_split, check_gate, grade_case, summarise

DOCUMENT = "Intro. In patients with IgM MGUS and neuropathy, half of them have anti-MAG antibodies. End."
DOCS = {"doc-a": DOCUMENT}
QUOTE = "In patients with IgM MGUS and neuropathy, half of them have anti-MAG antibodies."

ANSWERABLE = Case(
    id="share",
    category="factual",
    split="tune",
    question="What share of patients have anti-MAG antibodies?",
    required_facts=[["\\bhalf\\b", "50\\s*%"], ["MGUS"]],
    lead=[["\\bhalf\\b"]],
    topic=["anti-MAG"],
    forbidden=["\\ball patients\\b"],
    expected_sources=["doc-a"],
)
OUT_OF_SCOPE = Case(
    id="france", category="out_of_scope", split="heldout", question="Capital of France?", expect_refusal=True
)


def citation(
    quote: str = QUOTE,
    start: int | None = None,
    source: str = "doc-a",
    n: int = 1,
    role: str = "lead",
    statement: str | None = None,
) -> Citation:
    begin = DOCUMENT.find(quote) if start is None else start
    return Citation(
        n=n, source_id=source, title="A title", kind="research", year=2020, quote=quote,
        statement=statement or quote, chunk_id=f"{source}#0000", start=begin, end=begin + len(quote), role=role,
    )  # fmt: skip


def answer(*citations: Citation, retrieved: tuple[str, ...] = ("doc-b#0001", "doc-a#0000")) -> Answer:
    lead = [i for i, c in enumerate(citations, start=1) if c.role == "lead"]
    draft = Answer(
        question="q",
        answer="",
        lead=lead,
        refused=not citations,
        citations=list(citations),
        retrieved=list(retrieved),
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


def both(summary: dict[str, float]) -> dict[str, dict[str, float]]:
    return {"tune": summary, "heldout": summary}


def test_gate_failures_name_the_metric_split_and_bound() -> None:
    gate = Gate(thresholds={"fact_recall": Threshold(min=0.9), "forbidden_rate": Threshold(max=0.0)})
    failures = check_gate(
        {
            "tune": {"fact_recall": 0.95, "forbidden_rate": 0.0},
            "heldout": {"fact_recall": 0.5, "forbidden_rate": 0.0},
        },
        gate,
    )
    assert [str(f) for f in failures] == ["fact_recall [heldout] = 0.500, required >= 0.9"]


def test_a_bound_per_split_applies_to_its_split_only() -> None:
    gate = Gate(thresholds={"fact_recall": Threshold(tune={"min": 0.95}, heldout={"min": 0.9})})
    assert check_gate({"tune": {"fact_recall": 0.96}, "heldout": {"fact_recall": 0.91}}, gate) == []
    failures = check_gate({"tune": {"fact_recall": 0.92}, "heldout": {"fact_recall": 0.92}}, gate)
    assert [(f.metric, f.split) for f in failures] == [("fact_recall", "tune")]


def test_a_metric_or_split_missing_from_the_run_fails_the_gate() -> None:
    gate = Gate(thresholds={"no_such_metric": Threshold(min=0.0)})
    assert [f.split for f in check_gate(both({}), gate)] == ["tune", "heldout"]
    gate = Gate(thresholds={"fact_recall": Threshold(min=0.0)})
    assert [f.split for f in check_gate({"tune": {"fact_recall": 1.0}}, gate)] == ["heldout"]


def test_a_good_summary_passes_the_gate() -> None:
    gate = Gate(thresholds={"fact_recall": Threshold(min=0.9)})
    assert check_gate(both({"fact_recall": 0.95}), gate) == []


def test_a_lead_that_misses_the_lead_fact_fails_lead_accuracy() -> None:
    mgus_only = "In patients with IgM MGUS and neuropathy"
    wrong_lead = answer(citation(mgus_only), citation(QUOTE, role="evidence", n=2))
    result = grade_case(ANSWERABLE, wrong_lead, DOCS, 1.0)
    assert result.missing_lead == (("\\bhalf\\b",),) and not result.lead_correct
    assert "bottom line misses its fact" in result.problems
    assert summarise([result])["lead_accuracy"] == 0.0
    assert summarise([grade_case(ANSWERABLE, answer(citation()), DOCS, 1.0)])["lead_accuracy"] == 1.0


def test_an_answer_without_a_bottom_line_fails_lead_accuracy() -> None:
    result = grade_case(ANSWERABLE, answer(citation(role="evidence")), DOCS, 1.0)
    assert not result.has_lead and "no bottom line" in result.problems


def test_a_premise_check_standing_alone_is_the_bottom_line() -> None:
    """A question whose premise alone the sources speak to opens with the premise check,
    which is graded as its bottom line (and fails when it misses the lead fact)."""
    result = grade_case(ANSWERABLE, answer(citation(role="premise")), DOCS, 1.0)
    assert result.has_lead and result.lead_correct
    wrong = answer(citation("In patients with IgM MGUS and neuropathy", role="premise"))
    result = grade_case(ANSWERABLE, wrong, DOCS, 1.0)
    assert result.has_lead and not result.lead_correct


def test_claim_precision_is_the_share_of_claims_on_topic_per_case() -> None:
    off_topic = "Intro."
    result = grade_case(
        ANSWERABLE, answer(citation(), citation(off_topic + " End.", 0, n=2, role="evidence")), DOCS, 1.0
    )
    assert (result.claims, result.claims_on_topic) == (2, 1)
    assert summarise([result])["claim_precision"] == pytest.approx(0.5)


def test_an_answer_over_its_budget_fails() -> None:
    tight = Budget(claims=1, words=100)
    result = grade_case(
        ANSWERABLE, answer(citation(), citation(n=2, role="evidence")), DOCS, 1.0, budget=tight
    )
    assert not result.within_budget and "over budget (2 claims, 26 words)" in result.problems
    assert summarise([result])["budget_compliance"] == 0.0


def test_a_statement_that_changes_its_quote_is_unfaithful() -> None:
    changed = citation(statement="In patients with IgM MGUS and neuropathy, 80% have anti-MAG antibodies.")
    result = grade_case(ANSWERABLE, answer(changed), DOCS, 1.0)
    assert result.statements_supported == 0 and not result.passed
    assert summarise([result])["statement_faithfulness"] == 0.0


def test_refusals_of_neighbouring_and_answerable_cases_are_counted_apart() -> None:
    neighbour = OUT_OF_SCOPE.model_copy(update={"id": "mmn", "category": "neighbouring"})
    results = [
        grade_case(neighbour, answer(), DOCS, 1.0),
        grade_case(ANSWERABLE, answer(), DOCS, 1.0),
        grade_case(ANSWERABLE, answer(citation()), DOCS, 1.0),
    ]
    s = summarise(results)
    assert s["neighbouring_refusal"] == 1.0 and s["in_scope_refusal"] == pytest.approx(0.5)


def test_runs_are_summarised_per_split_and_together() -> None:
    results = [
        grade_case(ANSWERABLE, answer(citation()), DOCS, 1.0),
        grade_case(OUT_OF_SCOPE, answer(), DOCS, 1.0),
    ]
    splits = by_split(results)
    assert set(splits) == {"tune", "heldout", "all"}
    assert splits["tune"]["cases"] == 1 and splits["all"]["cases"] == 2
