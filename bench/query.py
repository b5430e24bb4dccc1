"""Warm per-question latency of the full `ask` pipeline vs a plain LangChain Chroma retriever.

Both run over the same index in the same process, side by side: the real corpus, and a
synthetic corpus of about 10,000 chunks made by recombining real corpus sentences
(vectors for repeated texts are computed once and reused; every chunk text is embedded).
Also times one cold `citewise ask` process. Run: .venv/bin/python bench/query.py
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, KnowledgeBase  # noqa: E402
from assistant.retrieval import LangChainChromaRetriever  # noqa: E402
from ingest import Embedder, Settings, build_index, load_corpus, split_sentences  # noqa: E402

QUESTIONS = [
    "What proportion of patients with IgM MGUS and neuropathy have anti-MAG antibodies?",
    "Does rituximab help anti-MAG neuropathy?",
    "What did the Cochrane review conclude about IVIg?",
    "How many patients were in the randomized rituximab trials?",
    "What dose of rituximab was used in the trials?",
    "Is plasma exchange effective?",
    "What is the role of HNK-1 testing?",
    "What is the long-term prognosis of anti-MAG neuropathy?",
    "Do anti-MAG titres correlate with severity?",
    "What is the insulin dose for type 2 diabetes?",
]


class CachingEmbedder(Embedder):
    """Embeds each distinct text once (synthetic corpora repeat sentences)."""

    def __init__(self) -> None:
        super().__init__()
        self.cache: dict[str, np.ndarray] = {}

    def encode(self, texts, *, batch_size=64, on_batch=None):  # noqa: ANN001, ANN201
        missing = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if missing:
            for text, vec in zip(missing, super().encode(missing, batch_size=batch_size), strict=True):
                self.cache[text] = vec
        if on_batch:
            on_batch(len(texts))
        return (
            np.stack([self.cache[t] for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)
        )


def synthetic_corpus(target: Path, chunks_wanted: int, seed: int = 7) -> None:
    """Documents of recombined real sentences, about six sentences per section."""
    rng = random.Random(seed)
    sentences = []
    for doc in load_corpus(ROOT / "corpus"):
        sentences += [
            doc.text[s:e] for s, e in split_sentences(doc.text) if not doc.text[s:e].startswith("#")
        ]
    sections_per_doc = 4
    for d in range(chunks_wanted // sections_per_doc):
        kind = "guideline" if d % 10 == 0 else "research"
        body = "\n\n".join(
            f"## Part {s}\n\n" + " ".join(rng.sample(sentences, 5)) for s in range(sections_per_doc)
        )
        path = target / kind / f"syn-{d:05d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f"---\nid: syn-{d:05d}\nkind: {kind}\ntitle: Synthetic document {d}\nauthors: [Bench]\nyear: 2020\n---\n{body}\n",
            encoding="utf-8",
        )


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def measure(settings: Settings, embedder: Embedder, repeats: int) -> dict[str, tuple[float, float]]:
    kb = KnowledgeBase(settings, embedder)
    bot = Assistant(settings, kb)
    baseline = LangChainChromaRetriever(kb=kb, top_k=settings.top_k)
    for q in QUESTIONS:  # warm both paths
        bot.ask(q)
        baseline.retrieve(q)
    times: dict[str, list[float]] = {
        "citewise ask (hybrid + extractive)": [],
        "citewise retrieve only": [],
        "langchain similarity_search": [],
    }
    calls = {
        "citewise ask (hybrid + extractive)": bot.ask,
        "citewise retrieve only": bot.retriever.retrieve,
        "langchain similarity_search": baseline.retrieve,
    }
    for _ in range(repeats):
        for q in QUESTIONS:
            for name, call in calls.items():
                kb.clear_query_cache()  # every timed call embeds its question, as a new question would
                t = time.perf_counter()
                call(q)
                times[name].append(time.perf_counter() - t)
    return {name: percentiles(v) for name, v in times.items()} | {"_chunks": (len(kb.chunks), 0)}


def cold_ask(home: Path) -> float:
    t = time.perf_counter()
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "citewise"), "--home", str(home), "ask", QUESTIONS[0]],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000, help="size of the synthetic corpus")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="citewise-bench-query-"))
    embedder = CachingEmbedder()
    embedder.warm_up()
    real = Settings(home=work / "real")
    build_index(real, ROOT / "corpus", embedder=embedder)
    synthetic_corpus(work / "syn-corpus", args.chunks)
    syn = Settings(home=work / "syn")
    t = time.perf_counter()
    build_index(syn, work / "syn-corpus", embedder=embedder)
    print(f"synthetic index built in {time.perf_counter() - t:.0f} s")
    for label, settings in (("bundled corpus", real), ("synthetic corpus", syn)):
        result = measure(settings, embedder, args.repeats)
        chunks = result.pop("_chunks")[0]
        base = result["langchain similarity_search"][0]
        print(f"\n{label}: {chunks} chunks, {len(QUESTIONS) * args.repeats} questions, warm")
        print(f"{'':38}{'p50 ms':>9}{'p95 ms':>9}{'p50 / baseline':>16}")
        for name, (p50, p95) in result.items():
            print(f"{name:38}{p50 * 1000:9.1f}{p95 * 1000:9.1f}{p50 / base:16.2f}")
    print(f"\ncold `citewise ask` process (imports, model load, answer): {cold_ask(real.home):.2f} s")


if __name__ == "__main__":
    main()
