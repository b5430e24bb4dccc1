"""Peak memory and time of ingest at real size: the PubMedQA dev abstracts and a large .nbib.

Each measurement runs in its own subprocess (``citewise ingest`` for real, into a fresh
temporary home), and its peak RSS is read from ``getrusage(RUSAGE_CHILDREN)`` of a
one-child wrapper, so every figure belongs to one process. Printed side by side:

- ``model floor``: a process that only loads the embedding model and embeds one batch
  of chunk-length texts, at the batch size ingest uses for them: no ingest can go below it;
- ``ingest``: the full ingest of each corpus (parse, chunk, embed, BM25, Chroma, files);
- ``read``: loading and validating a large generated .nbib only, streamed record by
  record (``load_corpus``), against reading the whole file first and parsing the text
  (``parse_medline(path.read_text())``), the way a non-streaming loader does.

The large .nbib is generated: each record recombines sentences of the dev abstracts
(so the vocabulary grows like real text) under a fresh fake PMID in 99,000,000+.

Run: .venv/bin/python bench/ingest_memory.py [--abstracts 500] [--records 1000] [--read-records 20000]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evals.pubmedqa import load_abstracts, write_corpus  # noqa: E402

CITEWISE = Path(sys.executable).parent / "citewise"
# Runs argv in one child and prints that child's peak RSS in kB (Linux ru_maxrss unit).
WRAPPER = (
    "import resource, subprocess, sys; rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL); "
    "print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)
MODEL_FLOOR = """
import sys
from ingest import Embedder
from ingest.vectors import batch_size_for
text = sys.argv[1]
Embedder().encode([text] * 64, batch_size=batch_size_for(len(text), 64))
"""
READ_STREAMED = (
    "import sys; from pathlib import Path; from ingest import load_corpus; load_corpus(Path(sys.argv[1]))"
)
READ_WHOLE = (
    "import sys; from pathlib import Path; from ingest.loaders import parse_medline; "
    "[parse_medline(p.read_text(encoding='utf-8'), p) for p in sorted(Path(sys.argv[1]).rglob('*.nbib'))]"
)


def measure(argv: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one process running ``argv``."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", WRAPPER, *argv], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    rc, peak_kb = done.stdout.split()
    if rc != "0":
        raise SystemExit(f"{argv[:4]} failed (exit {rc}): {done.stderr[-2000:]}")
    return seconds, int(peak_kb) / 1024


def write_nbib(path: Path, records: int, seed: int = 7) -> None:
    """``records`` MEDLINE records recombining sentences of the dev abstracts."""
    rng = random.Random(seed)
    sentences = [
        s.strip() + "." for a in load_abstracts() for _, text in a.sections for s in text.split(". ") if s
    ]
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(records):
            body = " ".join(rng.sample(sentences, 9))
            fh.write(
                f"PMID- {99_000_000 + i}\nTI  - Bench record {i}: recombined PubMedQA sentences\n"
                f"AB  - {body}\nAU  - Bench A\nDP  - 20{i % 25:02d}\nPT  - Journal Article\n\n"
            )


def ingest_row(name: str, corpus: Path, work: Path) -> dict:
    home = work / f"home-{name}"
    seconds, peak = measure([str(CITEWISE), "--home", str(home), "ingest", "--quiet", str(corpus)])
    manifest = json.loads(next((home / "index").glob("g*/manifest.json")).read_text())
    counts = manifest["counts"]
    return {"what": f"ingest {name}", "seconds": seconds, "peak_mb": peak, **counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--abstracts", type=int, default=500, help="dev abstracts to ingest (at most 500)")
    parser.add_argument(
        "--records", type=int, default=1000, help="generated .nbib records to ingest (0: skip)"
    )
    parser.add_argument(
        "--read-records", type=int, default=20000, help="generated .nbib records to read only"
    )
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="citewise-bench-memory-") as tmp:
        work = Path(tmp)
        dev = write_corpus(load_abstracts()[: args.abstracts], work / "dev")
        chunk = next((work / "dev" / "research").glob("*.md")).read_text(encoding="utf-8")[-900:]
        seconds, peak = measure([sys.executable, "-c", MODEL_FLOOR, chunk])
        rows.append({"what": "model floor (load + one batch of chunks)", "seconds": seconds, "peak_mb": peak})
        rows.append(ingest_row(f"{args.abstracts} dev abstracts", dev, work))
        if args.records:
            (work / "nbib").mkdir()
            write_nbib(work / "nbib" / "bench.nbib", args.records)
            rows.append(ingest_row(f"{args.records}-record .nbib", work / "nbib", work))
        (work / "big").mkdir()
        write_nbib(work / "big" / "bench.nbib", args.read_records)
        size = (work / "big" / "bench.nbib").stat().st_size / 2**20
        for label, script in (("streamed", READ_STREAMED), ("whole file", READ_WHOLE)):
            seconds, peak = measure([sys.executable, "-c", script, str(work / "big")])
            rows.append(
                {
                    "what": f"read {args.read_records}-record .nbib ({size:.0f} MB), {label}",
                    "seconds": seconds,
                    "peak_mb": peak,
                }
            )
    print(f"{'what':<62} {'seconds':>8} {'peak RSS MB':>12}  chunks  sentences")
    for r in rows:
        extra = f"  {r['chunks']:>6}  {r['sentences']:>9}" if "chunks" in r else ""
        print(f"{r['what']:<62} {r['seconds']:>8.1f} {r['peak_mb']:>12.0f}{extra}")
    Path(ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "out" / "ingest_memory.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
