"""Input limits under load, against a real ``citewise chat`` subprocess on a free loopback port.

While a few threads send oversized and malformed requests to the ``ask`` API, normal
questions from other clients must still be answered. Junk requests must get a clear
error, never a hang or a crash. No timing assertions: each normal request only has to
finish within a generous per-request bound, and the medians with and without the junk
load are printed for people (``pytest -s``).
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ingest import Embedder, Settings, build_index
from tests.servers import free_port, stop_process, wait_for_http

BIN = Path(sys.executable).parent
STARTUP_TIMEOUT_S = 180.0
REQUEST_TIMEOUT_S = 90.0
NORMAL_CLIENTS = 3
NORMAL_ROUNDS = 3
JUNK_CLIENTS = 3
JUNK_REQUESTS_PER_CLIENT = 12
NORMAL = [
    "Does rituximab help anti-MAG neuropathy?",
    "Is IVIg recommended for anti-MAG neuropathy?",
    "How are anti-MAG antibodies measured?",
    "What is the capital of France?",
]


@pytest.fixture(scope="module")
def chat_url(
    tmp_path_factory: pytest.TempPathFactory, index_settings: Settings, corpus_dir: Path, embedder: Embedder
) -> Iterator[str]:
    """``citewise chat`` over a copy of the session index (its vectors reused, nothing re-embedded)."""
    home = tmp_path_factory.mktemp("chat-home")
    shutil.copytree(index_settings.index_dir, home / "index", ignore=shutil.ignore_patterns("OWNER", "LOCK"))
    build_index(Settings(home=home), corpus_dir, embedder=embedder)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = home / "chat.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(BIN / "citewise"), "--home", str(home), "chat", "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        wait_for_http(f"{url}gradio_api/info", process, log, STARTUP_TIMEOUT_S, "citewise chat")
        ask(connect(url), NORMAL[0])  # the model loads in the background; wait for it once
        yield url
    finally:
        stop_process(process)


def connect(url: str):
    """A gradio_client Client (no analytics, no downloads)."""
    from gradio_client import Client

    return Client(url, verbose=False, analytics_enabled=False, download_files=False)


def ask(client, question) -> dict:
    """One ``/ask`` call, bounded in time."""
    return client.submit(question, api_name="/ask").result(timeout=REQUEST_TIMEOUT_S)


def app_error(client, question) -> str:
    """The error message the API returns for ``question`` (fails if it answers instead)."""
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as info:
        ask(client, question)
    return str(info.value)


def post_raw(url: str, body: bytes) -> tuple[int, str]:
    """POST ``body`` to the REST call endpoint; return the status and the response text,
    or, when the call was queued, the text of its event stream (where the error is)."""
    request = urllib.request.Request(
        f"{url}gradio_api/call/ask", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as response:
            event_id = json.loads(response.read())["event_id"]
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")
    with urllib.request.urlopen(f"{url}gradio_api/call/ask/{event_id}", timeout=REQUEST_TIMEOUT_S) as stream:
        return stream.status, stream.read().decode(errors="replace")


def run_normal_clients(url: str) -> tuple[list[float], list[str]]:
    """NORMAL_CLIENTS threads each asking every NORMAL question NORMAL_ROUNDS times."""
    latencies: list[float] = []
    failures: list[str] = []

    def user() -> None:
        client = connect(url)
        for _ in range(NORMAL_ROUNDS):
            for question in NORMAL:
                t0 = time.perf_counter()
                try:
                    answer = ask(client, question)
                    assert answer["question"] == question and isinstance(answer["citations"], list)
                    latencies.append(time.perf_counter() - t0)
                except Exception as exc:  # collected and asserted on below
                    failures.append(f"{question}: {type(exc).__name__}: {exc}")

    run_threads([user] * NORMAL_CLIENTS)
    return latencies, failures


def run_threads(targets: list[Callable[[], None]]) -> None:
    """Start one thread per target and join them all (bounded)."""
    threads = [threading.Thread(target=t, daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
        assert not thread.is_alive(), "a client thread did not finish"


def junk_requests(url: str) -> list[Callable[[], str]]:
    """Oversized and malformed requests, each returning the error text it got."""
    client = connect(url)
    return [
        lambda: app_error(client, "why " * 501),
        lambda: app_error(client, "x" * 200_000),
        lambda: app_error(client, "   "),
        lambda: app_error(client, 12345),
        lambda: post_raw(url, b"{not json")[1],
        lambda: post_raw(url, json.dumps({"data": ["y" * 500_000, None, None]}).encode())[1],
    ]


def test_oversized_question_gets_a_clear_error(chat_url: str):
    message = app_error(connect(chat_url), "a" * 2001)
    assert "2,001 characters" in message and "limit is 2,000" in message


def test_malformed_requests_get_clear_errors(chat_url: str):
    from gradio_client.exceptions import AppError

    client = connect(chat_url)
    assert "question is empty" in app_error(client, "  \n ")
    assert "question" in app_error(client, 12345)
    with pytest.raises(AppError, match="top_k"):
        client.submit("Does rituximab help?", 999, api_name="/ask").result(timeout=REQUEST_TIMEOUT_S)
    status, body = post_raw(chat_url, json.dumps({"data": ["z" * 5000, None, None]}).encode())
    assert "event: error" in body and "limit is 2,000" in body
    status, body = post_raw(chat_url, b"{not json")
    assert status == 422 and "JSON decode error" in body
    status, body = post_raw(chat_url, json.dumps({"no_data": 1}).encode())
    assert status == 422 and "data" in body


def test_normal_questions_still_answer_while_junk_is_sent(chat_url: str):
    quiet_latencies, quiet_failures = run_normal_clients(chat_url)
    junk_errors: list[str] = []
    stop = threading.Event()

    def junk_user() -> None:
        requests = junk_requests(chat_url)
        for i in range(JUNK_REQUESTS_PER_CLIENT):
            if stop.is_set():
                return
            junk_errors.append(requests[i % len(requests)]())

    busy_results: list[tuple[list[float], list[str]]] = []
    run_threads([junk_user] * JUNK_CLIENTS + [lambda: busy_results.append(run_normal_clients(chat_url))])
    stop.set()
    busy_latencies, busy_failures = busy_results[0]

    assert quiet_failures == [] and busy_failures == []
    assert len(busy_latencies) == NORMAL_CLIENTS * NORMAL_ROUNDS * len(NORMAL)
    assert len(junk_errors) == JUNK_CLIENTS * JUNK_REQUESTS_PER_CLIENT
    assert all(
        ("limit is 2,000" in e) or ("question" in e) or ("JSON decode error" in e) for e in junk_errors
    )
    print(
        f"\nnormal /ask median: {statistics.median(quiet_latencies) * 1000:.0f} ms alone, "
        f"{statistics.median(busy_latencies) * 1000:.0f} ms with {JUNK_CLIENTS} junk clients"
    )
