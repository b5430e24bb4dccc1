"""Cold start: a whole `citewise ask` process, and the chat's first page, side by side.

Each figure is the median of ``--rounds`` fresh processes, as wall time and as CPU time
(user + system of the process and its children). On a shared machine the wall time
swings with other people's load; the CPU time is what the start itself costs.
``--compare-with DIR`` runs the same commands with the citewise source tree in DIR (e.g.
the commit before ONNX) on the same index.

Run: .venv/bin/python bench/start.py [--rounds 3] [--compare-with DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.tables import table  # noqa: E402

QUESTION = "Does rituximab help anti-MAG neuropathy?"
PAGE_TIMEOUT_S = 120


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cold_ask(tree: Path, home: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one `citewise ask` process."""
    cpu, t = _cpu(), time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "assistant.cli", "--home", str(home), "ask", QUESTION],
        check=True,
        capture_output=True,
        cwd=tree,
        env=dict(os.environ, PYTHONPATH=str(tree)),
    )
    return time.perf_counter() - t, _cpu() - cpu


def first_page(tree: Path, home: Path) -> tuple[float, float]:
    """Seconds from starting `citewise chat` until its page is served, and the CPU
    seconds the process used by then (read from /proc, since it keeps running)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    t = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "--home", str(home), "chat", "--port", str(port)],
        cwd=tree,
        env=dict(os.environ, PYTHONPATH=str(tree)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - t < PAGE_TIMEOUT_S:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as reply:
                    if reply.status == 200 and b"<html" in reply.read(4096).lower():
                        wall = time.perf_counter() - t
                        fields = Path(f"/proc/{server.pid}/stat").read_text().rsplit(")", 1)[1].split()
                        return wall, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            except OSError:
                time.sleep(0.05)
        raise SystemExit(f"the chat did not serve its page within {PAGE_TIMEOUT_S} s")
    finally:
        server.terminate()
        server.wait(timeout=30)


def median_pair(samples: list[tuple[float, float]]) -> list[float]:
    return [statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--compare-with", type=Path, help="another citewise source tree to time too")
    parser.add_argument("--home", type=Path, help="an existing index (default: ingest the bundled corpus)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="citewise-bench-start-"))
    try:
        home = args.home or scratch / "home"
        if args.home is None:
            subprocess.run(
                [sys.executable, "-m", "assistant.cli", "--home", str(home), "ingest", "--quiet", "corpus"],
                check=True,
                cwd=ROOT,
            )
        trees = {"this tree": ROOT} | ({"compared": args.compare_with.resolve()} if args.compare_with else {})
        rows = []
        for name, tree in trees.items():
            for what, probe in (("cold `citewise ask`", cold_ask), ("chat first page", first_page)):
                samples = [probe(tree, home) for _ in range(args.rounds)]
                rows.append([what, name, *median_pair(samples)])
        print(f"median of {args.rounds} fresh processes each")
        print(table(["what", "code", "wall s", "CPU s"], rows))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
