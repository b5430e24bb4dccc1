"""The PubMedQA suite on the whole dev set: 400 abstracts indexed, 100 left out.

The same suite as ``citewise eval --suite pubmedqa`` (whose CI slice is 100 + 50), at
the size of the whole 500-abstract dev set, with citewise and the plain LangChain
baseline side by side over the same index in one process. Both splits are shown: tune
(what calibration may look at) and heldout. The gate's verdict is printed for
information; this script always exits 0 unless the run itself fails.

The corpus and index are kept in ``bench/out/pubmedqa-work`` so a second run does not
embed again (the first embeds about 6,500 texts: minutes on 2 cores). Reports go to
``bench/out/pubmedqa-400-100.{json,md}``.

Run: .venv/bin/python bench/pubmedqa.py [--indexed 400 --left-out 100]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evals import pubmedqa_report as render  # noqa: E402
from evals.pubmedqa_suite import SuiteOptions, run  # noqa: E402
from ingest import Settings  # noqa: E402

OUT = ROOT / "bench" / "out"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--indexed", type=int, default=400, help="abstracts in the corpus (default 400)")
    parser.add_argument("--left-out", type=int, default=100, help="abstracts left out (default 100)")
    parser.add_argument(
        "--workdir", type=Path, default=OUT / "pubmedqa-work", help="corpus and index, reused"
    )
    parser.add_argument("--retriever", default="hybrid", help="the system compared with the baseline")
    return parser.parse_args()


def progress(total: int, desc: str):  # noqa: ANN201
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="text", file=sys.stderr)


def main() -> None:
    args = parse_args()
    options = SuiteOptions(
        indexed=args.indexed,
        left_out=args.left_out,
        workdir=args.workdir,
        retriever=args.retriever,
        reports=OUT,
    )
    # Default settings: the suite puts its own index in the working directory.
    report = run(Settings(), options, progress)
    print(render.console(report))
    print()
    print(render.verdict(report), "(for information; the CI gate runs on the 100 + 50 slice)")
    print("reports:", ", ".join(str(p) for p in render.write_reports(report, OUT)))


if __name__ == "__main__":
    main()
