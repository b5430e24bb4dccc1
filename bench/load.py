"""Concurrency benchmark: concurrent ``gradio_client`` users against a real ``citewise chat``.

Usage::

    .venv/bin/python bench/load.py                    # 16 clients, at most 60 s / 2000 requests
    .venv/bin/python bench/load.py --clients 16 --seconds 60 --max-requests 2000 --concurrency 4
    .venv/bin/python bench/load.py --home ~/.local/share/citewise   # use an existing index

The bundled corpus is ingested into a temporary home first (unless ``--home`` is given),
then ``citewise chat`` is started on a free 127.0.0.1 port and every client calls the
``/ask`` API endpoint in a loop. Prints requests/s, latency p50/p95/p99, the error count
(must be 0) and the peak RSS of the server process tree, sampled from
``/proc/<pid>/status`` (target: at most 1.5 GB). Exits 1 if any request failed.
Loopback only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

import ingest  # noqa: E402,F401  (offline environment before gradio_client is imported)

RSS_TARGET_MB = 1536
STARTUP_TIMEOUT_S = 180.0
REQUEST_TIMEOUT_S = 120.0
QUESTIONS = [
    "Does rituximab help anti-MAG neuropathy?",
    "What proportion of IgM MGUS neuropathy patients have anti-MAG antibodies?",
    "Is IVIg recommended for anti-MAG neuropathy?",
    "What is the long-term prognosis of anti-MAG neuropathy?",
    "How are anti-MAG antibodies measured?",
    "Does plasma exchange help anti-MAG neuropathy?",
    "What dose of rituximab was used in the trials?",
    "Is RTX better than IVIG for anti-MAG?",
    "What is the capital of France?",
    "Which antibody test is recommended by the EFNS/PNS guideline?",
]


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tree_rss_mb(root: int) -> float:
    """Resident memory of ``root`` and all its descendants, in MB (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # The command name may hold spaces; the parent pid is the 2nd field after ')'.
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(stat.parent.name))
    total_kb, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024


class RssSampler:
    """Samples the server tree's RSS in a thread until stopped; keeps the peak."""

    def __init__(self, pid: int, interval_s: float = 0.2) -> None:
        self.pid = pid
        self.interval_s = interval_s
        self.peak_mb = 0.0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, tree_rss_mb(self.pid))
            self.samples += 1
            self._stop.wait(self.interval_s)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


@contextlib.contextmanager
def chat_server(
    home: Path, port: int, concurrency: int | None, threads: int | None, log: Path
) -> Iterator[subprocess.Popen]:
    """Run ``citewise chat`` on 127.0.0.1:``port`` until the block ends (``threads``: OMP_NUM_THREADS)."""
    command = [str(BIN / "citewise"), "--home", str(home), "chat", "--host", "127.0.0.1", "--port", str(port)]
    if concurrency:
        command += ["--concurrency", str(concurrency)]
    with open(log, "wb") as out:
        env = {**os.environ, "OMP_NUM_THREADS": str(threads)} if threads else None
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", process, log)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


def wait_until_serving(url: str, process: subprocess.Popen, log: Path) -> None:
    """Poll the API description until the server answers (bounded in time)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"citewise chat exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}"
            )
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{url}/gradio_api/info", timeout=5) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"citewise chat did not answer at {url} within {STARTUP_TIMEOUT_S:.0f} s")


def connect(url: str) -> Any:
    """A gradio_client Client for the chat (no analytics, no downloads)."""
    from gradio_client import Client

    return Client(url, verbose=False, analytics_enabled=False, download_files=False)


def ask(client: Any, question: str) -> dict:
    """One ``/ask`` call, bounded by REQUEST_TIMEOUT_S; the answer must be the answer JSON."""
    result = client.submit(question, api_name="/ask").result(timeout=REQUEST_TIMEOUT_S)
    if not isinstance(result, dict) or "citations" not in result or "refused" not in result:
        raise ValueError(f"not an answer: {str(result)[:200]}")
    return result


@dataclass
class LoadResult:
    """What the clients saw."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, latency: float | None, error: str | None) -> None:
        """Add one request's outcome."""
        with self.lock:
            if error is None:
                self.latencies.append(latency or 0.0)
            else:
                self.errors.append(error)


def run_load(url: str, clients: int, seconds: float, max_requests: int) -> LoadResult:
    """``clients`` threads, each with its own Client, asking until the time or request budget is spent."""
    connections = [connect(url) for _ in range(clients)]
    budget = itertools.count()
    result = LoadResult()
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def user(number: int, client: Any) -> None:
        start.wait()
        questions = itertools.cycle(
            QUESTIONS[number % len(QUESTIONS) :] + QUESTIONS[: number % len(QUESTIONS)]
        )
        while time.monotonic() < deadline[0] and next(budget) < max_requests:
            t0 = time.perf_counter()
            try:
                ask(client, next(questions))
                result.record(time.perf_counter() - t0, None)
            except Exception as exc:  # every failure is counted and shown
                result.record(None, f"{type(exc).__name__}: {str(exc)[:200]}")

    threads = [threading.Thread(target=user, args=(i, c), daemon=True) for i, c in enumerate(connections)]
    for thread in threads:
        thread.start()
    deadline[0] = time.monotonic() + seconds
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join(timeout=seconds + REQUEST_TIMEOUT_S + 30)
    result.seconds = time.perf_counter() - began
    return result


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) by nearest rank, in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def report(
    result: LoadResult, args: argparse.Namespace, idle_mb: float, peak_mb: float, samples: int
) -> None:
    """Print the figures."""
    done = len(result.latencies)
    print(
        f"clients {args.clients}, server concurrency {args.concurrency or 'default'}, "
        f"torch threads {args.torch_threads or 'default'}, budget {args.seconds:.0f} s / {args.max_requests} requests"
    )
    print(
        f"requests ok {done}, errors {len(result.errors)} in {result.seconds:.1f} s: {done / result.seconds:.2f} requests/s"
    )
    if done:
        lat = result.latencies
        print(
            f"latency ms: p50 {percentile(lat, 0.5):.0f}, p95 {percentile(lat, 0.95):.0f}, "
            f"p99 {percentile(lat, 0.99):.0f}, mean {statistics.mean(lat) * 1000:.0f}, max {max(lat) * 1000:.0f}"
        )
    verdict = "within" if peak_mb <= RSS_TARGET_MB else "ABOVE"
    print(
        f"server tree RSS MB: idle {idle_mb:.0f}, peak {peak_mb:.0f} ({samples} samples; {verdict} the {RSS_TARGET_MB} MB target)"
    )
    for error in sorted(set(result.errors))[:10]:
        print(f"error: {error}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16, help="Concurrent gradio_client users.")
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="Time budget of the load (at most 60 s unless raised)."
    )
    parser.add_argument("--max-requests", type=int, default=2000, help="Request budget of the load.")
    parser.add_argument(
        "--concurrency", type=int, help="citewise chat --concurrency (default: the chat's default)."
    )
    parser.add_argument(
        "--torch-threads", type=int, help="OMP_NUM_THREADS for the server (default: torch's default)."
    )
    parser.add_argument(
        "--home", type=Path, help="Existing data directory with an index (default: a temp one)."
    )
    parser.add_argument(
        "--corpus", type=Path, default=ROOT / "corpus", help="Corpus to ingest into the temp home."
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Ingest, serve, load, report; 1 if any request failed."""
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="citewise-load-") as tmp:
        home = args.home or Path(tmp) / "home"
        if args.home is None:
            print(f"ingesting {args.corpus} into {home}", file=sys.stderr)
            subprocess.run(
                [str(BIN / "citewise"), "--home", str(home), "ingest", "--quiet", str(args.corpus)],
                check=True,
                timeout=1800,
            )
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        with chat_server(home, port, args.concurrency, args.torch_threads, Path(tmp) / "chat.log") as server:
            ask(connect(url), QUESTIONS[0])  # waits for the background model load
            idle_mb = tree_rss_mb(server.pid)
            print(f"serving at {url}; running the load", file=sys.stderr)
            with RssSampler(server.pid) as sampler:
                result = run_load(url, args.clients, args.seconds, args.max_requests)
    report(result, args, idle_mb, sampler.peak_mb, sampler.samples)
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
