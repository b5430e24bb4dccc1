"""Serving the chat: Gradio's server with the request guard, the login and the page assets."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, Any

from assistant.chat_limits import LoginThrottle, RequestGuard
from ingest import ConfigError, Settings

if TYPE_CHECKING:
    import gradio as gr

MAX_QUEUE = 64
LOGIN_NOTE = "citewise: sign in to ask questions. After 5 failed attempts, sign-in pauses for a minute."


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """``"user:password"`` as a pair, or None when no login is required.

    Raises:
        ConfigError: the value has no ':' or an empty user or password.
    """
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise ConfigError("the chat login must look like 'user:password' (--auth or CITEWISE_AUTH)")
    return user, password


def theme() -> Any:
    """A calm theme with system fonts: nothing is fetched from a font CDN."""
    import gradio as gr

    fonts = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
    return gr.themes.Soft(
        primary_hue="teal",
        neutral_hue="slate",
        font=fonts,
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
    )


def page_asset(name: str) -> str:
    """A file shipped beside this module (``chat.css``, ``chat.js``)."""
    return resources.files("assistant").joinpath(name).read_text(encoding="utf-8")


def serve(
    app: gr.Blocks,
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    share: bool = False,
    concurrency: int = 4,
    prevent_thread_lock: bool = False,
    quiet: bool = True,
) -> Any:
    """Start the server: bounded queue and requests, optional login, no share link unless asked.

    Raises:
        ConfigError: the port cannot be used.
    """
    from starlette.middleware import Middleware

    app.queue(default_concurrency_limit=concurrency, max_size=max(MAX_QUEUE, 4 * concurrency))
    guard = Middleware(RequestGuard, throttle=LoginThrottle())  # type: ignore[arg-type]
    try:
        return app.launch(
            server_name=host,
            server_port=port,
            share=share,
            auth=parse_auth(settings.auth),
            auth_message=LOGIN_NOTE if settings.auth else None,
            prevent_thread_lock=prevent_thread_lock,
            theme=theme(),
            css=page_asset("chat.css"),
            js=page_asset("chat.js"),
            app_kwargs={"middleware": [guard]},
            footer_links=["api"],
            ssr_mode=False,
            mcp_server=False,
            pwa=False,
            enable_monitoring=False,
            inbrowser=False,
            quiet=quiet,
        )
    except OSError as exc:
        raise port_error(host, port) from exc


def port_error(host: str, port: int) -> ConfigError:
    """The error for a port the chat cannot bind."""
    return ConfigError(
        f"cannot serve the chat on {host}:{port}: the port is in use or not allowed; choose another with --port"
    )
