"""Ingest throughput on real abstracts, side by side with a bare encode of the same texts.

Ingest embeds, for every chunk, the chunk text and each of its sentences (the sentence
vectors serve the extractive answerer). The baselines encode exactly those texts with
the same model and batch size and nothing else: with ONNX Runtime (what ingest uses on
a CPU) and, with ``--torch``, with ``SentenceTransformer.encode``. The ratio shows what
loading, chunking, BM25, Chroma writes and fsyncs cost on top of the model. Each run is
a fresh process, so each peak-memory figure belongs to that run alone. Also times a
no-change re-ingest.

The corpus is the PubMedQA dev set's real abstracts (500; ``--abstracts`` for fewer).

Run: .venv/bin/python bench/ingest.py [--abstracts 500] [--torch] [--device cpu]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.tables import peak_rss_mb, table  # noqa: E402


def texts_ingest_embeds(corpus: Path) -> tuple[list[str], int]:
    """The chunk and sentence texts an ingest of ``corpus`` embeds, and the chunk count."""
    from ingest import TokenCounter, chunk_text, load_corpus

    counter = TokenCounter()
    texts, chunks = [], 0
    for doc in load_corpus(corpus):
        for c in chunk_text(doc.text, doc_id=doc.id, count_tokens=counter):
            chunks += 1
            texts.append(c.text)
            texts.extend(doc.text[s:e] for s, e in c.sentences)
    return texts, chunks


def work(kind: str, corpus: Path, home: Path, device: str) -> dict[str, Any]:
    """One measured run in this process: ``bare-onnx``, ``bare-torch`` or ``ingest``."""
    from ingest import Embedder, Settings, build_index
    from ingest.embedding import model_cache

    if kind == "ingest":
        settings = Settings(home=home)
        report = build_index(settings, corpus, embedder=Embedder(device, cache_dir=model_cache(home)))
        again = build_index(settings, corpus, embedder=Embedder(device, cache_dir=model_cache(home)))
        assert again.embedded_texts == 0 and not again.changed
        return {"seconds": report.seconds, "texts": report.embedded_texts, "noop_s": again.seconds}
    texts, _ = texts_ingest_embeds(corpus)
    embedder = Embedder(device, cache_dir=model_cache(home) if kind == "bare-onnx" else None)
    embedder.warm_up()  # ingest's figure includes loading the model; a bare encode's does not
    t = time.perf_counter()
    if kind == "bare-torch":
        embedder.model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
    else:
        embedder.encode(texts, batch_size=64)
    return {"seconds": time.perf_counter() - t, "texts": len(texts)}


def run(kind: str, corpus: Path, home: Path, device: str) -> dict[str, Any]:
    """``work`` in a fresh process; adds its peak RSS."""
    done = subprocess.run(
        [sys.executable, __file__, "--worker", kind, str(corpus), str(home), "--device", device],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--abstracts", type=int, default=500, help="PubMedQA abstracts (at most 500)")
    parser.add_argument("--torch", action="store_true", help="also time a bare SentenceTransformer.encode")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--worker", nargs=3, metavar=("KIND", "CORPUS", "HOME"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, corpus, home = args.worker
        result = work(kind, Path(corpus), Path(home), args.device)
        print(json.dumps(result | {"peak_rss_mb": round(peak_rss_mb(), 0)}))
        return
    from evals.pubmedqa import load_abstracts, write_corpus

    scratch = Path(tempfile.mkdtemp(prefix="citewise-bench-ingest-"))
    try:
        corpus = write_corpus(load_abstracts()[: args.abstracts], scratch / "corpus")
        home = scratch / "home"
        from ingest import Embedder
        from ingest.embedding import model_cache

        Embedder(cache_dir=model_cache(home)).warm_up()  # export once, outside the timings
        kinds = ["bare-onnx", *(["bare-torch"] if args.torch else []), "ingest"]
        results = {k: run(k, corpus, home, args.device) for k in kinds}
        base = results["bare-onnx"]
        rows = [
            [
                k,
                r["texts"],
                r["seconds"],
                r["texts"] / r["seconds"],
                base["seconds"] / r["seconds"],
                r["peak_rss_mb"],
            ]
            for k, r in results.items()
        ]
        print(f"{args.abstracts} PubMedQA abstracts, device {args.device}")
        print(table(["run", "texts", "seconds", "texts/s", "vs bare ONNX", "peak RSS MB"], rows))
        print(f"no-change re-ingest: {results['ingest']['noop_s']:.2f} s (nothing embedded)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
