"""The ``citewise`` command: ingest, ask, chat, eval, sources, doctor.

Results go to stdout; progress bars and logs to stderr. A ``CitewiseError`` prints its
message and exits 2; anything unexpected prints one line asking for a bug report and
exits 1.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

import ingest  # noqa: F401  (sets the offline environment before heavy imports)
from ingest.errors import CitewiseError
from ingest.settings import Settings

logger = logging.getLogger("citewise")
DEFAULT_CORPUS = Path("corpus")
# What a maintainer checks first about a source; `sources --json` gives each (null when absent).
SOURCE_FIELDS = ("pmid", "doi", "url", "authors", "journal", "provenance", "superseded_by")


def _guard(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn errors into messages and exit codes (2: user-fixable, 1: a bug)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CitewiseError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # a bug: one line, and where to report it
            logger.debug("unexpected error", exc_info=True)
            click.echo(
                f"unexpected error: {type(exc).__name__}: {exc}. This is a bug in citewise; "
                "please report it with the command you ran (add -v for a traceback).",
                err=True,
            )
            sys.exit(1)

    return wrapper


def _settings(ctx: click.Context, **overrides: Any) -> Settings:
    base: Settings = ctx.obj["settings"]
    return base.with_(**overrides)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--home",
    type=click.Path(path_type=Path),
    help="Data directory (default: $CITEWISE_HOME or ~/.local/share/citewise).",
)
@click.option(
    "--chroma-url", help="Use a Chroma server, e.g. http://127.0.0.1:8000 (default: embedded store)."
)
@click.option("-v", "--verbose", count=True, help="More logging on stderr (-vv for debug).")
@click.version_option(package_name="citewise")
@click.pass_context
def main(ctx: click.Context, home: Path | None, chroma_url: str | None, verbose: int) -> None:
    """citewise: literature-grounded answers for clinicians, every statement cited.

    \b
    Typical use:
      citewise ingest corpus/
      citewise ask "Does the treatment studied in the trials improve outcomes?"
      citewise chat
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in (
        "httpx",
        "chromadb",
        "sentence_transformers",
        "bm25s",
        "urllib3",
        "gradio",
    ):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    try:
        ctx.obj = {"settings": Settings.from_env(home=home, chroma_url=chroma_url)}
    except CitewiseError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


@main.command("ingest")
@click.argument("corpus_dir", required=False, type=click.Path(path_type=Path), default=DEFAULT_CORPUS)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option(
    "--device",
    type=click.Choice(["cpu", "cuda", "auto"]),
    default="cpu",
    show_default=True,
    help="Where to embed: cpu (ONNX Runtime), cuda (a GPU, via torch), auto (a GPU when present).",
)
@click.pass_context
@_guard
def ingest_command(ctx: click.Context, corpus_dir: Path, quiet: bool, device: str) -> None:
    """Build or update the index from CORPUS_DIR (default: ./corpus).

    Only changed documents are embedded; with nothing changed this is a no-op. A
    failed or interrupted ingest leaves the previous index usable. A damaged index is
    repaired on the way (see `citewise doctor`), and PubMed records already in the
    corpus (same PMID or DOI) are skipped and named. CORPUS_DIR may hold a lexicon.yaml
    (synonyms, term kinds, chat texts; see corpus/README.md).

    Example: citewise ingest corpus/
    """
    from ingest import build_index
    from ingest.embedding import Embedder, model_cache

    settings = _settings(ctx)
    embedder = Embedder(device=device, cache_dir=model_cache(settings.home))
    report = build_index(settings, corpus_dir, embedder=embedder, progress=None if quiet else _progress_bar)
    click.echo(report.summary(), err=True)


@main.command("doctor")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
@_guard
def doctor_command(ctx: click.Context, quiet: bool) -> None:
    """Check every file of the index and repair what is damaged.

    Rebuilds each missing or broken piece from what survives (a lost CURRENT pointer,
    chunk or sentence vectors, BM25, the manifest, a corrupt Chroma store) without the
    corpus, re-embedding only what cannot be recovered, and says what it did. Exits 0
    when the index is healthy or repaired, 2 when it cannot be repaired.

    Example: citewise doctor
    """
    from ingest import repair_index

    report = repair_index(_settings(ctx), progress=None if quiet else _progress_bar)
    click.echo(report.summary())


def _progress_bar(total: int, desc: str) -> Any:
    from tqdm import tqdm

    unit = "vector" if desc == "storing" else "text"
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True)


def _ask_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--top-k", type=click.IntRange(1, 50), help="Passages handed to the answerer (default 8)."
    )(func)
    func = click.option(
        "--answerer", type=click.Choice(["extractive", "llm"]), help="Answer backend (default extractive)."
    )(func)
    func = click.option(
        "--retriever",
        type=click.Choice(["hybrid", "dense", "bm25", "langchain"]),
        help="Retrieval strategy (default hybrid).",
    )(func)
    return click.option(
        "--audit-log",
        type=click.Path(path_type=Path),
        help="Append one JSON line per answer (contains question text).",
    )(func)


@main.command("ask")
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (see DESIGN.md).")
@click.option(
    "--jsonl",
    type=click.File("rb"),
    help='Batch: read lines {"id": ..., "question": ...} from FILE or -; write one JSON line '
    "per line, an error object for a bad one; exit 2 if any line was bad.",
)
@_ask_options
@click.pass_context
@_guard
def ask_command(ctx: click.Context, question: str | None, as_json: bool, jsonl: Any, **options: Any) -> None:
    """Answer QUESTION from the indexed corpus, with cited verbatim quotes.

    Example: citewise ask --json "What proportion of patients responded to treatment?"
    """
    from assistant.batch import question_text
    from assistant.pipeline import Assistant

    if (question is None) == (jsonl is None):
        raise click.UsageError("give either a QUESTION or --jsonl FILE")
    if question is not None:
        question_text(question)  # before loading the model: bytes that are not UTF-8
    assistant = Assistant(_settings(ctx, **options))
    if jsonl is not None:
        _ask_batch(assistant, jsonl)
        return
    answer = assistant.ask(str(question))
    click.echo(answer.model_dump_json(indent=2) if as_json else answer.answer)


def _ask_batch(assistant: Any, stream: Any) -> None:
    """One JSON line per input line, flushed as it is written; exit 2 if any line was bad."""
    from assistant.batch import answer_lines

    def write(line: str) -> None:
        sys.stdout.write(line)
        sys.stdout.flush()

    summary = answer_lines(assistant, stream, write)
    if summary.failed:
        click.echo(
            f"error: {summary.failed} of {summary.answered + summary.failed} lines could not be answered; "
            "their error objects are on stdout, in place",
            err=True,
        )
        sys.exit(2)


@main.command("sources")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_context
@_guard
def sources_command(ctx: click.Context, as_json: bool) -> None:
    """List the indexed documents: id, kind, year, title, chunks.

    With --json, each source also carries its pmid, doi, url, authors, journal,
    study_type, provenance, superseded_by (null when the document has none) and the
    corpus file path.

    Example: citewise sources --json
    """
    from ingest import load_generation

    generation = load_generation(_settings(ctx))
    rows = [
        {
            "id": doc_id,
            "kind": d["meta"]["kind"],
            "study_type": d["meta"].get("study_type"),
            "year": d["meta"]["year"],
            "title": d["meta"]["title"],
            "chunks": generation.manifest["documents"][doc_id]["chunks"],
            **{key: d["meta"].get(key) for key in SOURCE_FIELDS},
            "path": d.get("path"),
        }
        for doc_id, d in sorted(generation.documents.items())
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        click.echo(f"{r['id']:<34} {r['kind']:<9} {r['year']}  {r['chunks']:>3} chunks  {r['title'][:70]}")
    click.echo(f"{len(rows)} documents, {sum(r['chunks'] for r in rows)} chunks", err=True)


@main.command("chat")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to bind. Any other than loopback without --auth prints a warning: "
    "bind to 127.0.0.1 behind a proxy with login instead (docs/DEPLOYMENT.md).",
)
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535))
@click.option("--share", is_flag=True, help="Create a public Gradio share link (off by default).")
@click.option("--auth", help="Require login 'user:password' (or set CITEWISE_AUTH).")
@click.option(
    "--concurrency",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Answers computed at once.",
)
@_ask_options
@click.pass_context
@_guard
def chat_command(
    ctx: click.Context, host: str, port: int, share: bool, auth: str | None, concurrency: int, **options: Any
) -> None:
    """Open the chat in a browser at http://HOST:PORT.

    Example: citewise chat --port 7860
    """
    from assistant.chat import launch

    launch(_settings(ctx, auth=auth, **options), host=host, port=port, share=share, concurrency=concurrency)


@main.command("calibrate")
@click.option(
    "--cases",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Eval cases YAML of this corpus (its tune split is used). Default: the bundled cases "
    "when the index is the bundled corpus, else questions generated from the corpus.",
)
@click.pass_context
@_guard
def calibrate_command(ctx: click.Context, cases: Path | None) -> None:
    """Fit the refusal threshold to this corpus and store it with the index.

    How sure the answerer must be before it answers depends on the corpus. This fits the
    threshold on the corpus's own tune questions (never the held-out ones) and keeps it
    beside the index; answers warn when the corpus changes after calibration.

    Example: citewise calibrate --cases my-corpus-cases.yaml
    """
    from assistant.pipeline import Assistant
    from evals.calibrate import run

    run(Assistant(_settings(ctx)), cases, echo=click.echo)


PUBMEDQA_OPTIONS = ("indexed", "left_out", "workdir", "control", "baseline", "calibrate")


def _pubmedqa_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--calibrate/--no-calibrate",
        default=True,
        show_default=True,
        help="pubmedqa: fit the refusal threshold on the tune questions first (as 'citewise calibrate').",
    )(func)
    func = click.option(
        "--baseline/--no-baseline",
        default=True,
        show_default=True,
        help="pubmedqa: also run the plain LangChain baseline over the same index.",
    )(func)
    func = click.option(
        "--control",
        type=click.Choice(["always-refuse", "always-answer"]),
        help="pubmedqa: swap the answerer for a deliberately wrong one, to see the gate fail.",
    )(func)
    func = click.option(
        "--workdir",
        type=click.Path(path_type=Path, file_okay=False),
        help="pubmedqa: keep the corpus and index here and reuse them (default: a temporary directory).",
    )(func)
    func = click.option(
        "--left-out",
        type=click.IntRange(0, 499),
        default=50,
        show_default=True,
        help="pubmedqa: abstracts left out of the corpus, whose questions must be refused.",
    )(func)
    return click.option(
        "--indexed",
        type=click.IntRange(1, 500),
        default=100,
        show_default=True,
        help="pubmedqa: abstracts put in the corpus (the dataset has 500 in all).",
    )(func)


@main.command("eval")
@click.option(
    "--cases",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Eval cases YAML (default: bundled).",
)
@click.option(
    "--reports",
    type=click.Path(path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Where reports go.",
)
@click.option("--ablation", is_flag=True, help="Run every retriever and print one comparison table.")
@click.option(
    "--retriever",
    type=click.Choice(["hybrid", "dense", "bm25", "langchain", "shuffled"]),
    default="hybrid",
    show_default=True,
    help="Retrieval strategy; 'shuffled' returns unrelated passages and exists to prove the gate can fail.",
)
@click.option(
    "--answerer", type=click.Choice(["extractive", "llm"]), help="Answer backend (default extractive)."
)
@click.option("--top-k", type=click.IntRange(1, 50), help="Passages handed to the answerer (default 8).")
@click.option(
    "--gate",
    "gate_file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Gate thresholds YAML (default: evals/gate.yaml, or evals/gate-pubmedqa.yaml for --suite pubmedqa).",
)
@click.option(
    "--suite",
    type=click.Choice(["anti-mag", "pubmedqa"]),
    default="anti-mag",
    show_default=True,
    help="anti-mag: the bundled cases over the index in --home. pubmedqa: real PubMed abstracts, "
    "indexed in a corpus of their own (never your index), side by side with the LangChain baseline.",
)
@_pubmedqa_options
@click.pass_context
@_guard
def eval_command(
    ctx: click.Context,
    cases: Path | None,
    reports: Path,
    ablation: bool,
    retriever: str,
    gate_file: Path | None,
    suite: str,
    **options: Any,
) -> None:
    """Run the eval suite; exit 3 when a gate threshold is missed.

    \b
    Example: citewise eval --retriever hybrid
             citewise eval --suite pubmedqa --indexed 100 --left-out 50
    """
    import evals

    pubmedqa = {name: options.pop(name) for name in PUBMEDQA_OPTIONS}
    _check_suite_options(ctx, suite)
    if suite == "pubmedqa":
        ok = _eval_pubmedqa(ctx, reports, retriever, gate_file, pubmedqa, options)
        sys.exit(0 if ok else 3)
    ok = evals.main(
        _settings(ctx, **options),
        cases=cases,
        reports=reports,
        ablation=ablation,
        retriever=retriever,
        echo=click.echo,
        gate_file=gate_file,
    )
    sys.exit(0 if ok else 3)


def _check_suite_options(ctx: click.Context, suite: str) -> None:
    """Refuse options that the chosen suite would silently ignore."""
    from click.core import ParameterSource

    own = {"pubmedqa": PUBMEDQA_OPTIONS, "anti-mag": ("cases", "ablation")}
    other = own["anti-mag" if suite == "pubmedqa" else "pubmedqa"]
    given = [n for n in other if ctx.get_parameter_source(n) not in (None, ParameterSource.DEFAULT)]
    if given:
        names = ", ".join("--" + n.replace("_", "-") for n in given)
        raise click.UsageError(f"{names} cannot be used with --suite {suite}")


def _eval_pubmedqa(
    ctx: click.Context,
    reports: Path,
    retriever: str,
    gate_file: Path | None,
    pubmedqa: dict[str, Any],
    options: dict[str, Any],
) -> bool:
    from evals.pubmedqa_suite import SuiteOptions, main

    suite_options = SuiteOptions(retriever=retriever, gate_file=gate_file, reports=reports, **pubmedqa)
    return main(_settings(ctx, **options), suite_options, echo=click.echo, progress=_progress_bar)


if __name__ == "__main__":
    main()
