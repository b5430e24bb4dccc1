"""Limits that keep one client from hurting the chat for everyone.

``RequestGuard`` is ASGI middleware put in front of Gradio's app (``launch(app_kwargs=
{"middleware": ...})``). Before the app reads anything it:

- refuses a body over ``MAX_BODY_BYTES`` from its Content-Length (413), and a body
  without one (411), so a 50 MB POST is never read into memory;
- refuses file uploads (403): the chat has no file input;
- refuses a new queued call from a client that already has ``MAX_QUEUED_PER_CLIENT``
  calls waiting or running (429), so one client cannot fill the shared queue;
- refuses sign-in attempts from an address after repeated failures (429, with
  Retry-After), the lock doubling with each further failure.

A client is its address as the server sees it (``scope["client"]``). Behind a reverse
proxy on the same machine, uvicorn takes it from X-Forwarded-For (it trusts 127.0.0.1
by default); behind any other proxy every user shares the proxy's address, so these
limits apply to all of them together (docs/DEPLOYMENT.md).

``SlidingWindow`` bounds feedback votes per client; ``exposure_warning`` is what
``citewise chat`` prints when it listens beyond this machine without a login.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# A chat request carries a question (at most 2,000 characters), a comment (at most
# 2,000) or one message of the conversation (an answer message is ~5-30 KB of HTML).
# 1 MiB leaves room for all of them, lets an oversized question through to get its
# "limit is 2,000" message, and is 50 times less than the 50 MB POSTs that pushed the
# server from 0.86 to 5.4 GB.
MAX_BODY_BYTES = 1024 * 1024
# Four times what a person clicking quickly needs (a question, a source selection, a
# vote); the global queue holds 64, so at least eight clients always fit.
MAX_QUEUED_PER_CLIENT = 8
LOGIN_FAILURES_BEFORE_LOCK = 5
LOGIN_LOCK_S = 60.0
LOGIN_LOCK_MAX_S = 900.0
VOTES_PER_WINDOW = 30
VOTE_WINDOW_S = 600.0
# Addresses remembered by a throttle or window; the oldest are forgotten beyond this.
MAX_TRACKED_CLIENTS = 10_000

_UPLOAD = re.compile(r"(^|/)(gradio_api/)?upload/?$")
_LOGIN = re.compile(r"(^|/)login/?$")
_QUEUED_CALL = re.compile(r"(^|/)gradio_api/(queue/join|call/[^/]+)/?$")
_BODY_METHODS = {"POST", "PUT", "PATCH"}


class SlidingWindow:
    """At most ``limit`` events per client within ``window_s`` seconds."""

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window_s, self.clock = limit, window_s, clock
        self._events: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, client: str) -> bool:
        """Count one event for ``client``; False (and not counted) when over the limit."""
        now = self.clock()
        events = self._events.setdefault(client, deque())
        self._events.move_to_end(client)
        while events and now - events[0] >= self.window_s:
            events.popleft()
        if len(events) >= self.limit:
            return False
        events.append(now)
        if len(self._events) > MAX_TRACKED_CLIENTS:
            self._events.popitem(last=False)
        return True


@dataclass(slots=True)
class _Failures:
    count: int = 0
    locked_until: float = 0.0
    lock_s: float = 0.0


class LoginThrottle:
    """Locks an address out of signing in after repeated failures.

    After ``failures_before_lock`` failures in a row every attempt is refused for
    ``lock_s`` seconds; each failure after a lock doubles it, up to ``max_lock_s``.
    A successful sign-in clears the address.
    """

    def __init__(
        self,
        failures_before_lock: int = LOGIN_FAILURES_BEFORE_LOCK,
        lock_s: float = LOGIN_LOCK_S,
        max_lock_s: float = LOGIN_LOCK_MAX_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures_before_lock, self.lock_s, self.max_lock_s = failures_before_lock, lock_s, max_lock_s
        self.clock = clock
        self._clients: OrderedDict[str, _Failures] = OrderedDict()

    def retry_after(self, client: str) -> float:
        """Seconds until ``client`` may try again (0 when it may now)."""
        state = self._clients.get(client)
        return max(0.0, state.locked_until - self.clock()) if state else 0.0

    def failed(self, client: str) -> None:
        """Count a failed sign-in."""
        state = self._clients.setdefault(client, _Failures())
        self._clients.move_to_end(client)
        state.count += 1
        if state.count >= self.failures_before_lock:
            state.lock_s = min(self.max_lock_s, state.lock_s * 2 if state.lock_s else self.lock_s)
            state.locked_until = self.clock() + state.lock_s
        if len(self._clients) > MAX_TRACKED_CLIENTS:
            self._clients.popitem(last=False)

    def succeeded(self, client: str) -> None:
        """Forget the failures of ``client``."""
        self._clients.pop(client, None)


def client_of(scope: Scope) -> str:
    """The client's address ("unknown" when the server does not know it)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def queued_calls(app: Any, client: str) -> int:
    """Calls of ``client`` waiting in or running from the Gradio queue of ``app``.

    Reads Gradio's queue (``Blocks._queue``), which has no public API for this; if a
    Gradio upgrade changes it, the limit is skipped with a warning, never the request.
    """
    try:
        queue = app.get_blocks()._queue
        events = [e for q in queue.event_queue_per_concurrency_id.values() for e in q.queue]
        events += [e for job in queue.active_jobs if job for e in job]
        return sum(1 for e in events if e.request is not None and _host(e.request) == client)
    except AttributeError:
        logger.warning("cannot read the Gradio queue; the per-client queue limit is off")
        return 0


def _host(request: Any) -> str:
    return str(request.client.host) if getattr(request, "client", None) else "unknown"


class RequestGuard:
    """ASGI middleware enforcing the limits above (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int = MAX_BODY_BYTES,
        max_queued_per_client: int = MAX_QUEUED_PER_CLIENT,
        throttle: LoginThrottle | None = None,
        queued: Callable[[Any, str], int] = queued_calls,
    ) -> None:
        self.app, self.max_body_bytes, self.max_queued = app, max_body_bytes, max_queued_per_client
        self.throttle = throttle or LoginThrottle()
        self.queued = queued

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            status, message, headers = refusal
            await _reply(send, status, message, headers)
            return
        if scope["method"] == "POST" and _LOGIN.search(scope["path"]):
            await self._login(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> tuple[int, str, list[tuple[bytes, bytes]]] | None:
        """Why to refuse this request before reading it, or None."""
        path, method, client = scope["path"], scope["method"], client_of(scope)
        if _UPLOAD.search(path):
            return 403, "this chat takes no file uploads", []
        length = _content_length(scope)
        if method in _BODY_METHODS and length is None:
            return 411, "send the request with a Content-Length header", []
        if length is not None and (length < 0 or length > self.max_body_bytes):
            return 413, f"the request body is over the chat's limit of {self.max_body_bytes:,} bytes", []
        if method == "POST" and _LOGIN.search(path):
            wait = self.throttle.retry_after(client)
            if wait > 0:
                seconds = int(wait) + 1
                message = f"too many failed sign-ins from this address; try again in {seconds} s"
                return 429, message, [(b"retry-after", str(seconds).encode())]
        queued_call = method == "POST" and _QUEUED_CALL.search(path) and "app" in scope
        if queued_call and self.queued(scope["app"], client) >= self.max_queued:
            message = f"this client already has {self.max_queued} requests waiting; wait for their answers"
            return 429, message, [(b"retry-after", b"5")]
        return None

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass a sign-in to the app, counting its outcome (Gradio answers 400 when it fails)."""
        client = client_of(scope)
        outcome: dict[str, int] = {}

        async def watch(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                outcome["status"] = message["status"]
            await send(message)

        await self.app(scope, receive, watch)
        status = outcome.get("status")
        if status == 200:
            self.throttle.succeeded(client)
        elif status in (400, 401, 403):
            self.throttle.failed(client)
            logger.warning("failed sign-in from %s", client)


def _content_length(scope: Scope) -> int | None:
    """The declared body length; None when absent, -1 when malformed."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else -1
    return None


async def _reply(send: Send, status: int, message: str, headers: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps({"detail": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, "localhost")."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may well be reachable from outside


def exposure_warning(host: str, auth: str | None) -> str | None:
    """The warning for a chat reachable beyond this machine without a login, else None."""
    if auth or is_loopback(host):
        return None
    return (
        f"WARNING: citewise chat listens on {host} WITHOUT A LOGIN. Anyone who can reach this "
        "machine can ask questions and read the answers. Set --auth user:password (or "
        "CITEWISE_AUTH), or bind to 127.0.0.1 behind a reverse proxy that signs users in "
        "(docs/DEPLOYMENT.md)."
    )
