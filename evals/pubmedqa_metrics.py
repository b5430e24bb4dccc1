"""PubMedQA suite metrics: pure functions over answers and plain data.

Each question is asked once and graded on its own (``grade``):

- **cited**: the answer cites the question's own abstract.
- **cited first**: the answer's first claim cites it: the first claim of the bottom line
  (``Answer.lead``), or the citation numbered 1 when the answer has no bottom line.
- **conclusion quoted**: a citation of that abstract has a quote that is verbatim at
  its offsets and overlaps the abstract's Conclusions section (the sentences that
  answer the question; see ``evals.pubmedqa``).
- **quote valid**: ``document[start:end]`` is exactly the quote, for every citation of
  every answer, whatever the question.

A summary (``summarise``) over a set of questions reports, as fractions:

- ``cited``, ``cited_first``, ``conclusion_quoted`` and ``wrong_refusal`` over the
  questions whose abstract is indexed (a refusal is neither cited nor quoted);
- ``left_out_refusal`` over the questions whose abstract was left out: the share that
  was refused rather than answered from unrelated studies;
- ``quote_validity`` over all quotes (1.0 when there is none);
- ``p50_ms`` and ``p95_ms``, the latency of a whole ``ask``, over all questions.

A fraction with no question to count is None ("n/a"), never a vacuous 1.0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from assistant import Answer, Citation
from evals.cases import SPLITS, Split
from evals.metrics import percentile, quote_at_offsets, rate
from evals.pubmedqa import Question, conclusion_span

# (key, what it measures) for every summary figure, in report order.
METRICS: tuple[tuple[str, str], ...] = (
    ("cited", "right abstract cited"),
    ("cited_first", "right abstract cited first"),
    ("conclusion_quoted", "conclusion sentence quoted"),
    ("wrong_refusal", "in-corpus questions refused"),
    ("left_out_refusal", "left-out questions refused"),
    ("quote_validity", "quotes verbatim at their offsets"),
    ("p50_ms", "latency p50 ms"),
    ("p95_ms", "latency p95 ms"),
)
METRIC_NAMES: tuple[str, ...] = tuple(key for key, _ in METRICS)

Summary = dict[str, float | None]


@dataclass(frozen=True, slots=True)
class QuestionResult:
    """How one answer did on one question."""

    id: str
    pmid: str
    question: str
    split: Split
    in_corpus: bool
    refused: bool
    cited: bool
    cited_first: bool
    conclusion_quoted: bool
    quotes: int
    valid_quotes: int
    latency_ms: float
    sources: tuple[str, ...] = field(default=())
    refusal_reason: str | None = None


def first_claim(answer: Answer) -> Citation | None:
    """The claim a reader meets first: the bottom line's first, else citation [1]."""
    lead = answer.lead_citations
    if lead:
        return lead[0]
    return answer.citations[0] if answer.citations else None


def overlaps(start: int, end: int, span: tuple[int, int] | None) -> bool:
    """True when ``[start, end)`` shares at least one character with ``span``."""
    return span is not None and start < span[1] and end > span[0]


def quote_is_valid(citation: Citation, documents: Mapping[str, str]) -> bool:
    """True when the cited document holds the quote exactly at the citation's offsets."""
    text = documents.get(citation.source_id)
    return text is not None and quote_at_offsets(citation.quote, text, citation.start, citation.end)


def grade(
    question: Question, answer: Answer, documents: Mapping[str, str], latency_ms: float
) -> QuestionResult:
    """Grade one answer.

    Args:
        question: The question asked, with its abstract and whether it is indexed.
        answer: What the pipeline answered.
        documents: Source id -> document text of the index, for the offset check.
        latency_ms: Wall time of the whole ``ask``.
    """
    own = question.abstract.doc_id
    valid = [quote_is_valid(c, documents) for c in answer.citations]
    span = conclusion_span(documents.get(own, ""))
    first = first_claim(answer)
    return QuestionResult(
        id=question.id,
        pmid=question.abstract.pmid,
        question=question.abstract.question,
        split=question.split,
        in_corpus=question.in_corpus,
        refused=answer.refused,
        cited=own in answer.cited_sources,
        cited_first=first is not None and first.source_id == own,
        conclusion_quoted=any(
            ok and c.source_id == own and overlaps(c.start, c.end, span)
            for c, ok in zip(answer.citations, valid, strict=True)
        ),
        quotes=len(valid),
        valid_quotes=sum(valid),
        latency_ms=latency_ms,
        sources=tuple(answer.cited_sources),
        refusal_reason=answer.refusal_reason,
    )


def _share(flags: Sequence[bool]) -> float | None:
    return None if not flags else sum(flags) / len(flags)


def summarise(results: Sequence[QuestionResult]) -> Summary:
    """The suite's figures over ``results`` (see the module docstring)."""
    inside = [r for r in results if r.in_corpus]
    outside = [r for r in results if not r.in_corpus]
    latencies = [r.latency_ms for r in results]
    return {
        "cited": _share([r.cited for r in inside]),
        "cited_first": _share([r.cited_first for r in inside]),
        "conclusion_quoted": _share([r.conclusion_quoted for r in inside]),
        "wrong_refusal": _share([r.refused for r in inside]),
        "left_out_refusal": _share([r.refused for r in outside]),
        "quote_validity": rate(sum(r.valid_quotes for r in results), sum(r.quotes for r in results)),
        "p50_ms": percentile(latencies, 50) if latencies else None,
        "p95_ms": percentile(latencies, 95) if latencies else None,
    }


def summarise_splits(results: Sequence[QuestionResult]) -> dict[str, Summary]:
    """Summaries of each split and of all questions: ``{"tune": ..., "heldout": ..., "all": ...}``."""
    summaries: dict[str, Summary] = {s: summarise([r for r in results if r.split == s]) for s in SPLITS}
    summaries["all"] = summarise(results)
    return summaries
