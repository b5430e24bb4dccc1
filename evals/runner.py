"""Run the eval cases through the real pipeline and judge the result against the gate.

``main`` is what ``citewise eval`` calls. The model and index are loaded once and shared
by every retriever of an ablation.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant import Assistant, KnowledgeBase
from assistant.answerers import Features
from evals import report as render
from evals.cases import CATEGORIES, Case, Gate, check_sources, load_cases, load_gate
from evals.grading import CaseResult, Report, by_category, by_split, check_gate, grade_case
from evals.retrievers import UnrelatedRetriever
from ingest import Settings, load_generation

logger = logging.getLogger(__name__)

ABLATION = ("hybrid", "dense", "bm25", "langchain")
GATED_RETRIEVER = "hybrid"


def build_assistant(
    settings: Settings, kb: KnowledgeBase, retriever: str, features: Features | None = None
) -> Assistant:
    """The assistant for one retriever name (and answering features), sharing the loaded ``kb``."""
    if retriever == "shuffled":
        return Assistant(settings, kb=kb, retriever=UnrelatedRetriever(kb=kb, top_k=settings.top_k))
    return Assistant(settings.with_(retriever=retriever), kb=kb, features=features)


def ablation_runs(retriever: str) -> list[tuple[str, str, Features | None]]:
    """(row label, retriever, features) of every ablation row: each retriever with every
    answering part on, then the default retriever with one part switched off at a time."""
    rows: list[tuple[str, str, Features | None]] = [(name, name, None) for name in ABLATION]
    if retriever not in ABLATION:
        rows.append((retriever, retriever, None))
    rows += [
        (f"without {name.replace('_', ' ')}", GATED_RETRIEVER, Features().without(name))
        for name in Features.names()
    ]
    return rows


def run_suite(
    assistant: Assistant, cases: Sequence[Case], documents: dict[str, str], gate: Gate | None = None
) -> list[CaseResult]:
    """Ask every case's question through the chain, timing it, and grade the answer.

    Args:
        assistant: The pipeline to evaluate.
        cases: The eval cases.
        documents: Source id -> document text of the index generation, for the quote check.
        gate: Its per-category length budgets grade each answer (None: no budget).
    """
    results = []
    terms = assistant.kb.vocabulary
    for case in cases:
        start = time.perf_counter()
        answer = assistant.ask(case.question, id=case.id)
        latency_ms = (time.perf_counter() - start) * 1000
        budget = gate.budget(case.category) if gate else None
        result = grade_case(case, answer, documents, latency_ms, budget=budget, terms=terms)
        logger.info("%s: %s", case.id, "pass" if result.passed else "; ".join(result.problems))
        results.append(result)
    return results


def evaluate(
    assistant: Assistant,
    retriever: str,
    cases: Sequence[Case],
    documents: dict[str, str],
    gate: Gate | None,
    *,
    budgets: Gate | None = None,
    variant: str = "",
) -> Report:
    """Run the cases and, when ``gate`` is given, check its thresholds on every split.

    ``budgets`` grades answer length for an ungated run (defaults to ``gate``).
    """
    _forget_query_vectors(assistant.kb)
    results = run_suite(assistant, cases, documents, gate or budgets)
    splits = by_split(results)
    return Report(
        retriever=retriever,
        answerer=assistant.answerer.name,
        results=tuple(results),
        splits=splits,
        categories=by_category(results, CATEGORIES),
        gated=gate is not None,
        failures=tuple(check_gate(splits, gate)) if gate else (),
        index=assistant.kb.index_info(),
        variant=variant,
    )


def _forget_query_vectors(kb: KnowledgeBase) -> None:
    """Empty the knowledge base's cache of question vectors before a timed run.

    The retriever and the answerer share one cached embedding per question; without
    this, every ablation row after the first would reuse the first row's vectors and
    look faster than it is.
    """
    kb.clear_query_cache()


def main(
    settings: Settings,
    cases: Path | None = None,
    reports: Path = Path("reports"),
    ablation: bool = False,
    retriever: str = GATED_RETRIEVER,
    echo: Callable[[str], object] = print,
    *,
    kb: KnowledgeBase | None = None,
    gate_file: Path | None = None,
) -> bool:
    """Run the eval suite, print summaries, write reports; True when the gate passed.

    Without ``ablation`` the gate judges the one run asked for. With it, every retriever
    of ``ABLATION`` (plus ``retriever`` if it is not among them) runs, then the hybrid
    retriever with each answering part switched off in turn (bottom line, evidence order,
    section weighting, premise check, topic check), one comparison table is printed, and
    the gate judges the full hybrid row only.

    Raises:
        ConfigError: the cases or gate file is invalid, or names an unknown source.
        IndexNotFoundError: there is no index to evaluate.
    """
    case_list = load_cases(cases)
    gate = load_gate(gate_file)
    documents = {doc_id: d["text"] for doc_id, d in load_generation(settings).documents.items()}
    check_sources(case_list, set(documents), cases)
    kb = kb or KnowledgeBase(settings)
    kb.warm_up()
    rows = ablation_runs(retriever) if ablation else [(retriever, retriever, None)]
    runs, broken = [], {}
    for label, name, features in rows:
        gated = not ablation or (name == GATED_RETRIEVER and features is None)
        try:
            run = evaluate(
                build_assistant(settings, kb, name, features),
                name,
                case_list,
                documents,
                gate if gated else None,
                budgets=gate,
                variant=label if features is not None else "",
            )
        except Exception as exc:  # an informational ablation row must not hide the others
            if gated:
                raise
            logger.debug("ablation row %s failed", name, exc_info=True)
            broken[label] = f"{type(exc).__name__}: {exc}"
            echo(f"eval: {label} failed ({broken[label]}); this is a bug, the row is left out")
            continue
        echo(render.console_summary(run))
        echo("reports: " + ", ".join(str(p) for p in render.write_report(run, reports)))
        runs.append(run)
    if ablation:
        echo(render.ablation_table(runs, broken))
        echo("ablation: " + ", ".join(str(p) for p in render.write_ablation(runs, reports, broken)))
    judged = next(r for r in runs if r.gated)
    echo(render.gate_verdict(judged, gate))
    return judged.passed_gate
