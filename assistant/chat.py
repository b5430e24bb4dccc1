"""``citewise chat``: the Gradio app for clinicians, and its ``ask`` API endpoint.

Answers are computed in full (retrieval, answer, citation check) *before* anything is
shown, then revealed a few lines at a time. Streaming tokens as a model produces them
would put statements on a clinician's screen that the citation check may still drop;
a claim seen and then withdrawn is worse than a second's wait. While the answer is
computed the chat shows a status line ("Searching the corpus…").

The model and the index are loaded once, in a background thread started at launch, so
the page is served at once; the first question waits for the load if it is not done.
Follow-up questions are rewritten into standalone queries (``assistant.followup``), and
the query used is shown above the answer. Thumbs up/down votes are appended to
``<home>/feedback.jsonl``. Gradio is imported inside functions, so ``citewise --help``
stays fast.

No ``from __future__ import annotations`` here: Gradio reads the event handlers' type
hints at run time (``gr.SelectData``, ``gr.LikeData``) to know what to pass them.
"""

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from assistant import chat_view as view
from assistant.answer import Answer
from assistant.audit import append_jsonl
from assistant.followup import Rewrite, rewrite_followup, term_kinds
from ingest import CitewiseError, ConfigError, Settings, current_generation

if TYPE_CHECKING:
    import gradio as gr

    from assistant.knowledge import KnowledgeBase
    from assistant.pipeline import Assistant

logger = logging.getLogger(__name__)

MAX_QUEUE = 64
REVEAL_DELAY_S = 0.04  # between reveal steps: readable, and ~0.3 s for a whole answer
FEEDBACK_FILE = "feedback.jsonl"


class Engine:
    """The shared index and model, loaded once; one Assistant per (answerer, top_k)."""

    def __init__(self, settings: Settings, assistant: "Assistant | None" = None) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._kb: KnowledgeBase | None = assistant.kb if assistant else None
        self._assistants: dict[tuple[str, int], Assistant] = {}
        if assistant is not None:
            self._assistants[(assistant.settings.answerer, assistant.settings.top_k)] = assistant

    @property
    def is_loaded(self) -> bool:
        """True once the index and model are in memory."""
        return self._kb is not None

    def load_in_background(self) -> None:
        """Start loading now, so the first question does not wait for the model."""
        threading.Thread(target=self._preload, name="citewise-load", daemon=True).start()

    def _preload(self) -> None:
        try:
            self.knowledge()
        except CitewiseError as exc:  # shown to the user when they ask
            logger.warning("index not loaded: %s", exc)

    def knowledge(self) -> "KnowledgeBase":
        """The loaded index; loads it on first use (a failed load is retried next time),
        and loads a newer generation once an ingest has finished.

        A newer index is loaded beside the old one and swapped in by one assignment, so a
        request in flight keeps a consistent view of the index it started with.
        """
        with self._lock:
            kb = self._kb
        if kb is not None and not kb.is_stale():
            return kb
        from assistant.knowledge import KnowledgeBase

        t0 = time.perf_counter()
        fresh = KnowledgeBase(self.settings, kb.embedder if kb else None)
        fresh.warm_up()
        with self._lock:
            self._kb = fresh
            self._assistants = {}
        logger.info("index %s loaded in %.1f s", fresh.generation.generation, time.perf_counter() - t0)
        return fresh

    def assistant(self, answerer: str | None = None, top_k: int | None = None) -> "Assistant":
        """The Assistant for these options (defaults from settings).

        Raises:
            CitewiseError: no index, a bad option, or an answerer that is not configured.
        """
        settings = self.settings.with_(answerer=answerer, top_k=top_k)
        key = (settings.answerer, settings.top_k)
        kb = self.knowledge()
        with self._lock:
            if key not in self._assistants or self._assistants[key].kb is not kb:
                from assistant.pipeline import Assistant

                self._assistants[key] = Assistant(settings, kb)
            return self._assistants[key]

    def ask(self, question: str, answerer: str | None = None, top_k: int | None = None) -> Answer:
        """Answer ``question``, picking up a newer index if an ingest finished meanwhile."""
        from assistant.pipeline import validate_question

        validate_question(question, self.settings.max_question_chars)  # before waiting for the model
        return self.assistant(answerer, top_k).ask(question)


def feedback_record(turn: dict[str, Any], liked: bool) -> dict[str, Any]:
    """The JSON line written for one vote on one answer."""
    answer = turn["answer"]
    return {
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "vote": "up" if liked else "down",
        "question": turn["question"],
        "query": turn["query"],
        "answer": answer["answer"],
        "refused": answer["refused"],
        "cited": list(dict.fromkeys(c["source_id"] for c in answer["citations"])),
        "answerer": answer["answerer"],
        "index": answer["index"],
    }


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


def index_notice(settings: Settings) -> str | None:
    """What to tell the user when there is no index yet, else None."""
    if current_generation(settings) is None:
        return f"No index in {settings.home} yet: run 'citewise ingest' and ask again."
    return None


def respond(
    engine: Engine,
    message: str,
    history: list[dict[str, Any]],
    turns: list[dict[str, Any]],
    answerer: str,
    top_k: int,
) -> Iterator[tuple[Any, ...]]:
    """The chat turn: status line, then the checked answer revealed a few lines at a time.

    The text box is cleared once, at the start, so a question typed during the reveal
    survives; the turn is recorded before the reveal, so a vote cast during it counts.

    Yields:
        (chat history, turns, sources panel HTML, text box value); ``gr.skip()`` leaves one as is.
    """
    question = (message or "").strip()
    if not question:
        yield history, turns, gr_skip(), ""
        return
    asked = [*history, {"role": "user", "content": question}]

    def showing(content: str) -> list[dict[str, Any]]:  # a new list per step: earlier steps stay as sent
        return [*asked, {"role": "assistant", "content": content}]

    status = view.SEARCHING if engine.is_loaded else view.LOADING
    yield showing(status), turns, view.placeholder_html("Searching…"), ""
    previous = turns[-1]["query"] if turns else None
    rewrite = rewrite_followup(question, previous, term_kinds(engine.settings))
    try:
        answer = engine.ask(rewrite.query, answerer, int(top_k))
    except CitewiseError as exc:
        yield showing(view.error_message(str(exc))), turns, view.placeholder_html(str(exc)), gr_skip()
        return
    except Exception:  # a bug: say so once, never show a traceback
        logger.exception("unexpected error answering %r", rewrite.query)
        yield showing(view.error_message(view.BUG_MESSAGE)), turns, view.placeholder_html(), gr_skip()
        return
    text, panel = view.answer_message(answer, rewrite), view.sources_html(answer)
    turns = [*turns, _turn(question, rewrite, answer, len(asked))]
    for step, part in enumerate(view.progressive(text)):
        yield (showing(part), *((turns, panel) if step == 0 else (gr_skip(), gr_skip())), gr_skip())
        time.sleep(REVEAL_DELAY_S)
    yield showing(text), turns, panel, gr_skip()


def _turn(question: str, rewrite: Rewrite, answer: Answer, index: int) -> dict[str, Any]:
    return {
        "question": question,
        "query": rewrite.query,
        "rule": rewrite.rule,
        "message_index": index,
        "answer": answer.model_dump(mode="json"),
    }


def gr_skip() -> Any:
    """Leave an output unchanged (gradio's ``skip``)."""
    import gradio as gr

    return gr.skip()


def ask_endpoint(
    engine: Engine, question: str, top_k: int | None = None, answerer: str | None = None
) -> dict:
    """The ``ask`` API: the answer JSON of DESIGN.md, or a gr.Error with the reason."""
    import gradio as gr

    try:
        return engine.ask(question, answerer or None, top_k).model_dump(mode="json")
    except CitewiseError as exc:
        raise gr.Error(str(exc), print_exception=False) from exc


def record_vote(settings: Settings, turns: list[dict[str, Any]], index: Any, liked: Any) -> bool:
    """Append the vote on the answer at chat ``index``; False when there is nothing to record."""
    turn = next((t for t in turns if t["message_index"] == index), None)
    if turn is None or not isinstance(liked, bool):  # a vote withdrawn, or a user message
        return False
    append_jsonl(settings.home / FEEDBACK_FILE, feedback_record(turn, liked))
    return True


def build_app(settings: Settings, assistant: "Assistant | None" = None) -> "gr.Blocks":
    """The chat app. Pass a loaded ``assistant`` to share its model and index.

    Without one, the index and model start loading in the background right away.
    """
    import gradio as gr

    engine = Engine(settings, assistant)
    if assistant is None:
        engine.load_in_background()
    with gr.Blocks(title=view.TITLE, analytics_enabled=False) as app:
        gr.HTML(view.header_html())
        notice = gr.HTML(visible=False)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                chatbot, box, answerer, top_k = _chat_column(gr, settings)
            with gr.Column(scale=2, min_width=320):
                sources = gr.HTML(view.placeholder_html(), elem_id="cw-sources-panel")
        turns = gr.State([])
        _wire(gr, engine, chatbot, box, answerer, top_k, sources, turns)
        app.load(_notice_update(gr, settings), None, notice, api_visibility="private", queue=False)

        def ask(question: str, top_k: int | None = None, answerer: str | None = None) -> dict:
            """Answer one question from the corpus; returns the answer JSON (see DESIGN.md)."""
            return ask_endpoint(engine, question, top_k, answerer)

        gr.api(ask, api_name="ask")
    return app


def _chat_column(gr: Any, settings: Settings) -> tuple[Any, ...]:
    chatbot = gr.Chatbot(
        label="Conversation",
        show_label=False,
        height=600,
        placeholder=view.CHAT_PLACEHOLDER,
        examples=[{"text": q} for q in view.EXAMPLES],
        feedback_options=("Like", "Dislike"),
        buttons=["copy"],
        latex_delimiters=[],
        elem_id="cw-chat",
    )
    box = gr.Textbox(
        placeholder="Ask about anti-MAG neuropathy, e.g. “Does rituximab help?” (Enter to send)",
        show_label=False,
        submit_btn="Ask",
        max_length=settings.max_question_chars,
        autofocus=True,
        elem_id="cw-question",
    )
    with gr.Accordion("Options", open=False), gr.Row():
        answerer = gr.Radio(
            ["extractive", "llm"],
            value=settings.answerer,
            label="Answerer",
            info="extractive: verbatim sentences, offline. llm: needs CITEWISE_LLM_BASE_URL.",
        )
        top_k = gr.Slider(1, 20, value=settings.top_k, step=1, label="Passages to answer from (top_k)")
    return chatbot, box, answerer, top_k


def _wire(
    gr: Any, engine: Engine, chatbot: Any, box: Any, answerer: Any, top_k: Any, sources: Any, turns: Any
) -> None:
    """Connect the events; none of them is a public API (only ``ask`` is)."""

    def turn(message: str, history: list, state: list, name: str, k: int) -> Iterator[tuple]:
        yield from respond(engine, message, history, state, name, k)

    def pick_example(data: gr.SelectData) -> str:
        return data.value["text"]

    def show_sources(state: list, data: gr.SelectData) -> str:
        match = next((t for t in state if t["message_index"] == data.index), None)
        return view.sources_html(Answer.model_validate(match["answer"])) if match else gr.skip()

    def vote(state: list, data: gr.LikeData) -> None:
        if record_vote(engine.settings, state, data.index, data.liked):
            gr.Info("Thank you: your feedback was recorded.", duration=3)

    private = {"api_visibility": "private"}
    io = {"inputs": [box, chatbot, turns, answerer, top_k], "outputs": [chatbot, turns, sources, box]}
    # always_last: a question sent while an answer is still shown is asked right after it.
    box.submit(turn, **io, show_progress="hidden", trigger_mode="always_last", **private)
    chatbot.example_select(pick_example, None, box, **private).then(
        turn, **io, show_progress="hidden", **private
    )
    chatbot.select(show_sources, turns, sources, **private)
    chatbot.like(vote, turns, None, **private)
    # The chat's own clear button starts a new conversation: no follow-up context, no votes to match.
    chatbot.clear(lambda: ([], view.placeholder_html()), None, [turns, sources], **private)


def _notice_update(gr: Any, settings: Settings) -> Any:
    def update() -> Any:
        message = index_notice(settings)
        return gr.update(value=view.notice_html(message) if message else "", visible=message is not None)

    return update


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


def serve(
    app: "gr.Blocks",
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    share: bool = False,
    concurrency: int = 4,
    prevent_thread_lock: bool = False,
    quiet: bool = True,
) -> Any:
    """Start the server: bounded queue, optional login, no share link unless asked."""
    app.queue(default_concurrency_limit=concurrency, max_size=max(MAX_QUEUE, 4 * concurrency))
    return app.launch(
        server_name=host,
        server_port=port,
        share=share,
        auth=parse_auth(settings.auth),
        auth_message="citewise: sign in to ask questions." if settings.auth else None,
        prevent_thread_lock=prevent_thread_lock,
        theme=theme(),
        css=view.CSS,
        footer_links=["api"],
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
        enable_monitoring=False,
        inbrowser=False,
        quiet=quiet,
    )


def launch(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    share: bool = False,
    concurrency: int = 4,
) -> None:
    """Build and serve the chat until interrupted (``citewise chat``).

    Raises:
        ConfigError: a malformed login.
    """
    parse_auth(settings.auth)  # fail before loading anything
    app = build_app(settings)
    serve(app, settings, host=host, port=port, share=share, concurrency=concurrency, prevent_thread_lock=True)
    login = " (login required)" if settings.auth else ""
    print(f"citewise chat on http://{host}:{port}{login}; press Ctrl+C to stop", flush=True)
    if share and getattr(app, "share_url", None):
        print(f"public share link: {app.share_url}", flush=True)
    try:
        app.block_thread()
    except KeyboardInterrupt:
        pass
    finally:
        app.close()
