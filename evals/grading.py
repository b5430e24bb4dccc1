"""Grade one answer against its case, and summarise a run. Pure functions over data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from assistant import Answer
from evals import metrics
from evals.cases import Case, Gate

RETRIEVAL_K = 5


@dataclass(frozen=True, slots=True)
class CaseResult:
    """What one answer got right and wrong."""

    case: Case
    refused: bool
    latency_ms: float
    missing_facts: tuple[tuple[str, ...], ...]
    forbidden_hits: tuple[str, ...]
    markers: int
    unresolved_markers: tuple[int, ...]
    quotes: int
    quotes_faithful: int
    offsets_exact: int
    cited_sources: tuple[str, ...]
    retrieved_documents: tuple[str, ...]
    first_expected_rank: int | None
    answer: str = ""

    @property
    def refusal_correct(self) -> bool:
        """True when the answer refused exactly when it should have."""
        return self.refused == self.case.expect_refusal

    @property
    def expected_source_hit(self) -> bool:
        """True when a cited source is one of the expected ones."""
        return bool(set(self.cited_sources) & set(self.case.expected_sources))

    @property
    def problems(self) -> list[str]:
        """Why the case failed, in words; empty when it passed."""
        out = []
        if not self.refusal_correct:
            out.append("refused an answerable question" if self.refused else "answered instead of refusing")
        if self.missing_facts and not self.refused:
            out.append(f"{len(self.missing_facts)} fact(s) missing")
        if self.forbidden_hits:
            out.append("forbidden: " + ", ".join(self.forbidden_hits))
        if self.unresolved_markers:
            out.append(f"unresolved markers {list(self.unresolved_markers)}")
        if self.quotes_faithful < self.quotes or self.offsets_exact < self.quotes:
            out.append("quote not verbatim at its offsets")
        return out

    @property
    def passed(self) -> bool:
        """True when the answer met every expectation of its case."""
        return not self.problems


def grade_case(case: Case, answer: Answer, documents: Mapping[str, str], latency_ms: float) -> CaseResult:
    """Grade ``answer`` against ``case``; ``documents`` maps source id to document text."""
    quotes = [c.quote for c in answer.citations]
    text = metrics.graded_text(answer.answer, quotes)
    ranked = metrics.ranked_documents(answer.retrieved)
    return CaseResult(
        case=case,
        refused=answer.refused,
        latency_ms=latency_ms,
        missing_facts=tuple(tuple(f) for f in metrics.missing_facts(text, case.required_facts)),
        forbidden_hits=tuple(metrics.forbidden_hits(text, case.forbidden)),
        markers=len(metrics.markers(metrics.split_answer(answer.answer)[0])) or int(not answer.refused),
        unresolved_markers=tuple(
            metrics.unresolved_markers(answer.answer, (c.n for c in answer.citations), refused=answer.refused)
        ),
        quotes=len(quotes),
        quotes_faithful=sum(
            metrics.quote_in_document(c.quote, documents.get(c.source_id, "")) for c in answer.citations
        ),
        offsets_exact=sum(
            metrics.quote_at_offsets(c.quote, documents.get(c.source_id, ""), c.start, c.end)
            for c in answer.citations
        ),
        cited_sources=tuple(answer.cited_sources),
        retrieved_documents=tuple(ranked),
        first_expected_rank=metrics.first_hit_rank(ranked, case.expected_sources),
        answer=answer.answer,
    )


def summarise(results: Sequence[CaseResult]) -> dict[str, float]:
    """The run's metrics by name (the names ``evals/gate.yaml`` refers to)."""
    answerable = [r for r in results if not r.case.expect_refusal]
    facts_total = sum(len(r.case.required_facts) for r in answerable)
    facts_found = sum(
        0 if r.refused else len(r.case.required_facts) - len(r.missing_facts) for r in answerable
    )
    expected = [r.case.expect_refusal for r in results]
    refused = [r.refused for r in results]
    precision, recall = metrics.refusal_scores(expected, refused)
    ranks = [r.first_expected_rank for r in answerable]
    latencies = [r.latency_ms for r in results]
    quotes = sum(r.quotes for r in results)
    marker_count = sum(r.markers for r in results)
    return {
        "cases": float(len(results)),
        "pass_rate": metrics.rate(sum(r.passed for r in results), len(results)),
        "fact_recall": metrics.fact_recall(facts_found, facts_total),
        "forbidden_rate": sum(bool(r.forbidden_hits) for r in results) / len(results) if results else 0.0,
        "citation_validity": metrics.rate(
            marker_count - sum(len(r.unresolved_markers) for r in results), marker_count
        ),
        "quote_faithfulness": metrics.rate(sum(r.quotes_faithful for r in results), quotes),
        "offset_exactness": metrics.rate(sum(r.offsets_exact for r in results), quotes),
        "expected_source_hit_rate": metrics.rate(
            sum(r.expected_source_hit for r in answerable), len(answerable)
        ),
        f"recall_at_{RETRIEVAL_K}": metrics.recall_at_k(ranks, RETRIEVAL_K),
        "mrr": metrics.mean_reciprocal_rank(ranks),
        "refusal_precision": precision,
        "refusal_recall": recall,
        "refusal_accuracy": metrics.refusal_accuracy(expected, refused),
        "latency_p50_ms": metrics.percentile(latencies, 50) if latencies else 0.0,
        "latency_p95_ms": metrics.percentile(latencies, 95) if latencies else 0.0,
    }


def by_category(results: Sequence[CaseResult], categories: Sequence[str]) -> dict[str, dict[str, float]]:
    """``summarise`` for each category present in ``results``."""
    return {
        name: summarise(group)
        for name in categories
        if (group := [r for r in results if r.case.category == name])
    }


@dataclass(frozen=True, slots=True)
class GateFailure:
    """One threshold a run missed."""

    metric: str
    value: float | None
    bound: str

    def __str__(self) -> str:
        shown = "missing" if self.value is None else f"{self.value:.3f}"
        return f"{self.metric} = {shown}, required {self.bound}"


def check_gate(summary: Mapping[str, float], gate: Gate) -> list[GateFailure]:
    """The thresholds of ``gate`` that ``summary`` misses (a missing metric fails)."""
    failures = []
    for name, threshold in gate.thresholds.items():
        value = summary.get(name)
        if value is None or not threshold.allows(value):
            failures.append(GateFailure(name, value, threshold.describe()))
    return failures


@dataclass(frozen=True, slots=True)
class Report:
    """One run of the cases with one retriever and one answerer."""

    retriever: str
    answerer: str
    results: tuple[CaseResult, ...]
    summary: dict[str, float]
    categories: dict[str, dict[str, float]]
    gated: bool
    failures: tuple[GateFailure, ...] = ()
    index: dict[str, str] = field(default_factory=dict)

    @property
    def passed_gate(self) -> bool:
        """True when no gate threshold was missed (always True for an ungated run)."""
        return not self.failures
