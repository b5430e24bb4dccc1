"""Render eval reports: console summary, JSON and Markdown files, the ablation table."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evals.cases import SPLITS, Gate
from evals.grading import ALL, RETRIEVAL_K, CaseResult, Report

_RECALL = f"recall_at_{RETRIEVAL_K}"
# (metric, heading, format) for the headline metrics of a run, shown per split.
HEADLINE = (
    ("pass_rate", "cases passed", "{:.2f}"),
    ("fact_recall", "fact recall", "{:.3f}"),
    ("lead_accuracy", "lead accuracy", "{:.3f}"),
    ("premise_correction", "premise corrected in lead", "{:.3f}"),
    ("claim_precision", "claim precision", "{:.3f}"),
    ("budget_compliance", "within length budget", "{:.3f}"),
    ("statement_faithfulness", "statement faithfulness", "{:.3f}"),
    ("dropped_per_answer", "claims dropped per answer", "{:.2f}"),
    ("forbidden_rate", "forbidden", "{:.3f}"),
    ("citation_validity", "citations valid", "{:.3f}"),
    ("quote_faithfulness", "quotes verbatim", "{:.3f}"),
    ("offset_exactness", "offsets exact", "{:.3f}"),
    ("expected_source_hit_rate", "expected source cited", "{:.3f}"),
    (_RECALL, f"recall@{RETRIEVAL_K}", "{:.3f}"),
    ("mrr", "MRR", "{:.3f}"),
    ("refusal_precision", "refusal precision", "{:.3f}"),
    ("refusal_recall", "refusal recall", "{:.3f}"),
    ("neighbouring_refusal", "neighbouring disease refused", "{:.3f}"),
    ("in_scope_refusal", "in-scope refused (wrongly)", "{:.3f}"),
    ("latency_p50_ms", "p50 ms", "{:.0f}"),
    ("latency_p95_ms", "p95 ms", "{:.0f}"),
)
ABLATION_COLUMNS = (
    ("fact_recall", "fact recall", "{:.3f}"),
    ("lead_accuracy", "lead accuracy", "{:.3f}"),
    ("claim_precision", "claim precision", "{:.3f}"),
    ("premise_correction", "premise corrected", "{:.3f}"),
    ("neighbouring_refusal", "neighbouring refused", "{:.3f}"),
    ("in_scope_refusal", "wrongly refused", "{:.3f}"),
    (_RECALL, f"recall@{RETRIEVAL_K}", "{:.3f}"),
    ("mrr", "MRR", "{:.3f}"),
    ("latency_p50_ms", "p50 ms", "{:.0f}"),
)


def table(headings: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table (also readable on a terminal)."""
    lines = ["| " + " | ".join(headings) + " |", "|" + "|".join("---" for _ in headings) + "|"]
    lines += [
        "| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in row) + " |" for row in rows
    ]
    return "\n".join(lines)


def _columns(run: Report) -> list[str]:
    """The splits present, then all cases together."""
    return [*(s for s in SPLITS if s in run.splits), ALL]


def metrics_table(run: Report) -> str:
    """One row per headline metric, one column per split (tune, heldout, all)."""
    columns = _columns(run)
    rows = [[label, *(fmt.format(run.splits[c][key]) for c in columns)] for key, label, fmt in HEADLINE]
    counts = ["cases", *(f"{run.splits[c]['cases']:.0f}" for c in columns)]
    return table(["metric", *columns], [counts, *rows])


def _category_row(label: str, results: Sequence[CaseResult], summary: Mapping[str, float]) -> list[str]:
    splits = {s: [r for r in results if r.case.split == s] for s in SPLITS}
    passed = " / ".join(f"{sum(r.passed for r in group)}/{len(group)}" for group in splits.values())
    keys = ("fact_recall", "lead_accuracy", "claim_precision", "refusal_accuracy")
    return [label, passed, *(f"{summary[k]:.3f}" for k in keys), f"{summary['latency_p50_ms']:.0f}"]


def category_table(run: Report) -> str:
    """One row per category: cases passed per split, and its main metrics over both."""
    rows = [
        _category_row(name, [r for r in run.results if r.case.category == name], summary)
        for name, summary in run.categories.items()
    ]
    rows.append(_category_row("all", run.results, run.summary))
    headings = [
        "category",
        "passed (tune / heldout)",
        "fact recall",
        "lead",
        "precision",
        "refusal",
        "p50 ms",
    ]
    return table(headings, rows)


def console_summary(run: Report) -> str:
    """Per-category summary and the headline metrics per split, for the terminal."""
    head = f"eval: {run.label} (retriever={run.retriever}, answerer={run.answerer}), {len(run.results)} cases"
    return f"{head}\n{category_table(run)}\n\n{metrics_table(run)}"


def gate_verdict(run: Report, gate: Gate) -> str:
    """One line per threshold and split: which passed and which failed."""
    failed = {(f.metric, f.split): f for f in run.failures}
    lines = [f"gate ({run.retriever} + {run.answerer}): " + ("PASSED" if run.passed_gate else "FAILED")]
    for name, threshold in gate.thresholds.items():
        for split in SPLITS:
            if (name, split) in failed:
                lines.append(f"  FAIL {failed[name, split]}")
            else:
                value = run.splits[split][name]
                lines.append(f"  ok   {name} [{split}] = {value:.3f} ({threshold.describe(split)})")
    return "\n".join(lines)


def case_row(result: CaseResult) -> dict[str, Any]:
    """One case as JSON-ready data."""
    return {
        "id": result.case.id,
        "category": result.case.category,
        "split": result.case.split,
        "question": result.case.question,
        "passed": result.passed,
        "problems": result.problems,
        "expect_refusal": result.case.expect_refusal,
        "refused": result.refused,
        "missing_facts": [list(f) for f in result.missing_facts],
        "missing_lead": [list(f) for f in result.missing_lead],
        "claims": result.claims,
        "claims_on_topic": result.claims_on_topic,
        "statement_words": result.statement_words,
        "within_budget": result.within_budget,
        "dropped_claims": result.dropped,
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
        "variant": run.variant,
        "index": run.index,
        "gated": run.gated,
        "gate_passed": run.passed_gate if run.gated else None,
        "gate_failures": [str(f) for f in run.failures],
        "summary": run.summary,
        "splits": run.splits,
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
    parts += [metrics_table(run), "", category_table(run), ""]
    rows = [
        [
            r.case.id,
            r.case.category,
            r.case.split,
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
        table(["id", "category", "split", "question", "result", "missing facts", "cited sources"], rows),
    ]
    return "\n".join(parts) + "\n"


def write_report(run: Report, directory: Path) -> list[Path]:
    """Write ``eval-<retriever>-<answerer>.json`` and ``.md`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / f"eval-{run.label}-{run.answerer}"
    json_path, md_path = stem.with_suffix(".json"), stem.with_suffix(".md")
    json_path.write_text(json.dumps(to_json(run), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(to_markdown(run), encoding="utf-8")
    return [json_path, md_path]


def ablation_table(runs: Sequence[Report], broken: Mapping[str, str] | None = None) -> str:
    """One row per run and split (retrievers, then answerer parts switched off).

    ``broken`` maps runs that failed to the error; they get a row saying so.
    """
    rows = []
    for r in runs:
        for split in _columns(r):
            rows.append([r.label, split, *(fmt.format(r.splits[split][k]) for k, _, fmt in ABLATION_COLUMNS)])
    rows += [[name, "—", *(["error"] * len(ABLATION_COLUMNS))] for name in broken or {}]
    return table(["run", "split", *(label for _, label, _ in ABLATION_COLUMNS)], rows)


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
        "rows": [{"run": r.label, "retriever": r.retriever, "splits": r.splits} for r in runs],
        "failed": dict(broken),
    }
    json_path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return [md_path, json_path]
