"""One streamed chat-completions request, bounded in time and size.

An endpoint can fail in ways a read timeout does not catch: it may trickle one byte a
second for minutes, or send megabytes. So the request runs in a worker thread that
feeds the reply, token by token, to the caller, who stops waiting at a total deadline;
the worker counts the bytes on the wire and stops at a cap. Every failure becomes a
``BackendError`` that says what happened and what to check. There are no retries: the
deadline is per answer, and a retry would silently double it.

Plain httpx rather than an SDK: the body must carry exactly what each server's
structured-output mode needs (langchain-openai rewrites ``max_tokens`` as
``max_completion_tokens``, which llama.cpp ignores, and parses any ``response_format``
reply itself), and the size cap must count bytes before they are parsed.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ingest import BackendError

logger = logging.getLogger(__name__)

# An error body is read only this far: enough for the server's message.
_ERROR_BODY_BYTES = 4096


class _Cancelled(Exception):
    """The caller stopped waiting (deadline or size cap); the worker just exits."""


class _TooLarge(Exception):
    """The reply passed the byte cap."""


class _Incomplete(Exception):
    """The stream ended before the server said it was done."""


@dataclass(frozen=True, slots=True)
class Completion:
    """The text of a reply and why the server stopped (``stop``, ``length`` or None)."""

    text: str
    finish_reason: str | None


def sse_data(chunks: Iterable[bytes], max_bytes: int, cancelled: Callable[[], bool]) -> Iterator[str]:
    """The ``data:`` payloads of a server-sent-event byte stream, counting bytes as they come.

    Raises:
        _TooLarge: more than ``max_bytes`` arrived.
        _Cancelled: ``cancelled()`` turned true.
    """
    buffer = bytearray()
    for chunk in _capped(chunks, max_bytes, cancelled):
        scan = len(buffer)
        buffer.extend(chunk)
        while (newline := buffer.find(b"\n", scan)) >= 0:
            line = bytes(buffer[:newline]).rstrip(b"\r")
            del buffer[: newline + 1]
            scan = 0
            if line.startswith(b"data:"):
                yield line[5:].strip().decode("utf-8", errors="replace")


class ChatEndpoint:
    """An OpenAI-compatible ``/chat/completions`` endpoint."""

    def __init__(self, base_url: str, api_key: str | None, timeout_s: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout_s = timeout_s
        self._http: Any = None

    def _client(self) -> Any:
        if self._http is None:
            import httpx

            self._http = httpx.Client(
                timeout=httpx.Timeout(self.timeout_s, connect=min(10.0, self.timeout_s))
            )
        return self._http

    def complete(
        self,
        body: dict[str, Any],
        *,
        deadline_s: float,
        max_bytes: int,
        max_chars: int,
        on_token: Callable[[str], None] | None = None,
    ) -> Completion:
        """Send ``body`` (a streaming request) and return the reply's text.

        ``on_token`` sees each piece of text as it arrives, on the caller's thread.

        Raises:
            BackendError: the endpoint failed, answered with an error, sent more than
                ``max_bytes`` (or text past ``max_chars``), or did not finish within
                ``deadline_s`` seconds.
        """
        events: queue.Queue[tuple[str, Any]] = queue.Queue()
        cancel = threading.Event()
        worker = threading.Thread(
            target=self._run, args=(body, events, cancel, max_bytes), name="citewise-llm", daemon=True
        )
        start = time.monotonic()
        worker.start()
        parts: list[str] = []
        size = 0
        try:
            while True:
                remaining = deadline_s - (time.monotonic() - start)
                try:
                    if remaining <= 0:
                        raise queue.Empty
                    kind, value = events.get(timeout=remaining)
                except queue.Empty:
                    raise BackendError(
                        f"the LLM endpoint {self.base_url} did not finish its answer within {deadline_s:g} s "
                        f"(CITEWISE_LLM_TIMEOUT, a deadline for the whole answer); it sent {size:,} characters "
                        "so far. Check the server's load, or raise the deadline."
                    ) from None
                if kind == "done":
                    return Completion("".join(parts), value)
                if kind == "error":
                    raise value
                parts.append(value)
                size += len(value)
                if size > max_chars:
                    raise BackendError(
                        f"the LLM endpoint {self.base_url} sent a reply longer than {max_chars:,} characters, "
                        "more than max_tokens allows; the server ignores max_tokens (CITEWISE_LLM_MAX_TOKENS)"
                    )
                if on_token:
                    on_token(value)
        finally:
            cancel.set()

    def _run(
        self, body: dict[str, Any], events: queue.Queue, cancel: threading.Event, max_bytes: int
    ) -> None:
        """The worker: stream the reply into ``events`` as ("token", text), then ("done", reason)
        or ("error", BackendError)."""
        import httpx

        headers = {"Accept": "text/event-stream"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        try:
            with self._client().stream(
                "POST", f"{self.base_url}/chat/completions", json=body, headers=headers
            ) as response:
                if response.status_code >= 400:
                    events.put(("error", self._status_error(response)))
                    return
                finish = self._read(response, events, cancel, max_bytes)
            events.put(("done", finish))
        except _Cancelled:
            return
        except _TooLarge as exc:
            events.put(
                (
                    "error",
                    BackendError(
                        f"the LLM endpoint {self.base_url} sent more than {max_bytes:,} bytes ({exc.args[0]:,} so far) "
                        "for one answer; stopped reading. The server ignores max_tokens (CITEWISE_LLM_MAX_TOKENS)."
                    ),
                )
            )
        except _Incomplete:
            events.put(
                (
                    "error",
                    BackendError(
                        f"the LLM endpoint {self.base_url} closed the connection in the middle of its reply, before "
                        "saying it was done; the server stopped or crashed. Check that it is running, and its log."
                    ),
                )
            )
        except httpx.HTTPError as exc:
            events.put(("error", self._transport_error(exc)))
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            events.put(
                (
                    "error",
                    BackendError(
                        f"the LLM endpoint {self.base_url} sent a reply that is not chat-completions JSON "
                        f"({type(exc).__name__}: {str(exc)[:200]}); is CITEWISE_LLM_BASE_URL an OpenAI-compatible /v1 URL?"
                    ),
                )
            )

    def _read(
        self, response: Any, events: queue.Queue, cancel: threading.Event, max_bytes: int
    ) -> str | None:
        """Put the reply's text pieces into ``events``; return the finish reason."""
        chunks = response.iter_bytes()
        if "text/event-stream" not in response.headers.get("content-type", ""):
            # A server that ignores "stream": the whole completion as one JSON body.
            body = b"".join(_capped(chunks, max_bytes, cancel.is_set))
            choice = json.loads(body)["choices"][0]
            events.put(("token", choice["message"].get("content") or ""))
            return choice.get("finish_reason")
        finish, complete = None, False
        for data in sse_data(chunks, max_bytes, cancel.is_set):
            if data == "[DONE]":
                complete = True
                break
            chunk = json.loads(data)
            if chunk.get("error"):
                raise ValueError(f"error event: {json.dumps(chunk['error'])[:200]}")
            for choice in chunk.get("choices") or []:
                token = (choice.get("delta") or {}).get("content")
                if token:
                    events.put(("token", token))
                finish = choice.get("finish_reason") or finish
        if not (complete or finish):
            # The body ended with neither a finish reason nor [DONE]: the server went away.
            raise _Incomplete
        return finish

    def _status_error(self, response: Any) -> BackendError:
        """A message for an HTTP error status, with the server's own words and what to check."""
        body = b"".join(_capped(response.iter_bytes(), _ERROR_BODY_BYTES, lambda: False, truncate=True))
        detail = _server_message(body)
        code = response.status_code
        hint = {
            401: "check CITEWISE_LLM_API_KEY",
            403: "check CITEWISE_LLM_API_KEY",
            404: "check CITEWISE_LLM_BASE_URL (it usually ends in /v1) and that CITEWISE_LLM_MODEL is served there",
            400: "if it names response_format or a schema, set CITEWISE_LLM_OUTPUT to a mode this server supports "
            "(json_schema, json_object, guided_json or none; see docs/DEPLOYMENT.md)",
            422: "if it names response_format or a schema, set CITEWISE_LLM_OUTPUT to a mode this server supports "
            "(json_schema, json_object, guided_json or none; see docs/DEPLOYMENT.md)",
        }.get(code, "the server is failing or overloaded; try again later or check its log")
        return BackendError(f"the LLM endpoint {self.base_url} answered HTTP {code}: {detail}; {hint}")

    def _transport_error(self, exc: Exception) -> BackendError:
        import httpx

        if isinstance(exc, httpx.ConnectError):
            what = "cannot be reached (connection refused or no route)"
            hint = "start the server, or fix CITEWISE_LLM_BASE_URL"
        elif isinstance(exc, httpx.TimeoutException):
            what = f"sent nothing for {self.timeout_s:g} s"
            hint = "check the server's load, or raise CITEWISE_LLM_TIMEOUT"
        elif isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
            what = "closed the connection in the middle of its reply"
            hint = "the server stopped or crashed; check that it is running and its log"
        else:
            what = f"failed ({type(exc).__name__})"
            hint = "check that the server is running and CITEWISE_LLM_MODEL is served there"
        return BackendError(f"the LLM endpoint {self.base_url} {what}: {str(exc)[:200]}; {hint}")


def _capped(
    chunks: Iterable[bytes], max_bytes: int, cancelled: Callable[[], bool], *, truncate: bool = False
) -> Iterator[bytes]:
    """``chunks`` up to ``max_bytes`` in all: past it, stop (``truncate``) or raise ``_TooLarge``."""
    total = 0
    for chunk in chunks:
        if cancelled():
            raise _Cancelled
        total += len(chunk)
        if total > max_bytes:
            if truncate:
                yield chunk[: max_bytes - (total - len(chunk))]
                return
            raise _TooLarge(total)
        yield chunk


def _server_message(body: bytes) -> str:
    """The ``error.message`` (or the text) of an error body, as one plain line."""
    from assistant.answerers.llm_prompt import plain_text

    text = body.decode("utf-8", errors="replace")
    try:
        payload = json.loads(text)
        error = payload.get("error", payload) if isinstance(payload, dict) else payload
        text = error.get("message", json.dumps(error)) if isinstance(error, dict) else str(error)
    except ValueError:
        pass
    return plain_text(text)[:300] or "(no message)"
