"""Render the PubMedQA suite: the side-by-side table, the verdict, JSON and Markdown files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evals.pubmedqa_metrics import QuestionResult, Summary
from evals.report import table

if TYPE_CHECKING:  # the suite imports this module to render its results
    from evals.pubmedqa_suite import SuiteReport, SystemRun

# (metric, column heading, format) of the side-by-side table.
COLUMNS = (
    ("cited", "abstract cited", "{:.3f}"),
    ("cited_first", "cited first", "{:.3f}"),
    ("conclusion_quoted", "conclusion quoted", "{:.3f}"),
    ("left_out_refusal", "left-out refused", "{:.3f}"),
    ("wrong_refusal", "in-corpus refused", "{:.3f}"),
    ("quote_validity", "quotes valid", "{:.3f}"),
    ("p50_ms", "p50 ms", "{:.0f}"),
    ("p95_ms", "p95 ms", "{:.0f}"),
)
SPLIT_ORDER = ("tune", "heldout", "all")
# How many misses of each kind the Markdown report lists.
MISSES_SHOWN = 15


def system_label(run: SystemRun) -> str:
    """E.g. ``hybrid + extractive`` or ``langchain + extractive (baseline)``."""
    label = f"{run.retriever} + {run.answerer}"
    return label if run.gated else f"{label} (baseline)"


def _cell(value: float | None, fmt: str) -> str:
    return "n/a" if value is None else fmt.format(value)


def _row(label: str, split: str, summary: Summary) -> list[str]:
    return [label, split, *(_cell(summary.get(key), fmt) for key, _, fmt in COLUMNS)]


def side_by_side(report: SuiteReport, splits: Sequence[str] = SPLIT_ORDER) -> str:
    """One Markdown table: a row per system and split, every metric a column."""
    rows = [_row(system_label(run), split, run.summaries[split]) for run in report.runs for split in splits]
    return table(["system", "split", *(heading for _, heading, _ in COLUMNS)], rows)


def readme_table(report: SuiteReport) -> str:
    """The table for the README's evaluation section: tune and held-out, every system."""
    return side_by_side(report, ("tune", "heldout"))


def headline(report: SuiteReport) -> str:
    """One line on what was run and how long it took."""
    sizes = ", ".join(
        f"{split} {n['in_corpus'] + n['left_out']} ({n['in_corpus']} indexed + {n['left_out']} left out)"
        for split, n in report.questions.items()
    )
    fitted = report.calibration
    calibrated = (
        f"refusal threshold {fitted['min_support']:.4f} fitted on {fitted['fitted_on']}"
        if fitted
        else "refusal threshold not calibrated (default)"
    )
    stages = ", ".join(f"{stage} {seconds:.0f} s" for stage, seconds in report.stages_s.items())
    asking = ", ".join(f"{run.retriever} {run.wall_s:.0f} s" for run in report.runs)
    return (
        f"pubmedqa: {report.indexed} abstracts indexed, {report.left_out} left out; "
        f"{report.indexed + report.left_out} questions per system ({sizes}); {calibrated}. "
        f"Wall time: {stages}, answering (interleaved) {asking}; whole run {report.wall_s:.0f} s"
    )


def console(report: SuiteReport) -> str:
    """What the terminal shows: the headline and the side-by-side table."""
    return f"{headline(report)}\n\n{side_by_side(report)}"


def verdict(report: SuiteReport) -> str:
    """The gate's verdict on the gated system, naming every threshold missed."""
    judged = next(run for run in report.runs if run.gated)
    head = f"gate pubmedqa ({system_label(judged)}, {report.gate_file})"
    if report.passed:
        return f"{head}: PASSED on tune and heldout"
    return f"{head}: FAILED\n" + "\n".join(f"  {line}" for line in report.failures)


def report_data(report: SuiteReport) -> dict[str, Any]:
    """The report as plain data: what the JSON file holds."""
    return {"suite": "pubmedqa", "passed": report.passed, **asdict(report)}


def _misses(results: Sequence[QuestionResult]) -> list[str]:
    """Markdown lines for each kind of miss: abstract not cited, conclusion not quoted, left-out answered."""
    kinds = (
        (
            "In-corpus questions whose abstract was not cited",
            [r for r in results if r.in_corpus and not r.cited],
        ),
        (
            "Abstract cited, conclusion not quoted",
            [r for r in results if r.cited and not r.conclusion_quoted],
        ),
        ("Left-out questions answered anyway", [r for r in results if not r.in_corpus and not r.refused]),
    )
    lines = []
    for title, misses in kinds:
        lines += [f"### {title} ({len(misses)})", ""]
        lines += [f"- {r.pmid} ({r.split}): {r.question} — {_outcome(r)}" for r in misses[:MISSES_SHOWN]]
        lines.append("")
    return lines


def _outcome(result: QuestionResult) -> str:
    if result.refused:
        return f"refused: {result.refusal_reason}"
    return "cited " + ", ".join(result.sources)


def markdown(report: SuiteReport) -> str:
    """The Markdown report: headline, table, verdict, and the gated system's misses."""
    judged = next(run for run in report.runs if run.gated)
    parts = [
        f"# PubMedQA suite, {report.date}",
        "",
        headline(report) + ".",
        "",
        side_by_side(report),
        "",
        "```",
        verdict(report),
        "```",
        "",
        f"## Misses of {system_label(judged)} (first {MISSES_SHOWN} of each kind)",
        "",
        *_misses(judged.results),
    ]
    return "\n".join(parts) + "\n"


def write_reports(report: SuiteReport, directory: Path) -> list[Path]:
    """Write ``pubmedqa-<indexed>-<left_out>.json`` and ``.md`` under ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / f"pubmedqa-{report.indexed}-{report.left_out}"
    json_path, md_path = stem.with_suffix(".json"), stem.with_suffix(".md")
    json_path.write_text(
        json.dumps(report_data(report), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    md_path.write_text(markdown(report), encoding="utf-8")
    return [json_path, md_path]
