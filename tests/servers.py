"""Real servers for tests, on free loopback ports."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from typing import Any

from ingest import Settings


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_chat(settings: Settings, assistant: Any = None) -> Iterator[str]:
    """Serve the chat on a free loopback port in this process; yields its URL."""
    from assistant.chat import build_app, serve

    app = build_app(settings, assistant)
    _, url, _ = serve(app, settings, host="127.0.0.1", port=free_port(), prevent_thread_lock=True)
    try:
        yield url
    finally:
        app.close()


def wait_for_http(url: str, process: Any, log: Any, timeout_s: float, name: str) -> None:
    """Poll ``url`` until it answers 200, failing the test if ``process`` exits or time runs out."""
    import time
    import urllib.request

    import pytest

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{name} exited with {process.returncode}: {log.read_text(errors='replace')[-2000:]}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5) as response:
            if response.status == 200:
                return
        time.sleep(0.3)
    pytest.fail(f"{name} did not answer at {url} within {timeout_s:.0f} s")


def stop_process(process: Any, timeout_s: float = 20) -> None:
    """Terminate a server process, killing it if it does not exit in time."""
    import subprocess

    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout_s)
