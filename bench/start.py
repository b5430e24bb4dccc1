"""Cold start: a whole `citewise ask` process, and the chat's first page, side by side.

The chat's first page is whatever the address first serves (the "starting" page that
answers while Gradio loads, ``assistant.chat_starting``); "ready" is the chat itself.

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


def chat_pages(tree: Path, home: Path) -> tuple[tuple[float, float], tuple[float, float]]:
    """(wall, CPU) seconds from starting `citewise chat` until its first page is served
    (the starting page, where the tree has one), and until the chat itself is. CPU is
    read from /proc, since the process keeps running."""
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

    def cpu() -> float:
        fields = Path(f"/proc/{server.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    first: tuple[float, float] | None = None
    try:
        while time.perf_counter() - t < PAGE_TIMEOUT_S:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as reply:
                    if reply.status == 200 and b"<html" in reply.read(4096).lower():
                        now = (time.perf_counter() - t, cpu())
                        first = first or now
                        if not reply.headers.get("X-Citewise-Starting"):
                            return first, now
            except OSError:
                pass
            # Once the starting page answers, ask no faster than a browser tab showing it
            # would (it polls every 0.5 s): every request it serves takes the GIL from
            # the import of Gradio it is standing in for.
            time.sleep(0.05 if first is None else 0.25)
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
            asks = [cold_ask(tree, home) for _ in range(args.rounds)]
            chats = [chat_pages(tree, home) for _ in range(args.rounds)]
            rows.append(["cold `citewise ask`", name, *median_pair(asks)])
            rows.append(["chat: first page", name, *median_pair([first for first, _ in chats])])
            rows.append(["chat: ready", name, *median_pair([ready for _, ready in chats])])
        print(f"median of {args.rounds} fresh processes each")
        print(table(["what", "code", "wall s", "CPU s"], rows))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
