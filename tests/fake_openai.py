"""A real HTTP server on 127.0.0.1 speaking the OpenAI chat-completions protocol.

Its replies are scripted: a test passes a function from the request's messages to the
reply text, or to a ``Scripted`` reply that also sets how the server misbehaves (an
error status, a trickle, a dropped connection, a reply that never ends). Everything else
(HTTP, JSON, server-sent events, citewise's client) is the real thing. The server keeps
every request body in ``.requests`` (and its headers in ``.headers``), so a test can check what citewise sent.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Scripted:
    """A reply and the way it is sent."""

    text: str = ""
    status: int = 200
    chunk_chars: int = 16  # characters of text per streamed event
    delay_s: float = 0.0  # pause after each event (a trickle)
    close_after: int | None = None  # drop the connection after this many events
    endless: bool = False  # repeat ``text`` until the client goes away
    as_json: bool = False  # ignore "stream" and answer with one JSON body


Script = Callable[[list[dict[str, Any]]], "str | Scripted"]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.server.requests.append(body)
        self.server.headers.append(dict(self.headers))
        if not self.path.endswith("/chat/completions"):
            self._send(404, {"error": {"message": f"no route {self.path}"}})
            return
        reply = self.server.script(body["messages"])
        reply = reply if isinstance(reply, Scripted) else Scripted(text=reply)
        try:
            if reply.status >= 400:
                self._send(reply.status, {"error": {"message": reply.text or "scripted failure"}})
            elif body.get("stream") and not reply.as_json:
                self._stream(body["model"], reply)
            else:
                self._send(200, _completion(body["model"], reply.text))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, model: str, reply: Scripted) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        for i, piece in enumerate(_pieces(reply)):
            if reply.close_after is not None and i >= reply.close_after:
                self.wfile.flush()
                self.connection.shutdown(2)  # the server dies mid-answer
                return
            self.wfile.write(f"data: {json.dumps(_chunk(model, piece, first=i == 0))}\n\n".encode())
            self.wfile.flush()
            if reply.delay_s:
                time.sleep(reply.delay_s)
        self.wfile.write(f"data: {json.dumps(_chunk(model, None, first=False))}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


def _pieces(reply: Scripted) -> Iterator[str]:
    size = max(reply.chunk_chars, 1)
    while True:
        yield from (reply.text[i : i + size] for i in range(0, len(reply.text), size))
        if not reply.endless:
            return


def _chunk(model: str, piece: str | None, *, first: bool) -> dict[str, Any]:
    delta: dict[str, Any] = {"content": piece} if piece is not None else {}
    if first:
        delta["role"] = "assistant"
    return {
        "id": "x",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": None if piece is not None else "stop"}],
    }


def _completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "x",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, script: Script) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = script
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []


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


def evidence_tag(messages: list[dict[str, Any]]) -> str:
    """The nonce tag that delimits evidence in the prompt citewise sent."""
    match = re.search(r"<(evidence-[0-9a-f]+)[ >]", messages[0]["content"])
    assert match, "the system prompt names no evidence tag"
    return match.group(1)


def evidence_of(messages: list[dict[str, Any]]) -> dict[int, str]:
    """The numbered evidence sentences in the prompt citewise sent, as the model reads them."""
    tag = evidence_tag(messages)
    prompt = messages[-1]["content"]
    pattern = rf'<{tag} n="(\d+)"[^>]*>(.*?)</{tag}>'
    return {int(n): text for n, text in re.findall(pattern, prompt, re.DOTALL)}


def claims_reply(*claims: tuple[int, str] | tuple[int, str, bool], refusal: str | None = None) -> str:
    """A reply in citewise's format: (evidence number, statement[, bottom line]) per claim."""
    items = [
        {"evidence": c[0], "statement": c[1], "bottom_line": bool(c[2]) if len(c) > 2 else False}  # type: ignore[misc]
        for c in claims
    ]
    return json.dumps({"claims": items, "refusal": refusal})
