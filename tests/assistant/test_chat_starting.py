"""The starting page: the chat's address answers at once while Gradio loads, then hands
its port to the chat. Real sockets on 127.0.0.1 and a real `citewise chat` process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.chat_starting import MARKER, StartingPage
from assistant.cli import main
from ingest import Settings
from tests.servers import free_port, stop_process

ROOT = Path(__file__).resolve().parents[2]


def test_the_page_says_the_chat_is_starting_and_other_paths_ask_to_retry() -> None:
    port = free_port()
    with StartingPage("127.0.0.1", port):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as reply:
            assert reply.status == 200 and reply.headers["X-Citewise-Starting"] == "1"
            page = reply.read().decode()
        assert MARKER in page and "citewise is starting" in page and "location.reload()" in page
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/gradio_api/info", timeout=5)
        assert error.value.code == 503 and error.value.headers["Retry-After"] == "1"
    with socket.socket() as again:  # stopped: the port is free for the chat
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))


def test_a_busy_port_fails_at_once_with_a_message(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.perf_counter()
        result = CliRunner().invoke(main, ["--home", str(tmp_path), "chat", "--port", str(port)])
    assert result.exit_code != 0
    assert f"cannot serve the chat on 127.0.0.1:{port}" in result.output
    assert time.perf_counter() - started < 5, "a busy port should fail before Gradio is loaded"


def test_chat_serves_the_starting_page_first_and_then_the_chat(
    index_settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "chat.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEWISE_")}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "assistant.cli",
                "--home",
                str(index_settings.home),
                "chat",
                "--port",
                str(port),
            ],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and "chat" not in seen:
            assert process.poll() is None, log.read_text(errors="replace")[-2000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as reply:
                    kind = "starting" if reply.headers["X-Citewise-Starting"] else "chat"
                    if not seen or seen[-1] != kind:
                        seen.append(kind)
            except OSError:  # not bound yet, or between the two servers
                pass
            time.sleep(0.05)
    finally:
        stop_process(process)
    assert seen == ["starting", "chat"], seen
