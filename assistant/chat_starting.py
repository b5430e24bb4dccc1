"""A "starting" page, served on the chat's port while Gradio loads.

Importing Gradio alone takes 4-5 s of CPU on a laptop core, and building the app more.
Without this page a browser opened at once gets "connection refused" and gives up. With
it, the address answers within a fraction of a second with a page that says the chat is
starting, asks the same address every half second, and reloads itself when the chat
answers instead. Binding the port first also means a busy port fails in a moment rather
than after Gradio has loaded.

Every other path answers 503 with ``Retry-After``, so API clients know to wait.
"""

from __future__ import annotations

import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# The page marks itself, so that its own poll (and a benchmark) can tell it from the chat.
MARKER = "citewise-starting"

PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="{MARKER}" content="1">
<title>citewise: starting</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1e293b;
       display: flex; min-height: 90vh; align-items: center; justify-content: center; }}
main {{ max-width: 32rem; padding: 1.5rem; }}
h1 {{ font-size: 1.4rem; margin: 0 0 .5rem; }}
p {{ color: #475569; line-height: 1.5; }}
</style></head>
<body><main role="status" aria-live="polite">
<h1>citewise is starting</h1>
<p>The chat is loading its interface and the literature index. This page opens it by
itself in a few seconds.</p>
</main>
<script>
async function poll() {{
  try {{
    const reply = await fetch(location.href, {{cache: "no-store"}});
    if (reply.ok && !reply.headers.has("X-Citewise-Starting")) {{ location.reload(); return; }}
  }} catch (e) {{ /* between this page's server stopping and the chat's starting */ }}
  setTimeout(poll, 500);
}}
setTimeout(poll, 500);
</script></body></html>
""".encode()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path.split("?", 1)[0] in ("", "/"):
            self._reply(200, "text/html; charset=utf-8", PAGE)
        else:
            self._reply(503, "text/plain; charset=utf-8", b"citewise is starting; retry in a moment\n")

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_POST(self) -> None:  # noqa: N802
        self._reply(503, "text/plain; charset=utf-8", b"citewise is starting; retry in a moment\n")

    def _reply(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Citewise-Starting", "1")
        if status == 503:
            self.send_header("Retry-After", "1")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet, as the chat's server is
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host up with socket.getfqdn, which can stall for
        # seconds where reverse DNS is broken; the page needs no name.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class StartingPage:
    """Serve the starting page on ``host:port`` until ``stop()`` (also a context manager).

    Raises:
        OSError: the port cannot be bound (in use, or not allowed).
    """

    def __init__(self, host: str, port: int) -> None:
        server_class = (
            type("_Server6", (_Server,), {"address_family": socket.AF_INET6}) if ":" in host else _Server
        )
        self._server = server_class((host, port), _Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="citewise-starting", daemon=True
        )

    def __enter__(self) -> StartingPage:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop serving and free the port for the chat."""
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()
