"""``citewise eval --suite pubmedqa``: real PubMed abstracts, indexed and left out.

The suite writes a corpus of ``indexed`` PubMedQA abstracts (neutral titles, the
conclusion as the last section; see ``evals.pubmedqa``) into a working directory,
ingests it with the real pipeline, and asks the question of every indexed abstract and
of ``left_out`` abstracts that are not in the corpus. Each system runs over the same
index in the same process: the configured one (hybrid retrieval by default), which the
gate judges, and the plain LangChain baseline (retriever ``langchain``), for comparison.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant import Assistant, KnowledgeBase
from evals import pubmedqa_report as render
from evals.cases import SPLITS
from evals.controls import apply_control
from evals.pubmedqa import (
    Abstract,
    Question,
    assign_splits,
    calibration_questions,
    load_abstracts,
    make_questions,
    split_abstracts,
    write_corpus,
)
from evals.pubmedqa_gate import check_gate, load_gate
from evals.pubmedqa_metrics import QuestionResult, Summary, grade, summarise_splits
from evals.runner import build_assistant
from ingest import ConfigError, Embedder, Settings, build_index
from ingest.index import ProgressFactory

logger = logging.getLogger(__name__)

DEFAULT_INDEXED = 100
DEFAULT_LEFT_OUT = 50
BASELINE = "langchain"
# A working directory holding this file was made by the suite and may be rewritten.
MARKER = ".citewise-pubmedqa"


@dataclass(frozen=True, slots=True)
class SuiteOptions:
    """What ``citewise eval --suite pubmedqa`` was asked to do."""

    indexed: int = DEFAULT_INDEXED
    left_out: int = DEFAULT_LEFT_OUT
    workdir: Path | None = None
    retriever: str = "hybrid"
    control: str | None = None
    baseline: bool = True
    calibrate: bool = True
    gate_file: Path | None = None
    reports: Path = Path("reports")


@dataclass(frozen=True, slots=True)
class SystemRun:
    """Every question asked of one system, graded, with summaries by split."""

    retriever: str
    answerer: str
    gated: bool
    results: tuple[QuestionResult, ...]
    summaries: dict[str, Summary]
    wall_s: float = 0.0  # the sum of its timed answers


@dataclass(frozen=True, slots=True)
class SuiteReport:
    """One run of the suite: sizes, systems side by side, the gate's verdict."""

    indexed: int
    left_out: int
    questions: dict[str, dict[str, int]]
    runs: tuple[SystemRun, ...]
    failures: tuple[str, ...]
    gate_file: str
    wall_s: float
    stages_s: dict[str, float] = field(default_factory=dict)
    calibration: dict[str, Any] | None = None
    index: dict[str, str] = field(default_factory=dict)
    date: str = field(default_factory=lambda: dt.date.today().isoformat())

    @property
    def passed(self) -> bool:
        """True when the gated system met every threshold on both splits."""
        return not self.failures


@contextmanager
def working_directory(workdir: Path | None) -> Iterator[Path]:
    """``workdir`` checked for use, or a temporary directory removed afterwards.

    Raises:
        ConfigError: ``workdir`` is a file, or a non-empty directory that the suite did
            not make (it may hold someone's index).
    """
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="citewise-pubmedqa-") as tmp:
            (Path(tmp) / MARKER).touch()
            yield Path(tmp)
        return
    if workdir.exists() and not workdir.is_dir():
        raise ConfigError(f"--workdir {workdir} is a file; give a directory for the suite's corpus and index")
    if workdir.is_dir() and any(workdir.iterdir()) and not (workdir / MARKER).exists():
        raise ConfigError(
            f"--workdir {workdir} is not empty and was not made by the pubmedqa suite; "
            "give a new or empty directory (the suite writes a corpus and an index there)"
        )
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / MARKER).touch()
    yield workdir


def calibrate_index(kb: KnowledgeBase, questions: Sequence[Question] | None) -> dict[str, Any] | None:
    """Fit the index's refusal threshold on the tune questions, as ``citewise calibrate``
    does for a corpus, and store it with the index; returns what was fitted.

    With ``questions`` None the index keeps no calibration (the default constants apply),
    so a calibration left by an earlier run in the same working directory is removed.

    Raises:
        ConfigError: there is no tune question to fit on.
    """
    from assistant.calibration import calibration_path, save_calibration
    from evals.calibrate import calibrate

    fitted = None
    if questions is None:
        calibration_path(kb.settings.index_dir).unlink(missing_ok=True)
    else:
        chosen = calibration_questions(questions)
        try:
            calibration, _ = calibrate(
                Assistant(kb.settings, kb), chosen, f"{len(chosen)} pubmedqa tune questions"
            )
        except ValueError as exc:  # no tune question, or every one refused by the topic check
            raise ConfigError(
                f"pubmedqa: cannot calibrate on {len(chosen)} tune questions ({exc}); "
                "ask for more abstracts or pass --no-calibrate"
            ) from exc
        save_calibration(kb.settings.index_dir, calibration)
        fitted = calibration.model_dump(exclude={"created_at"})
    # Answerers read the calibration when they are built: forget the value cached before.
    vars(kb).pop("calibration", None)
    return fitted


@dataclass(frozen=True, slots=True)
class System:
    """One system to evaluate: its retriever's name, its pipeline, and whether it is gated."""

    retriever: str
    assistant: Assistant
    gated: bool


def ask(system: System, question: Question, documents: dict[str, str]) -> QuestionResult:
    """Ask one question, timing the whole ``ask`` with no cached question vector, and grade it."""
    system.assistant.kb.clear_query_cache()
    start = time.perf_counter()
    answer = system.assistant.ask(question.abstract.question, id=question.id)
    result = grade(question, answer, documents, (time.perf_counter() - start) * 1000)
    logger.info("%s %s: refused=%s cited=%s", system.retriever, question.id, result.refused, result.cited)
    return result


def run_systems(
    systems: Sequence[System],
    questions: Sequence[Question],
    documents: dict[str, str],
    progress: ProgressFactory | None = None,
) -> list[SystemRun]:
    """Every question of every system, interleaved: each question goes to every system in
    turn (in alternating order), so a change in machine load during the run falls on all
    systems alike and their latencies stay comparable. Each system answers one untimed
    question first."""
    for system in systems:
        system.assistant.ask(questions[0].abstract.question)
    results: list[list[QuestionResult]] = [[] for _ in systems]
    bar = progress(len(questions) * len(systems), "asking") if progress else None
    try:
        for number, question in enumerate(questions):
            order = list(range(len(systems)))
            for i in order if number % 2 == 0 else order[::-1]:
                results[i].append(ask(systems[i], question, documents))
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return [
        SystemRun(
            retriever=system.retriever,
            answerer=system.assistant.answerer.name,
            gated=system.gated,
            results=tuple(rows),
            summaries=summarise_splits(rows),
            wall_s=sum(r.latency_ms for r in rows) / 1000,
        )
        for system, rows in zip(systems, results, strict=True)
    ]


def _count(questions: Sequence[Question], split: str) -> dict[str, int]:
    """How many questions of ``split`` have their abstract indexed, and how many not."""
    inside = sum(q.split == split and q.in_corpus for q in questions)
    return {"in_corpus": inside, "left_out": sum(q.split == split for q in questions) - inside}


def _systems(options: SuiteOptions) -> list[tuple[str, bool]]:
    """(retriever, gated) for each system to run: the gated one first (controls apply to it)."""
    systems = [(options.retriever, True)]
    if options.baseline and options.retriever != BASELINE:
        systems.append((BASELINE, False))
    return systems


def prepare_index(
    settings: Settings,
    workdir: Path,
    indexed: Sequence[Abstract],
    calibrate_on: Sequence[Question] | None,
    progress: ProgressFactory | None,
) -> tuple[KnowledgeBase, dict[str, float], dict[str, Any] | None]:
    """Write and ingest the corpus, load it, calibrate it on ``calibrate_on`` (None: not).

    Returns:
        The loaded index, the seconds each stage took (ingest, load, calibrate), and the
        calibration fitted.
    """
    embedder = Embedder()  # one model for the ingest and the questions
    marks = [time.perf_counter()]
    build_index(settings, write_corpus(indexed, workdir / "corpus"), embedder=embedder, progress=progress)
    marks.append(time.perf_counter())
    kb = KnowledgeBase(settings, embedder)
    kb.warm_up()
    marks.append(time.perf_counter())
    calibration = calibrate_index(kb, calibrate_on)
    marks.append(time.perf_counter())
    stages = ("ingest", "load", "calibrate")
    seconds = {name: round(b - a, 2) for name, a, b in zip(stages, marks[:-1], marks[1:], strict=True)}
    return kb, seconds, calibration


def run(settings: Settings, options: SuiteOptions, progress: ProgressFactory | None = None) -> SuiteReport:
    """Build the corpus and index, ask every question of every system, judge the gate.

    Raises:
        ConfigError: sizes beyond the dataset, an unusable working directory, or an
            invalid gate file.
    """
    started = time.perf_counter()
    gate = load_gate(options.gate_file)
    abstracts = load_abstracts()
    try:
        indexed, left_out = split_abstracts(abstracts, indexed=options.indexed, left_out=options.left_out)
    except ValueError as exc:
        raise ConfigError(f"pubmedqa: {exc}; choose smaller --indexed/--left-out") from exc
    questions = make_questions(indexed, left_out, assign_splits(abstracts))
    with working_directory(options.workdir) as workdir:
        # The suite's own embedded index, never the user's: a Chroma server is not used.
        suite_settings = settings.model_copy(update={"home": workdir / "home", "chroma_url": None})
        kb, stages, calibration = prepare_index(
            suite_settings, workdir, indexed, questions if options.calibrate else None, progress
        )
        systems = [
            System(retriever, build_assistant(suite_settings, kb, retriever), gated)
            for retriever, gated in _systems(options)
        ]
        apply_control(systems[0].assistant, options.control)
        runs = run_systems(systems, questions, kb.texts, progress)
        index = kb.index_info()
    judged = next(r for r in runs if r.gated)
    return SuiteReport(
        indexed=len(indexed),
        left_out=len(left_out),
        questions={s: _count(questions, s) for s in SPLITS},
        runs=tuple(runs),
        failures=tuple(check_gate(judged.summaries, gate)),
        gate_file=str(options.gate_file or "evals/gate-pubmedqa.yaml"),
        wall_s=time.perf_counter() - started,
        stages_s=stages,
        calibration=calibration,
        index=index,
    )


def main(
    settings: Settings,
    options: SuiteOptions,
    echo: Callable[[str], object] = print,
    progress: ProgressFactory | None = None,
) -> bool:
    """Run the suite, print the table and the gate's verdict, write reports; True when it passed."""
    report = run(settings, options, progress)
    echo(render.console(report))
    echo("reports: " + ", ".join(str(p) for p in render.write_reports(report, options.reports)))
    echo(render.verdict(report))
    return report.passed
