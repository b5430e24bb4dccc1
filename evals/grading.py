"""Grade one answer against its case, and summarise a run per split. Pure functions over data."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from assistant import Answer
from assistant.statements import unsupported_reason
from evals import metrics
from evals.cases import SPLITS, Budget, Case, Gate

RETRIEVAL_K = 5
ALL = "all"


@dataclass(frozen=True, slots=True)
class CaseResult:
    """What one answer got right and wrong."""

    case: Case
    refused: bool
    latency_ms: float
    missing_facts: tuple[tuple[str, ...], ...]
    missing_lead: tuple[tuple[str, ...], ...]
    forbidden_hits: tuple[str, ...]
    markers: int
    unresolved_markers: tuple[int, ...]
    quotes: int
    quotes_faithful: int
    offsets_exact: int
    cited_sources: tuple[str, ...]
    retrieved_documents: tuple[str, ...]
    first_expected_rank: int | None
    claims: int = 0
    claims_on_topic: int = 0
    statement_words: int = 0
    statements_supported: int = 0
    dropped: int = 0
    has_lead: bool = False
    budget: Budget | None = None
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
    def lead_correct(self) -> bool:
        """True when the bottom line states every lead fact of the case."""
        return not self.refused and self.has_lead and not self.missing_lead

    @property
    def within_budget(self) -> bool:
        """True when the answer keeps to its category's length budget (or has none)."""
        b = self.budget
        return b is None or self.refused or (self.claims <= b.claims and self.statement_words <= b.words)

    @property
    def problems(self) -> list[str]:
        """Why the case failed, in words; empty when it passed."""
        out = []
        if not self.refusal_correct:
            out.append("refused an answerable question" if self.refused else "answered instead of refusing")
        if not self.refused and not self.case.expect_refusal:
            if self.missing_facts:
                out.append(f"{len(self.missing_facts)} fact(s) missing")
            if not self.lead_correct:
                out.append("bottom line misses its fact" if self.has_lead else "no bottom line")
        if self.forbidden_hits:
            out.append("forbidden: " + ", ".join(self.forbidden_hits))
        if self.unresolved_markers:
            out.append(f"unresolved markers {list(self.unresolved_markers)}")
        if self.quotes_faithful < self.quotes or self.offsets_exact < self.quotes:
            out.append("quote not verbatim at its offsets")
        if self.statements_supported < self.claims:
            out.append(f"{self.claims - self.statements_supported} statement(s) beyond their quote")
        if not self.within_budget:
            out.append(f"over budget ({self.claims} claims, {self.statement_words} words)")
        return out

    @property
    def passed(self) -> bool:
        """True when the answer met every expectation of its case."""
        return not self.problems


def grade_case(
    case: Case,
    answer: Answer,
    documents: Mapping[str, str],
    latency_ms: float,
    *,
    budget: Budget | None = None,
    terms: Iterable[str] = (),
) -> CaseResult:
    """Grade ``answer`` against ``case``.

    Args:
        documents: source id -> document text, for the quote check.
        budget: the length budget of the case's category.
        terms: the corpus vocabulary, for the statement check.
    """
    quotes = [c.quote for c in answer.citations]
    text = metrics.graded_text((c.statement for c in answer.citations), quotes)
    ranked = metrics.ranked_documents(answer.retrieved)
    first = [c for c in answer.citations if c.role in ("premise", "lead")]
    lead_text = "\n".join(t for c in first for t in (c.statement, c.quote))
    vocabulary = list(terms)
    on_topic = case.facts_and_topic
    return CaseResult(
        case=case,
        refused=answer.refused,
        latency_ms=latency_ms,
        missing_facts=tuple(tuple(f) for f in metrics.missing_facts(text, case.required_facts)),
        missing_lead=tuple(tuple(f) for f in metrics.missing_facts(lead_text, case.lead)),
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
        claims=len(answer.citations),
        claims_on_topic=sum(
            metrics.matches_any(f"{c.statement}\n{c.quote}", on_topic) for c in answer.citations
        ),
        statement_words=metrics.word_count(c.statement for c in answer.citations),
        statements_supported=sum(
            unsupported_reason(c.statement, [c.quote], terms=vocabulary) is None for c in answer.citations
        ),
        dropped=answer.dropped_claims,
        # The bottom line is the premise check and the lead claims (metrics.py): a question
        # whose premise alone the sources speak to opens with the premise check.
        has_lead=bool(answer.lead) or any(c.role == "premise" for c in answer.citations),
        budget=budget,
        answer=answer.answer,
    )


def _share(results: Sequence[CaseResult], hit: Callable[[CaseResult], bool]) -> float:
    """Fraction of ``results`` for which ``hit(result)`` is true (1.0 for none)."""
    return metrics.rate(sum(hit(r) for r in results), len(results))


def summarise(results: Sequence[CaseResult]) -> dict[str, float]:
    """The run's metrics by name (the names ``evals/gate.yaml`` refers to)."""
    answerable = [r for r in results if not r.case.expect_refusal]
    answered = [r for r in answerable if not r.refused]
    facts_total = sum(len(r.case.required_facts) for r in answerable)
    facts_found = sum(len(r.case.required_facts) - len(r.missing_facts) for r in answered)
    expected = [r.case.expect_refusal for r in results]
    refused = [r.refused for r in results]
    precision, recall = metrics.refusal_scores(expected, refused)
    ranks = [r.first_expected_rank for r in answerable]
    latencies = [r.latency_ms for r in results]
    quotes = sum(r.quotes for r in results)
    marker_count = sum(r.markers for r in results)
    claims = sum(r.claims for r in results)
    of = lambda category: [r for r in results if r.case.category == category]  # noqa: E731
    return {
        "cases": float(len(results)),
        "pass_rate": _share(results, lambda r: r.passed),
        "fact_recall": metrics.fact_recall(facts_found, facts_total),
        "lead_accuracy": _share(answerable, lambda r: r.lead_correct),
        "premise_correction": _share(of("false_premise"), lambda r: r.lead_correct),
        "claim_precision": (
            sum(r.claims_on_topic / r.claims for r in answered if r.claims) / len(answered)
            if answered
            else 1.0
        ),
        "budget_compliance": _share([r for r in results if not r.refused], lambda r: r.within_budget),
        "statement_faithfulness": metrics.rate(sum(r.statements_supported for r in results), claims),
        "dropped_per_answer": sum(r.dropped for r in results) / len(results) if results else 0.0,
        "forbidden_rate": sum(bool(r.forbidden_hits) for r in results) / len(results) if results else 0.0,
        "citation_validity": metrics.rate(
            marker_count - sum(len(r.unresolved_markers) for r in results), marker_count
        ),
        "quote_faithfulness": metrics.rate(sum(r.quotes_faithful for r in results), quotes),
        "offset_exactness": metrics.rate(sum(r.offsets_exact for r in results), quotes),
        "expected_source_hit_rate": _share(answerable, lambda r: r.expected_source_hit),
        f"recall_at_{RETRIEVAL_K}": metrics.recall_at_k(ranks, RETRIEVAL_K),
        "mrr": metrics.mean_reciprocal_rank(ranks),
        "refusal_precision": precision,
        "refusal_recall": recall,
        "refusal_accuracy": metrics.refusal_accuracy(expected, refused),
        "neighbouring_refusal": _share(of("neighbouring"), lambda r: r.refused),
        "in_scope_refusal": sum(r.refused for r in answerable) / len(answerable) if answerable else 0.0,
        "latency_p50_ms": metrics.percentile(latencies, 50) if latencies else 0.0,
        "latency_p95_ms": metrics.percentile(latencies, 95) if latencies else 0.0,
    }


def by_split(results: Sequence[CaseResult]) -> dict[str, dict[str, float]]:
    """``summarise`` for each split present, and for all cases together (``all``)."""
    out = {
        split: summarise(group)
        for split in SPLITS
        if (group := [r for r in results if r.case.split == split])
    }
    out[ALL] = summarise(results)
    return out


def by_category(results: Sequence[CaseResult], categories: Sequence[str]) -> dict[str, dict[str, float]]:
    """``summarise`` for each category present in ``results``."""
    return {
        name: summarise(group)
        for name in categories
        if (group := [r for r in results if r.case.category == name])
    }


@dataclass(frozen=True, slots=True)
class GateFailure:
    """One threshold a run missed on one split."""

    metric: str
    split: str
    value: float | None
    bound: str

    def __str__(self) -> str:
        shown = "missing" if self.value is None else f"{self.value:.3f}"
        return f"{self.metric} [{self.split}] = {shown}, required {self.bound}"


def check_gate(splits: Mapping[str, Mapping[str, float]], gate: Gate) -> list[GateFailure]:
    """The thresholds of ``gate`` that a split's summary misses (a missing split or metric fails)."""
    failures = []
    for name, threshold in gate.thresholds.items():
        for split in SPLITS:
            value = splits.get(split, {}).get(name)
            if value is None or not threshold.allows(value, split):
                failures.append(GateFailure(name, split, value, threshold.describe(split)))
    return failures


@dataclass(frozen=True, slots=True)
class Report:
    """One run of the cases with one retriever and one answerer."""

    retriever: str
    answerer: str
    results: tuple[CaseResult, ...]
    splits: dict[str, dict[str, float]]
    categories: dict[str, dict[str, float]]
    gated: bool
    failures: tuple[GateFailure, ...] = ()
    index: dict[str, str] = field(default_factory=dict)
    variant: str = ""

    @property
    def summary(self) -> dict[str, float]:
        """The metrics over all cases."""
        return self.splits[ALL]

    @property
    def label(self) -> str:
        """The run's name in tables: the retriever, or the ablated variant."""
        return self.variant or self.retriever

    @property
    def passed_gate(self) -> bool:
        """True when no gate threshold was missed (always True for an ungated run)."""
        return not self.failures
