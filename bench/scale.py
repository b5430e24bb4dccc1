"""Growth benchmark: build time, disk, warm query latency and RSS at 1k, 10k, 100k chunks.

Usage::

    .venv/bin/python bench/scale.py                          # sizes 1000,10000
    .venv/bin/python bench/scale.py --sizes 1000,10000,100000
    .venv/bin/python bench/scale.py --sizes 1000 --rounds 1  # a quick look

How the synthetic indexes are made (printed with the results, too):

* Documents: each synthetic document copies the section layout (headings, sentences
  per section) of one bundled corpus document and fills every sentence slot with a
  sentence drawn, seeded, from the unique sentences of the bundled corpus. Chunk texts
  are therefore real clinical prose, and chunks per document and sentences per chunk
  follow the real corpus. The vocabulary does not grow with size, as a real corpus's
  would, so BM25 posting lists are longer than real ones: the BM25 figures are pessimistic.
* Vectors: every unique corpus sentence is embedded for real, once. ``build_index`` gets
  a ``ReusingEmbedder``: a sentence gets its real vector; a chunk gets the normalised mean
  of the real vectors of its sentences; any text it cannot split into known sentences is
  embedded for real and cached (the count is reported). Questions are always embedded
  for real. A check on real chunk texts reports how close the mean is to the real vector.
* Each size is measured in fresh subprocesses (build, citewise queries, a plain
  LangChain Chroma process), so the RSS figures belong to that size alone.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scale_report import plot, print_report  # noqa: E402
from ingest import (  # noqa: E402
    Embedder,
    Settings,
    TokenCounter,
    build_index,
    chunk_document,
    current_generation,
    load_corpus,
    make_document,
    split_sentences,
)

OUT = ROOT / "bench" / "out"
WORKER_TIMEOUT_S = 3600
FALLBACK_QUESTIONS = [
    "Does rituximab help anti-MAG neuropathy?",
    "Is IVIg recommended for anti-MAG neuropathy?",
    "How are anti-MAG antibodies measured?",
    "What is the long-term prognosis of anti-MAG neuropathy?",
]


# ----------------------------------------------------------------- synthetic corpus


@dataclass(frozen=True)
class Template:
    """The shape of one real document: kind, year, and (heading, sentence count) per section."""

    doc_id: str
    kind: str
    year: int
    sections: tuple[tuple[str, int], ...]


def load_sample(corpus_dir: Path) -> tuple[list[str], list[Template]]:
    """Unique sentences of the corpus (bullets removed) and one template per document."""
    counter = TokenCounter()
    pool: dict[str, None] = {}
    templates = []
    for doc in sorted(load_corpus(corpus_dir), key=lambda d: d.id):
        sections: dict[str, int] = {}
        for chunk in chunk_document(doc, counter):
            sections[chunk.section] = sections.get(chunk.section, 0) + len(chunk.sentences)
            for s, e in chunk.sentences:
                sentence = as_prose(doc.text[s:e])
                # Keep sentences that stay one sentence wherever they are placed.
                if len(sentence) >= 20 and len(split_sentences(sentence + " Then more.")) == 2:
                    pool[sentence] = None
        templates.append(Template(doc.id, doc.kind, doc.meta.year, tuple(sections.items())))
    return list(pool), templates


def as_prose(sentence: str) -> str:
    """A list item or heading-less fragment as a sentence: bullet removed, final period added."""
    text = sentence.lstrip("-*+ ").replace("\n", " ").strip()
    return text if re.search(r"[.!?][\"')\]]*$", text) else text + "."


def synthetic_document(number: int, pool: list[str], templates: list[Template]) -> tuple[str, str]:
    """File name and text of synthetic document ``number`` (deterministic)."""
    rng = random.Random(number)
    template = templates[number % len(templates)]
    parts = []
    for heading, count in template.sections:
        body = " ".join(rng.sample(pool, count))  # distinct, as in real prose
        parts.append(f"## {heading}\n\n{body}\n" if heading else f"{body}\n")
    doc_id = f"synthetic-{number:06d}"
    front = (
        f"---\nid: {doc_id}\nkind: {template.kind}\n"
        f"title: 'Synthetic benchmark document {number} (layout of {template.doc_id})'\n"
        f"authors: [Bench S]\nyear: {template.year}\n"
        "note: Recombined corpus sentences for the scale benchmark; not a real publication.\n---\n"
    )
    return f"{doc_id}.md", front + "\n".join(parts)


def synthetic_chunks(
    number: int, pool: list[str], templates: list[Template], counter: TokenCounter
) -> list[str]:
    """Chunk texts of synthetic document ``number``, chunked as ``build_index`` would."""
    name, text = synthetic_document(number, pool, templates)
    meta = {"id": "x", "kind": "research", "title": "x", "authors": ["x"], "year": 2000}
    return [c.text for c in chunk_document(make_document(meta, text.split("\n---\n", 1)[1], name), counter)]


def documents_for(target_chunks: int, pool: list[str], templates: list[Template]) -> int:
    """How many synthetic documents give about ``target_chunks`` chunks (calibrated on 200)."""
    counter = TokenCounter()
    chunks = sum(len(synthetic_chunks(n, pool, templates, counter)) for n in range(200))
    return max(1, round(target_chunks * 200 / chunks))


def write_corpus(directory: Path, documents: int, pool: list[str], templates: list[Template]) -> None:
    """Write ``documents`` synthetic documents under ``directory/research``."""
    target = directory / "research"
    target.mkdir(parents=True, exist_ok=True)
    for number in range(documents):
        name, text = synthetic_document(number, pool, templates)
        (target / name).write_text(text, encoding="utf-8")


# ----------------------------------------------------------------- vector reuse


class ReusingEmbedder:
    """Real vectors for known sentences; a chunk is the normalised mean of its sentences' vectors.

    Duck-types the part of ``Embedder`` that ``build_index`` uses (``encode``, ``dimension``).
    """

    dimension = Embedder.dimension

    def __init__(self, pool: dict[str, np.ndarray], real: Embedder | None = None) -> None:
        self.pool = pool
        self.real = real
        self.reused = 0
        self.composed = 0
        self.embedded_for_real = 0
        self.seconds = 0.0

    def encode(
        self, texts: Any, *, batch_size: int = 64, on_batch: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Vectors for ``texts`` from the pool; unknown pieces are embedded for real and cached."""
        started = time.perf_counter()
        pieces = [self._pieces(t) for t in texts]
        missing = sorted({p for ps in pieces for p in ps if p not in self.pool})
        if missing:
            self.real = self.real or Embedder()
            self.pool.update(zip(missing, self.real.encode(missing, batch_size=batch_size), strict=True))
            self.embedded_for_real += len(missing)
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for row, ps in enumerate(pieces):
            vector = self.pool[ps[0]] if len(ps) == 1 else np.mean([self.pool[p] for p in ps], axis=0)
            out[row] = vector / np.linalg.norm(vector)
            self.reused += len(ps) == 1
            self.composed += len(ps) > 1
        if on_batch is not None:
            on_batch(len(texts))
        self.seconds += time.perf_counter() - started
        return out

    def _pieces(self, text: str) -> list[str]:
        if text in self.pool:
            return [text]
        return [text[s:e] for s, e in split_sentences(text)] or [text]


def save_pool(path: Path, sentences: list[str], vectors: np.ndarray) -> None:
    """Store the real sentence vectors for the workers."""
    np.save(path.with_suffix(".npy"), vectors)
    path.with_suffix(".json").write_text(json.dumps(sentences), encoding="utf-8")


def load_pool(path: Path) -> dict[str, np.ndarray]:
    """The real sentence vectors saved by ``save_pool``."""
    sentences = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    return dict(zip(sentences, np.load(path.with_suffix(".npy")), strict=True))


# ----------------------------------------------------------------- measuring


def rss_mb() -> dict[str, float]:
    """Current and peak resident set size of this process, in MB."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return {"rss_mb": round(fields["VmRSS"], 1), "peak_rss_mb": round(fields["VmHWM"], 1)}


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50 and p95 of ``samples`` (seconds) in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "n": len(ordered),
    }


@contextlib.contextmanager
def timed_stages(targets: dict[str, tuple[str, str]], totals: dict[str, float]) -> Iterator[None]:
    """Add the wall time spent in each ``module.function`` to ``totals`` (measurement only)."""
    originals = []
    for stage, (module_name, attr) in targets.items():
        module = importlib.import_module(module_name)
        original = getattr(module, attr)
        originals.append((module, attr, original))

        def wrapper(*args: Any, _stage: str = stage, _original: Any = original, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                totals[_stage] = totals.get(_stage, 0.0) + time.perf_counter() - started

        setattr(module, attr, wrapper)
    try:
        yield
    finally:
        for module, attr, original in originals:
            setattr(module, attr, original)


def read_manifest(home: Path) -> dict[str, Any]:
    """The manifest of the live generation in ``home``."""
    generation = current_generation(Settings(home=home))
    return json.loads((generation / "manifest.json").read_text(encoding="utf-8"))


def disk_mb(home: Path) -> dict[str, float]:
    """Index size on disk: Chroma store, and each file kind of the live generation, in MB."""
    generation = current_generation(Settings(home=home))
    parts = {"chroma": tree_bytes(home / "chroma")}
    for item in generation.iterdir():
        parts[item.name] = tree_bytes(item)
    parts = {k: round(v / 2**20, 1) for k, v in parts.items()}
    parts["total"] = round(sum(parts.values()), 1)
    return parts


def tree_bytes(path: Path) -> int:
    """Bytes in a file or under a directory."""
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# ----------------------------------------------------------------- workers (subprocesses)


BUILD_STAGES = {
    "load_corpus": ("ingest.index", "read_corpus"),
    "chunking": ("ingest.index", "chunk_text"),
    "bm25": ("ingest.lexical", "build_bm25"),
    "chroma_add": ("ingest.store", "add_vectors"),
}


def work_build(home: Path, corpus: Path, pool_file: Path) -> dict[str, Any]:
    """Build the index of ``corpus`` with reused vectors; time the stages."""
    embedder = ReusingEmbedder(load_pool(pool_file))
    stages: dict[str, float] = {}
    started = time.perf_counter()
    with timed_stages(BUILD_STAGES, stages):
        report = build_index(Settings(home=home), corpus, embedder=embedder)
    total = time.perf_counter() - started
    stages["vectors (reused)"] = embedder.seconds
    stages["other (files, fsync)"] = total - sum(stages.values())
    return {
        "chunks": report.chunks,
        "sentences": read_manifest(home)["counts"]["sentences"],
        "documents": report.documents,
        "build_s": round(total, 2),
        "stages_s": {k: round(v, 2) for k, v in stages.items()},
        "vectors": {
            "reused": embedder.reused,
            "composed": embedder.composed,
            "embedded_for_real": embedder.embedded_for_real,
        },
        "disk_mb": disk_mb(home),
        **{f"build_{k}": v for k, v in rss_mb().items()},
    }


def work_query(home: Path, questions: list[str], rounds: int) -> dict[str, Any]:
    """Warm query latencies of citewise and of the LangChain baseline on the same index."""
    from langchain_chroma import Chroma

    from assistant import Assistant, KnowledgeBase
    from ingest.store import open_client

    settings = Settings(home=home)
    started = time.perf_counter()
    kb = KnowledgeBase(settings, Embedder())
    kb.warm_up()
    load_s = time.perf_counter() - started
    loaded = rss_mb()
    hybrid = Assistant(settings, kb)
    store = Chroma(
        client=open_client(settings), collection_name=kb.collection.name, embedding_function=kb.embedder
    )
    baseline = Assistant(
        settings.with_(retriever="langchain"), kb, retriever=langchain_baseline(kb, store, settings.top_k)
    )
    vectors = {q: kb.embedder.embed_query(q) for q in questions}
    probes = query_probes(kb, hybrid, baseline, store, vectors, settings)
    for probe in probes.values():  # warm-up: every path once per question
        for q in questions:
            probe(q)
    samples: dict[str, list[float]] = {name: [] for name in probes}
    for _ in range(rounds):
        for q in questions:
            for name, probe in probes.items():  # interleaved, so noise hits all paths alike
                t0 = time.perf_counter()
                probe(q)
                samples[name].append(time.perf_counter() - t0)
    return {
        "load_s": round(load_s, 2),
        "loaded": loaded,
        "after_queries": rss_mb(),
        "latency": {name: percentiles(s) for name, s in samples.items()},
    }


def langchain_baseline(kb: Any, store: Any, top_k: int) -> Any:
    """``assistant.langchain_api.LangChainChromaRetriever`` over one long-lived ``langchain_chroma.Chroma``.

    The shipped class builds a new Chroma wrapper (client, collection lookup) on every
    call; a LangChain user keeps one, so the baseline does too.
    """
    from assistant.langchain_api import LangChainChromaRetriever

    class PlainLangChain(LangChainChromaRetriever):
        def _store(self) -> Any:
            return store

    return PlainLangChain(kb=kb, top_k=top_k)


def query_probes(
    kb: Any, hybrid: Any, baseline: Any, store: Any, vectors: dict, settings: Settings
) -> dict[str, Callable[[str], Any]]:
    """The measured paths, by name. ``kb._embed`` is the query-vector cache; clearing it
    makes a path pay for embedding the question, as a new question does."""

    def fresh(call: Callable[[str], Any]) -> Callable[[str], Any]:
        def run(q: str) -> Any:
            kb._embed.cache_clear()
            return call(q)

        return run

    # Order matters: the "fresh" paths leave this question's vector in the cache, so
    # the search_* paths that follow measure search alone.
    return {
        "embed_question": lambda q: kb.embedder.encode([q]),
        "retrieve_hybrid": fresh(lambda q: hybrid.retriever.retrieve(q)),
        "retrieve_langchain": lambda q: baseline.retriever.retrieve(q),
        "ask_hybrid": fresh(hybrid.ask),
        "ask_langchain": baseline.ask,
        "dense_chroma_top40": lambda q: kb.dense(
            np.asarray(vectors[q], dtype=np.float32), settings.candidates
        ),
        "bm25_top40": lambda q: kb.lexical(kb.synonyms.expand(q), settings.candidates),
        "search_hybrid": lambda q: hybrid.retriever.retrieve(q),
        "search_langchain": lambda q: store.similarity_search_by_vector(vectors[q], k=settings.top_k),
    }


def work_baseline(home: Path, questions: list[str], rounds: int) -> dict[str, Any]:
    """A process holding only langchain_chroma.Chroma over the same collection: its RSS and latency."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

    manifest = read_manifest(home)
    client = chromadb.PersistentClient(
        path=str(home / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    store = Chroma(
        client=client, collection_name=manifest["store"]["collection"], embedding_function=Embedder()
    )
    for q in questions:
        store.similarity_search(q, k=8)
    samples = []
    for _ in range(rounds):
        for q in questions:
            t0 = time.perf_counter()
            store.similarity_search(q, k=8)
            samples.append(time.perf_counter() - t0)
    return {"similarity_search": percentiles(samples), **rss_mb()}


def run_worker(kind: str, threads: int | None, **options: Any) -> dict[str, Any]:
    """Run one worker in a fresh interpreter (``threads``: its torch threads) and return its JSON result."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind]
    for key, value in options.items():
        command += [f"--{key.replace('_', '-')}", str(value)]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)} if threads else None
    result = subprocess.run(
        command, stdout=subprocess.PIPE, text=True, timeout=WORKER_TIMEOUT_S, check=True, env=env
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------- orchestration


def embed_pool(embedder: Embedder, sentences: list[str]) -> tuple[np.ndarray, float]:
    """Real vectors of the sentence pool, and the measured sentences per second."""
    started = time.perf_counter()
    vectors = embedder.encode(sentences)
    return vectors, len(sentences) / (time.perf_counter() - started)


def approximation_check(
    embedder: Embedder,
    pool: dict[str, np.ndarray],
    sentences: list[str],
    templates: list[Template],
    questions: list[str],
    count: int,
) -> dict[str, float]:
    """Embed ``count`` synthetic chunk texts for real and compare with the reused vectors."""
    counter = TokenCounter()
    texts: list[str] = []
    number = 10**6  # document numbers the benchmark corpora do not use
    while len(texts) < count:
        texts += synthetic_chunks(number, sentences, templates, counter)
        number += 1
    texts = texts[:count]
    started = time.perf_counter()
    real = embedder.encode(texts)
    chunk_rate = len(texts) / (time.perf_counter() - started)
    approx = ReusingEmbedder(dict(pool), real=embedder).encode(texts)
    cosine = np.sum(real * approx, axis=1)
    q = embedder.encode(questions)
    top = lambda m: np.argsort(-(q @ m.T), axis=1)[:, :8]  # noqa: E731
    overlap = np.mean([len(set(a) & set(b)) / 8 for a, b in zip(top(real), top(approx), strict=True)])
    return {
        "chunks": len(texts),
        "chunk_texts_per_s": round(chunk_rate, 1),
        "cosine_mean": round(float(cosine.mean()), 3),
        "cosine_min": round(float(cosine.min()), 3),
        "top8_overlap": round(float(overlap), 3),
    }


def measure_size(
    size: int,
    work: Path,
    sample: tuple[list[str], list[Template]],
    questions_file: Path,
    rounds: int,
    threads: int | None,
) -> dict[str, Any]:
    """Generate, build and query one synthetic index of about ``size`` chunks."""
    sentences, templates = sample
    corpus, home = work / f"corpus-{size}", work / f"home-{size}"
    for stale in (corpus, home):
        if stale.exists():
            shutil.rmtree(stale)
    documents = documents_for(size, sentences, templates)
    started = time.perf_counter()
    write_corpus(corpus, documents, sentences, templates)
    row: dict[str, Any] = {"target_chunks": size, "corpus_write_s": round(time.perf_counter() - started, 1)}
    log(f"[{size}] {documents} documents written; building")
    row["build"] = run_worker("build", None, home=home, corpus=corpus, pool=work / "pool")
    log(f"[{size}] {row['build']['chunks']} chunks built in {row['build']['build_s']} s; querying")
    row["query"] = run_worker("query", threads, home=home, questions_file=questions_file, rounds=rounds)
    row["baseline"] = run_worker("baseline", threads, home=home, questions_file=questions_file, rounds=rounds)
    return row


def load_questions(limit: int) -> list[str]:
    """Questions from the eval cases (evals/cases.yaml), or a fallback list."""
    import yaml

    path = ROOT / "evals" / "cases.yaml"
    try:
        cases = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
        questions = [c["question"] for c in cases if c.get("question")]
    except (OSError, KeyError, TypeError, yaml.YAMLError):
        questions = FALLBACK_QUESTIONS
    return questions[:limit]


def log(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


# ----------------------------------------------------------------- entry point


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options (``--worker`` runs one measurement in this fresh process)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="Comma-separated chunk counts.")
    parser.add_argument("--rounds", type=int, default=2, help="Timed passes over the questions.")
    parser.add_argument(
        "--questions", type=int, default=20, help="Questions per pass (from evals/cases.yaml)."
    )
    parser.add_argument(
        "--check-chunks", type=int, default=64, help="Chunk texts embedded for real to check reuse."
    )
    parser.add_argument("--work-dir", type=Path, help="Where corpora and indexes go (default: a temp dir).")
    parser.add_argument("--keep", action="store_true", help="Keep the corpora and indexes.")
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=1,
        help="Torch threads of the query processes (0: torch's default). See docs/PERFORMANCE.md.",
    )
    parser.add_argument("--out", type=Path, default=OUT, help="Where scale.json and scale.png go.")
    parser.add_argument("--worker", choices=["build", "query", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--pool", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--questions-file", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def run_as_worker(args: argparse.Namespace) -> dict[str, Any]:
    """Dispatch ``--worker``; the questions file is passed as ``--questions-file``."""
    if args.worker == "build":
        return work_build(args.home, args.corpus, args.pool)
    questions = json.loads(Path(args.questions_file).read_text(encoding="utf-8"))
    work = work_query if args.worker == "query" else work_baseline
    return work(args.home, questions, args.rounds)


def prepare(work: Path, question_limit: int, check_chunks: int) -> tuple[Any, ...]:
    """Questions, the corpus sample, its real sentence vectors (saved for the workers), the reuse check."""
    questions = load_questions(question_limit)
    questions_file = work / "questions.json"
    questions_file.write_text(json.dumps(questions), encoding="utf-8")
    sample = load_sample(ROOT / "corpus")
    embedder = Embedder()
    embedder.warm_up()
    vectors, sentence_rate = embed_pool(embedder, sample[0])
    save_pool(work / "pool", sample[0], vectors)
    pool = dict(zip(sample[0], vectors, strict=True))
    check = approximation_check(embedder, pool, *sample, questions, check_chunks)
    log(f"{len(sample[0])} unique corpus sentences embedded; reuse check {check}")
    return questions_file, sample, check, sentence_rate


def main(argv: list[str] | None = None) -> None:
    """Run every size and print the report."""
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(run_as_worker(args)))
        return
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="citewise-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    threads = args.torch_threads or None
    try:
        questions_file, sample, check, sentence_rate = prepare(work, args.questions, args.check_chunks)
        rows = [
            measure_size(int(size), work, sample, questions_file, args.rounds, threads)
            for size in args.sizes.split(",")
        ]
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    result = {"sizes": rows, "check": check, "sentences_per_s": sentence_rate, "rounds": args.rounds}
    (args.out / "scale.json").write_text(json.dumps({**result, "torch_threads": threads}, indent=2))
    plot(rows, args.out / "scale.png")
    note = (
        f"Query processes: torch threads {threads or 'default'}; {args.questions} questions x "
        f"{args.rounds} rounds per path, paths interleaved; search = question vector already computed."
    )
    method = __doc__.split("How the synthetic", 1)[1].join(["How the synthetic", ""])
    print_report(rows, check, sentence_rate, note, method)
    print(f"\nwrote {args.out / 'scale.json'} and {args.out / 'scale.png'}")


if __name__ == "__main__":
    main()
