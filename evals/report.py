"""Render eval reports: console summary, JSON and Markdown files, the ablation table."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evals.cases import Gate
from evals.grading import RETRIEVAL_K, CaseResult, Report

_RECALL = f"recall_at_{RETRIEVAL_K}"
# (metric, column heading, format) for the headline metrics of a run.
HEADLINE = (
    ("pass_rate", "pass", "{:.2f}"),
    ("fact_recall", "fact recall", "{:.3f}"),
    ("forbidden_rate", "forbidden", "{:.3f}"),
    ("citation_validity", "citations valid", "{:.3f}"),
    ("quote_faithfulness", "quotes verbatim", "{:.3f}"),
    ("offset_exactness", "offsets exact", "{:.3f}"),
    ("expected_source_hit_rate", "expected source cited", "{:.3f}"),
    (_RECALL, f"recall@{RETRIEVAL_K}", "{:.3f}"),
    ("mrr", "MRR", "{:.3f}"),
    ("refusal_precision", "refusal precision", "{:.3f}"),
    ("refusal_recall", "refusal recall", "{:.3f}"),
    ("latency_p50_ms", "p50 ms", "{:.0f}"),
    ("latency_p95_ms", "p95 ms", "{:.0f}"),
)
ABLATION_COLUMNS = (
    ("fact_recall", "fact recall", "{:.3f}"),
    (_RECALL, f"recall@{RETRIEVAL_K}", "{:.3f}"),
    ("mrr", "MRR", "{:.3f}"),
    ("refusal_accuracy", "refusal accuracy", "{:.3f}"),
    ("latency_p50_ms", "p50 latency ms", "{:.0f}"),
    ("pass_rate", "cases passed", "{:.2f}"),
)


def table(headings: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table (also readable on a terminal)."""
    lines = ["| " + " | ".join(headings) + " |", "|" + "|".join("---" for _ in headings) + "|"]
    lines += [
        "| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in row) + " |" for row in rows
    ]
    return "\n".join(lines)


def _category_row(label: str, results: Sequence[CaseResult], summary: Mapping[str, float]) -> list[str]:
    passed = f"{sum(r.passed for r in results)}/{len(results)}"
    keys = ("fact_recall", "refusal_accuracy", "forbidden_rate")
    return [label, passed, *(f"{summary[k]:.3f}" for k in keys), f"{summary['latency_p50_ms']:.0f}"]


def console_summary(run: Report) -> str:
    """Per-category summary and the headline metrics, for the terminal."""
    rows = [
        _category_row(name, [r for r in run.results if r.case.category == name], summary)
        for name, summary in run.categories.items()
    ]
    rows.append(_category_row("all", run.results, run.summary))
    headings = ["category", "passed", "fact recall", "refusal accuracy", "forbidden", "p50 ms"]
    head = f"eval: retriever={run.retriever} answerer={run.answerer}, {len(run.results)} cases"
    metrics = "  ".join(f"{label}={fmt.format(run.summary[key])}" for key, label, fmt in HEADLINE)
    return f"{head}\n{table(headings, rows)}\n{metrics}"


def gate_verdict(run: Report, gate: Gate) -> str:
    """One line per threshold: which passed and which failed."""
    failed = {f.metric: f for f in run.failures}
    lines = [f"gate ({run.retriever} + {run.answerer}): " + ("PASSED" if run.passed_gate else "FAILED")]
    for name, threshold in gate.thresholds.items():
        if name in failed:
            lines.append(f"  FAIL {failed[name]}")
        else:
            lines.append(f"  ok   {name} = {run.summary[name]:.3f} ({threshold.describe()})")
    return "\n".join(lines)


def case_row(result: CaseResult) -> dict[str, Any]:
    """One case as JSON-ready data."""
    return {
        "id": result.case.id,
        "category": result.case.category,
        "question": result.case.question,
        "passed": result.passed,
        "problems": result.problems,
        "expect_refusal": result.case.expect_refusal,
        "refused": result.refused,
        "missing_facts": [list(f) for f in result.missing_facts],
        "forbidden_hits": list(result.forbidden_hits),
        "unresolved_markers": list(result.unresolved_markers),
        "cited_sources": list(result.cited_sources),
        "expected_sources": result.case.expected_sources,
        "retrieved_documents": list(result.retrieved_documents),
        "first_expected_rank": result.first_expected_rank,
        "latency_ms": round(result.latency_ms, 1),
        "answer": result.answer,
    }


def to_json(run: Report) -> dict[str, Any]:
    """The whole report as JSON-ready data."""
    return {
        "retriever": run.retriever,
        "answerer": run.answerer,
        "index": run.index,
        "gated": run.gated,
        "gate_passed": run.passed_gate if run.gated else None,
        "gate_failures": [str(f) for f in run.failures],
        "summary": run.summary,
        "categories": run.categories,
        "cases": [case_row(r) for r in run.results],
    }


def _facts(missing: Sequence[Sequence[str]]) -> str:
    return "; ".join(" / ".join(f"`{p}`" for p in alts) for alts in missing) or "—"


def to_markdown(run: Report) -> str:
    """The report as Markdown: headline metrics, gate, and one row per case."""
    verdict = "not gated" if not run.gated else ("gate PASSED" if run.passed_gate else "gate FAILED")
    parts = [
        f"# citewise eval: {run.retriever} + {run.answerer}",
        "",
        f"{len(run.results)} cases, {verdict}. Index built {run.index.get('built_at', '?')}, "
        f"corpus sha256 {run.index.get('corpus_sha256', '?')[:12]}.",
        "",
    ]
    if run.failures:
        parts += ["Missed thresholds:", "", *(f"- {f}" for f in run.failures), ""]
    parts += [
        table([label for _, label, _ in HEADLINE], [[fmt.format(run.summary[k]) for k, _, fmt in HEADLINE]]),
        "",
    ]
    rows = [
        [
            r.case.id,
            r.case.category,
            r.case.question,
            "pass" if r.passed else "FAIL: " + "; ".join(r.problems),
            "refused" if r.refused else _facts(r.missing_facts),
            ", ".join(r.cited_sources) or "—",
        ]
        for r in run.results
    ]
    parts += [
        "## Cases",
        "",
        table(["id", "category", "question", "result", "missing facts", "cited sources"], rows),
    ]
    return "\n".join(parts) + "\n"


def write_report(run: Report, directory: Path) -> list[Path]:
    """Write ``eval-<retriever>-<answerer>.json`` and ``.md`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / f"eval-{run.retriever}-{run.answerer}"
    json_path, md_path = stem.with_suffix(".json"), stem.with_suffix(".md")
    json_path.write_text(json.dumps(to_json(run), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(to_markdown(run), encoding="utf-8")
    return [json_path, md_path]


def ablation_table(runs: Sequence[Report], broken: Mapping[str, str] | None = None) -> str:
    """One row per retriever: fact recall, recall@5, MRR, refusal accuracy, p50 latency.

    ``broken`` maps retrievers whose run failed to the error; they get a row saying so.
    """
    rows = [[r.retriever, *(fmt.format(r.summary[k]) for k, _, fmt in ABLATION_COLUMNS)] for r in runs]
    rows += [[name, *(["error"] * len(ABLATION_COLUMNS))] for name in broken or {}]
    return table(["retriever", *(label for _, label, _ in ABLATION_COLUMNS)], rows)


def write_ablation(
    runs: Sequence[Report], directory: Path, broken: Mapping[str, str] | None = None
) -> list[Path]:
    """Write ``ablation.md`` and ``ablation.json`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    broken = broken or {}
    answerer = runs[0].answerer if runs else "?"
    md_path, json_path = directory / "ablation.md", directory / "ablation.json"
    notes = "".join(f"\n- {name} failed: {error}" for name, error in broken.items())
    md_path.write_text(
        f"# citewise ablation ({answerer} answerer)\n\n{ablation_table(runs, broken)}\n{notes}\n",
        encoding="utf-8",
    )
    data = {
        "answerer": answerer,
        "rows": [{"retriever": r.retriever, **r.summary} for r in runs],
        "failed": dict(broken),
    }
    json_path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return [md_path, json_path]
