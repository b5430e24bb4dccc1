"""Ingest throughput against bare SentenceTransformer.encode on the same texts, side by side.

Ingest embeds, for every chunk, the chunk text and each of its sentences (the sentence
vectors serve the extractive answerer). The baseline encodes exactly those texts with
the same model and batch size and nothing else, so the ratio shows what chunking,
BM25, Chroma writes and fsyncs cost on top of the model. Also times a no-change
re-ingest. Run: .venv/bin/python bench/ingest.py [--copies 8] [--rounds 2]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest import Embedder, Settings, TokenCounter, build_index, chunk_text, load_corpus  # noqa: E402


def replicate_corpus(source: Path, target: Path, copies: int) -> None:
    """Write ``copies`` renamed copies of every document (distinct ids, same text)."""
    for path in sorted(source.rglob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        text = path.read_text(encoding="utf-8")
        for i in range(copies):
            doc_id = re.search(r"^id: (.+)$", text, re.M).group(1).strip()
            out = target / path.parent.name / f"{path.stem}-copy{i}.md"
            out.parent.mkdir(parents=True, exist_ok=True)
            # A copy marker in the body gives every copy its own text.
            body = text.replace(f"id: {doc_id}", f"id: {doc_id}-copy{i}", 1) + f"\nCopy {i} of {doc_id}.\n"
            out.write_text(body, encoding="utf-8")


def texts_ingest_embeds(corpus: Path) -> tuple[list[str], int]:
    """The chunk and sentence texts an ingest of ``corpus`` embeds, and the chunk count."""
    counter = TokenCounter()
    texts, chunks = [], 0
    for doc in load_corpus(corpus):
        for c in chunk_text(doc.text, doc_id=doc.id, count_tokens=counter):
            chunks += 1
            texts.append(c.text)
            texts.extend(doc.text[s:e] for s, e in c.sentences)
    return texts, chunks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=8, help="renamed copies of the bundled corpus")
    parser.add_argument(
        "--rounds", type=int, default=2, help="alternating rounds; the best of each is reported"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="citewise-bench-ingest-"))
    try:
        corpus = work / "corpus"
        replicate_corpus(ROOT / "corpus", corpus, args.copies)
        texts, chunks = texts_ingest_embeds(corpus)
        embedder = Embedder()
        embedder.warm_up()
        bare, full, noop = [], [], []
        for r in range(args.rounds):
            t = time.perf_counter()
            embedder.model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
            bare.append(time.perf_counter() - t)
            settings = Settings(home=work / f"home{r}")
            report = build_index(settings, corpus, embedder=embedder)
            assert report.embedded_texts == len(texts), (report.embedded_texts, len(texts))
            full.append(report.seconds)
            again = build_index(settings, corpus, embedder=embedder)
            assert again.embedded_texts == 0 and not again.changed
            noop.append(again.seconds)
        b, f = min(bare), min(full)
        print(
            f"corpus: {report.documents} documents, {chunks} chunks, {len(texts)} texts embedded (chunks + sentences)"
        )
        print(f"{'':28}{'seconds':>9}{'chunks/s':>10}{'texts/s':>10}")
        print(f"{'bare encode (baseline)':28}{b:9.2f}{chunks / b:10.1f}{len(texts) / b:10.1f}")
        print(f"{'citewise ingest':28}{f:9.2f}{chunks / f:10.1f}{len(texts) / f:10.1f}")
        print(f"throughput ratio ingest/bare: {b / f:.3f}  (target >= 0.85)")
        print(f"no-change re-ingest: {min(noop):.2f} s (no embedding; loads and hashes the corpus)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
