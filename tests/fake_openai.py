"""A real HTTP server on 127.0.0.1 speaking the OpenAI chat-completions protocol.

No language model runs on these machines, so the replies are scripted: a test passes
a function from the request's messages to the reply text. Everything else (HTTP,
JSON, server-sent-event streaming, langchain-openai's client) is the real thing.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Script = Callable[[list[dict[str, Any]]], str]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.server.requests.append(body)
        if not self.path.endswith("/chat/completions"):
            self.send_error(404)
            return
        text = self.server.script(body["messages"])
        if body.get("stream"):
            self._stream(body["model"], text)
        else:
            self._json(
                {
                    "id": "x",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
                        }
                    ],
                }
            )

    def _json(self, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, model: str, text: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        pieces = [text[i : i + 16] for i in range(0, len(text), 16)]
        for i, piece in enumerate(pieces + [None]):
            delta = {"content": piece} if piece is not None else {}
            if i == 0:
                delta["role"] = "assistant"
            chunk = {
                "id": "x",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {"index": 0, "delta": delta, "finish_reason": None if piece is not None else "stop"}
                ],
            }
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, script: Script) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = script
        self.requests: list[dict[str, Any]] = []


@contextmanager
def openai_server(script: Script) -> Iterator[_Server]:
    """Serve ``script`` on a free loopback port; yields the server (``.server_port``, ``.requests``)."""
    server = _Server(script)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def passages_of(messages: list[dict[str, Any]]) -> dict[int, str]:
    """The numbered passage texts in the prompt citewise sent."""
    import re

    prompt = messages[-1]["content"]
    return {
        int(n): text for n, text in re.findall(r"\[(\d+)\] \([^\n]*\)\n<<<\n(.*?)\n>>>", prompt, re.DOTALL)
    }
