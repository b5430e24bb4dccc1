"""Warm `ask` latency on real abstracts, side by side with the plain LangChain baseline.

Two indexes, measured in one run:

1. *PubMedQA*: the 500 real PubMed abstracts of the PubMedQA dev set (the whole set;
   ``--abstracts`` for fewer), written as a corpus by ``evals.pubmedqa.write_corpus``.
2. *Recombined*: about ``--chunks`` chunks (default 10,000) in new documents, each made
   of whole sections taken, seeded, from different abstracts. A chunk never crosses a
   section, so every chunk is real abstract text and its vector is the real vector of
   that text: the embedder caches vectors by text, so each distinct text is embedded for
   real once. The vocabulary and the learned abbreviations are those of 500 real
   abstracts, not of the 15-document bundled corpus.

The questions are the PubMedQA questions of indexed abstracts. Each timed call embeds
its question (the query cache is cleared). Rows: the full ``Assistant.ask`` (hybrid +
extractive), citewise retrieval alone, and the baseline ``LangChainChromaRetriever``
(plain ``Chroma.similarity_search``). ``--compare-with DIR`` also runs the same
measurement with the citewise source tree in DIR (e.g. an older commit) on the same
indexes, in its own process. Each measurement runs in a fresh process.

Run: .venv/bin/python bench/query.py [--abstracts 500] [--chunks 10000] [--questions 60]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# A worker imports citewise from the tree on its PYTHONPATH, which must come first.
if "--worker" in sys.argv:  # and bench/ingest.py must not shadow the ingest package
    sys.path = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"] + [str(ROOT)]
else:
    sys.path.insert(0, str(ROOT))

from bench.tables import percentiles, table  # noqa: E402

WORKER_TIMEOUT_S = 3600


def write_recombined(abstracts: list[Any], directory: Path, chunks_wanted: int, seed: int = 11) -> int:
    """Documents of whole sections from different abstracts; returns the document count."""
    from evals.pubmedqa import CONCLUSION_SECTION

    rng = random.Random(seed)
    sections = [s for a in abstracts for s in a.sections] + [
        (CONCLUSION_SECTION, a.conclusion) for a in abstracts
    ]
    per_doc = 4
    # A section of a ~240-word abstract is usually one chunk; a few long ones make two.
    documents = max(1, round(chunks_wanted / (per_doc * 1.08)))
    target = directory / "research"
    target.mkdir(parents=True, exist_ok=True)
    for d in range(documents):
        body = "\n\n".join(f"## {label}\n\n{text}" for label, text in rng.sample(sections, per_doc))
        (target / f"mix-{d:05d}.md").write_text(
            f"---\nid: mix-{d:05d}\nkind: research\ntitle: Recombined abstract sections {d}\n"
            f"authors: [Bench]\nyear: 2020\nprovenance: abstract\n---\n{body}\n",
            encoding="utf-8",
        )
    return documents


def caching_embedder(cache_dir: Path) -> Any:
    """The real ONNX embedder, embedding each distinct text once."""
    from ingest import Embedder

    class CachingEmbedder(Embedder):
        def __init__(self) -> None:
            super().__init__(cache_dir=cache_dir)
            self.cache: dict[str, np.ndarray] = {}
            self.misses = 0

        def encode(self, texts, *, batch_size=64, on_batch=None):  # noqa: ANN001, ANN201
            missing = list(dict.fromkeys(t for t in texts if t not in self.cache))
            self.misses += len(missing)
            if missing:
                fresh = super().encode(missing, batch_size=batch_size, on_batch=on_batch)
                self.cache.update(zip(missing, fresh, strict=True))
            if not texts:
                return np.zeros((0, self.dimension), np.float32)
            return np.stack([self.cache[t] for t in texts])

    return CachingEmbedder()


def measure(home: Path, questions: list[str], repeats: int) -> dict[str, Any]:
    """Worker: warm latency of each path over ``questions`` (runs with any citewise tree)."""
    from assistant.knowledge import KnowledgeBase
    from assistant.pipeline import Assistant
    from ingest import Settings

    try:
        from assistant.langchain_api import LangChainChromaRetriever
    except ImportError:  # a tree from before the LangChain views left assistant.retrieval
        from assistant.retrieval import LangChainChromaRetriever  # type: ignore[attr-defined,no-redef]

    started = time.perf_counter()
    settings = Settings(home=home)
    kb = KnowledgeBase(settings)
    bot = Assistant(settings, kb)
    baseline = LangChainChromaRetriever(kb=kb, top_k=settings.top_k)
    bot.ask(questions[0])
    baseline.retrieve(questions[0])
    load_s = time.perf_counter() - started
    calls = {"ask": bot.ask, "retrieve": bot.retriever.retrieve, "langchain": baseline.retrieve}
    times: dict[str, list[float]] = {name: [] for name in calls}
    cpu: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeats):
        for question in questions:
            for name, call in calls.items():
                kb.clear_query_cache()
                c, t = time.process_time(), time.perf_counter()
                call(question)
                times[name].append(time.perf_counter() - t)
                cpu[name].append(time.process_time() - c)
    stats = {name: [round(v * 1000, 1) for v in percentiles(s)] for name, s in times.items()}
    cpu_stats = {name: [round(v * 1000, 1) for v in percentiles(s)] for name, s in cpu.items()}
    return {"chunks": len(kb.chunks), "load_s": round(load_s, 2), "ms": stats, "cpu_ms": cpu_stats}


def run_worker(tree: Path, home: Path, questions: list[str], repeats: int) -> dict[str, Any]:
    """``measure`` in a fresh process that imports citewise from ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    done = subprocess.run(
        [sys.executable, __file__, "--worker", str(home), "--repeats", str(repeats)],
        input=json.dumps(questions),
        capture_output=True,
        text=True,
        env=env,
        cwd=tree,
        timeout=WORKER_TIMEOUT_S,
    )
    if done.returncode != 0:
        raise SystemExit(f"worker failed ({tree}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def build(work: Path, args: argparse.Namespace) -> tuple[dict[str, Path], list[str]]:
    """Both indexes, and the questions of indexed abstracts."""
    from evals.pubmedqa import load_abstracts, write_corpus
    from ingest import Settings, build_index

    abstracts = load_abstracts()[: args.abstracts]
    embedder = caching_embedder(work / "models")
    homes = {"pubmedqa": work / "home-pubmedqa", "recombined": work / "home-recombined"}
    corpus = write_corpus(abstracts, work / "corpus-pubmedqa")
    t = time.perf_counter()
    report = build_index(Settings(home=homes["pubmedqa"]), corpus, embedder=embedder)
    print(
        f"pubmedqa: {report.documents} abstracts, {report.chunks} chunks, built in {time.perf_counter() - t:.0f} s"
    )
    documents = write_recombined(abstracts, work / "corpus-recombined", args.chunks)
    embedder.misses = 0
    t = time.perf_counter()
    report = build_index(Settings(home=homes["recombined"]), work / "corpus-recombined", embedder=embedder)
    print(
        f"recombined: {documents} documents, {report.chunks} chunks, built in {time.perf_counter() - t:.0f} s "
        f"({embedder.misses} texts not seen in the abstracts embedded for real)"
    )
    for home in homes.values():  # the ONNX export, so the query processes find it
        shutil.copytree(work / "models", home / "models", dirs_exist_ok=True)
    rng = random.Random(5)
    questions = [a.question for a in rng.sample(abstracts, min(args.questions, len(abstracts)))]
    return homes, questions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--abstracts", type=int, default=500, help="PubMedQA abstracts indexed (at most 500)")
    parser.add_argument("--chunks", type=int, default=10_000, help="size of the recombined index")
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--compare-with", type=Path, help="another citewise source tree to measure too")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(measure(args.worker, json.loads(sys.stdin.read()), args.repeats)))
        return
    work = Path(tempfile.mkdtemp(prefix="citewise-bench-query-"))
    try:
        homes, questions = build(work, args)
        trees = {"this tree": ROOT} | ({"compared": args.compare_with.resolve()} if args.compare_with else {})
        rows = []
        for label, home in homes.items():
            for tree_name, tree in trees.items():
                r = run_worker(tree, home, questions, args.repeats)
                for clock, key in (("wall", "ms"), ("CPU", "cpu_ms")):
                    ms = r[key]
                    ratio = ms["ask"][0] / ms["langchain"][0]
                    rows.append(
                        [
                            label,
                            tree_name,
                            clock,
                            r["chunks"],
                            *ms["ask"],
                            *ms["retrieve"],
                            *ms["langchain"],
                            ratio,
                        ]
                    )
        print(f"\n{len(questions)} questions x {args.repeats}, warm, each call embeds its question")
        print(
            "wall: elapsed time; CPU: the process's CPU time (all threads), which other people's load does not inflate"
        )
        header = [
            "index",
            "code",
            "clock",
            "chunks",
            "ask p50 ms",
            "ask p95 ms",
            "retrieve p50",
            "retrieve p95",
        ]
        header += ["langchain p50", "langchain p95", "ask / langchain p50"]
        print(table(header, rows))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
