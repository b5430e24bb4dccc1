"""Limits that keep one client from hurting the chat for everyone (issue #15 risks 1, 5, 9).

Against real chat servers on free loopback ports: raw sockets send what a browser never
would (a 50 MB declared body, a chunked body), and a second client speaks from another
loopback address (127.0.0.2) to show that one client's limit is not everyone's.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.chat_limits import (
    MAX_BODY_BYTES,
    MAX_QUEUED_PER_CLIENT,
    LoginThrottle,
    SlidingWindow,
    exposure_warning,
)
from ingest import Settings
from tests.assistant.test_chat import ANTI_MAG, LOGIN
from tests.fake_openai import openai_server
from tests.servers import running_chat

OTHER_CLIENT = "127.0.0.2"  # also loopback: Linux routes all of 127.0.0.0/8 to lo
FIFTY_MB = 50 * 1024 * 1024


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_sliding_window_allows_the_limit_then_refuses_until_it_slides() -> None:
    clock = Clock()
    window = SlidingWindow(3, 60, clock)
    assert [window.allow("a") for _ in range(4)] == [True, True, True, False]
    assert window.allow("b")  # another client is counted apart
    clock.now += 59
    assert not window.allow("a")
    clock.now += 1
    assert window.allow("a")


def test_sign_in_locks_after_repeated_failures_and_the_lock_doubles() -> None:
    clock = Clock()
    throttle = LoginThrottle(failures_before_lock=3, lock_s=60, max_lock_s=100, clock=clock)
    for _ in range(2):
        throttle.failed("a")
    assert throttle.retry_after("a") == 0
    throttle.failed("a")
    assert throttle.retry_after("a") == 60 and throttle.retry_after("b") == 0
    clock.now += 60
    assert throttle.retry_after("a") == 0
    throttle.failed("a")
    assert throttle.retry_after("a") == 100  # doubled, capped at max_lock_s
    throttle.succeeded("a")
    assert throttle.retry_after("a") == 0


@pytest.mark.parametrize(
    ("host", "auth", "warns"),
    [("0.0.0.0", None, True), ("::", None, True), ("192.168.1.5", None, True), ("clinic.local", None, True),
     ("0.0.0.0", "ann:pw", False), ("127.0.0.1", None, False), ("127.0.0.2", None, False), ("::1", None, False),
     ("localhost", None, False), ("[::1]", None, False)],
)  # fmt: skip
def test_listening_beyond_this_machine_without_a_login_warns(
    host: str, auth: str | None, warns: bool
) -> None:
    warning = exposure_warning(host, auth)
    assert (warning is not None) == warns
    if warning:
        assert host in warning and "--auth" in warning


def test_votes_are_limited_per_client(chat_settings: Settings, assistant: Any, tmp_path: Path) -> None:
    import gradio as gr
    from starlette.requests import Request

    from assistant.chat import _feedback_handlers, respond
    from assistant.chat_engine import Engine
    from assistant.chat_limits import VOTES_PER_WINDOW

    *_, (_, turns, *_) = respond(Engine(chat_settings, assistant), ANTI_MAG, [], [], "extractive", 5)
    index = turns[0]["message_index"]
    vote, _ = _feedback_handlers(gr, chat_settings.with_(home=tmp_path))

    def request(host: str) -> gr.Request:
        return gr.Request(
            Request({"type": "http", "method": "POST", "path": "/", "headers": [], "client": (host, 1)})
        )

    def like() -> gr.LikeData:
        return gr.LikeData(None, {"index": index, "value": "", "liked": True})

    for _ in range(VOTES_PER_WINDOW + 3):
        vote(turns, like(), request("127.0.0.9"))
    vote(turns, like(), request("127.0.0.10"))  # another client still counts
    lines = (tmp_path / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == VOTES_PER_WINDOW + 1


def raw_request(url: str, head: str, body: bytes = b"", source: str = "127.0.0.1") -> tuple[int, dict, str]:
    """Send ``head`` (request line and headers) and ``body`` on a fresh socket; return the
    status, headers and body of the response."""
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30, source_address=(source, 0)) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, dict(response.getheaders()), response.read().decode(errors="replace")


def test_a_50_mb_post_is_refused_before_the_app_reads_it(server: str) -> None:
    # Only the headers are sent: the refusal must come without the server waiting for 50 MB.
    head = f"POST /gradio_api/call/ask HTTP/1.1\nHost: x\nContent-Type: application/json\nContent-Length: {FIFTY_MB}\n"
    t0 = time.monotonic()
    status, headers, body = raw_request(server, head)
    assert status == 413 and f"{MAX_BODY_BYTES:,} bytes" in json.loads(body)["detail"]
    print(f"\n50 MB POST refused in {(time.monotonic() - t0) * 1000:.0f} ms, no body sent")


def test_a_body_without_a_length_is_refused(server: str) -> None:
    head = "POST /gradio_api/queue/join HTTP/1.1\nHost: x\nContent-Type: application/json\nTransfer-Encoding: chunked\n"
    status, _, body = raw_request(server, head, b"5\r\nhello\r\n0\r\n\r\n")
    assert status == 411 and "Content-Length" in body


def test_a_normal_request_under_the_cap_is_answered(server: str) -> None:
    payload = json.dumps({"data": [ANTI_MAG, None, None]}).encode()
    head = f"POST /gradio_api/call/ask HTTP/1.1\nHost: x\nContent-Type: application/json\nContent-Length: {len(payload)}\n"
    status, _, body = raw_request(server, head, payload)
    assert status == 200 and "event_id" in body


def test_file_uploads_are_refused(server: str, chat_settings: Settings) -> None:
    boundary = "cwboundary"
    data = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="x.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\n{'x' * 1000}\r\n--{boundary}--\r\n"
    ).encode()
    head = (
        f"POST /gradio_api/upload HTTP/1.1\nHost: x\nContent-Type: multipart/form-data; boundary={boundary}\n"
        f"Content-Length: {len(data)}\n"
    )
    status, _, body = raw_request(server, head, data)
    assert status == 403 and "no file uploads" in body


@pytest.fixture(scope="module")
def slow_llm_chat(chat_settings: Settings, assistant: Any) -> Iterator[str]:
    """A chat whose llm answerer waits 3 s per answer: calls pile up in the queue."""

    def slow(messages: list[dict[str, Any]]) -> str:
        time.sleep(3)
        return json.dumps({"claims": [], "refusal": "scripted"})

    with openai_server(slow) as llm:
        settings = chat_settings.with_(
            llm_base_url=f"http://127.0.0.1:{llm.server_port}/v1", llm_model="slow"
        )
        with running_chat(settings, assistant) as url:
            yield url


def post_call(url: str, source: str) -> tuple[int, str]:
    payload = json.dumps({"data": [ANTI_MAG, 3, "llm"]}).encode()
    head = f"POST /gradio_api/call/ask HTTP/1.1\nHost: x\nContent-Type: application/json\nContent-Length: {len(payload)}\n"
    status, _, body = raw_request(url, head, payload, source=source)
    return status, body


def test_one_client_cannot_fill_the_queue(slow_llm_chat: str) -> None:
    statuses = [post_call(slow_llm_chat, "127.0.0.1")[0] for _ in range(MAX_QUEUED_PER_CLIENT + 4)]
    assert statuses[:MAX_QUEUED_PER_CLIENT] == [200] * MAX_QUEUED_PER_CLIENT
    assert set(statuses[MAX_QUEUED_PER_CLIENT:]) == {429}
    status, body = post_call(slow_llm_chat, OTHER_CLIENT)  # everyone else still gets in
    assert status == 200 and "event_id" in body
    assert "requests waiting" in post_call(slow_llm_chat, "127.0.0.1")[1]


def login(url: str, password: str, source: str = "127.0.0.1") -> tuple[int, dict, str]:
    form = f"username={LOGIN[0]}&password={password}".encode()
    head = f"POST /login HTTP/1.1\nHost: x\nContent-Type: application/x-www-form-urlencoded\nContent-Length: {len(form)}\n"
    return raw_request(url, head, form, source=source)


def test_sign_in_is_paused_after_repeated_failures(chat_settings: Settings, assistant: Any) -> None:
    with running_chat(chat_settings.with_(auth=":".join(LOGIN)), assistant) as url:
        assert [login(url, "wrong")[0] for _ in range(5)] == [400] * 5
        status, headers, body = login(url, LOGIN[1])  # even the right password waits now
        assert status == 429 and int(headers["retry-after"]) > 0 and "try again in" in body
        assert login(url, LOGIN[1], source=OTHER_CLIENT)[0] == 200  # another address is not locked


def test_chat_on_all_interfaces_without_login_warns_on_stderr(tmp_path: Path) -> None:
    # The port is taken on 127.0.0.1, so the server never listens: the test opens
    # nothing beyond loopback, and the busy port must be a clear exit 2.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "assistant.cli", "--home", str(tmp_path), "chat", "--host", "0.0.0.0", "--port", str(port)],
            capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    assert "WARNING: citewise chat listens on 0.0.0.0 WITHOUT A LOGIN" in result.stderr
    assert result.returncode == 2 and f"{port}" in result.stderr and "--port" in result.stderr
    assert "bug" not in result.stderr
