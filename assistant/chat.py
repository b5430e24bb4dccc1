"""``citewise chat``: the Gradio app for clinicians, and its ``ask`` API endpoint.

Answers are checked in full (retrieval, answer, citation and statement checks) *before*
any statement is shown, then revealed a block at a time. A language model's reply is
streamed, but only as progress ("Writing the answer… 412 characters drafted"): a claim
seen and then withdrawn is worse than a second's wait. The checked answer then replaces
the progress line, with a note of what the checks removed.

The model and the index are loaded once, in a background thread started at launch, so
the page is served at once; the first question waits for the load if it is not done.
Follow-up questions are rewritten into standalone queries (``assistant.followup``), and
the query used is shown above the answer. Votes and comments go to
``<home>/feedback.jsonl`` (``assistant.feedback``). The conversation is kept on the
server (``gr.State``), so a request carries one question, never the whole history, and
``assistant.chat_limits`` caps every request body. Gradio is imported inside functions,
so ``citewise --help`` stays fast.

No ``from __future__ import annotations`` here: Gradio reads the event handlers' type
hints at run time (``gr.SelectData``, ``gr.LikeData``, ``gr.Request``) to know what to
pass them.
"""

import logging
import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from assistant import chat_view as view
from assistant.answer import Answer
from assistant.chat_engine import Engine, ask_with_progress, new_answer_id
from assistant.chat_limits import VOTE_WINDOW_S, VOTES_PER_WINDOW, SlidingWindow, exposure_warning
from assistant.chat_server import page_asset, parse_auth, port_error, serve
from assistant.chat_sources import placeholder_html, sources_html
from assistant.chat_starting import StartingPage
from assistant.feedback import MAX_COMMENT_CHARS, record_comment, record_vote, turn_at
from assistant.followup import Rewrite, rewrite_followup, term_kinds
from ingest import CitewiseError, Settings, current_generation

if TYPE_CHECKING:
    import gradio as gr

    from assistant.pipeline import Assistant

__all__ = ["Engine", "build_app", "launch", "page_asset", "parse_auth", "respond", "serve"]

logger = logging.getLogger(__name__)

REVEAL_DELAY_S = 0.04  # between reveal steps: readable, and ~0.3 s for a whole answer


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
    """The chat turn: status line, progress while a model writes, then the checked
    answer revealed a block at a time.

    The text box is cleared once, at the start, so a question typed during the reveal
    survives; the turn is recorded before the reveal, so a vote cast during it counts.

    Yields:
        (chat messages, turns, sources panel HTML, text box value, index of the answer
        the panel shows); ``gr.skip()`` leaves one as is.
    """
    question = (message or "").strip()
    if not question:
        yield history, turns, gr_skip(), "", gr_skip()
        return
    asked = [*history, {"role": "user", "content": view.question_html(question)}]

    def showing(content: str) -> list[dict[str, Any]]:  # a new list per step: earlier steps stay as sent
        return [*asked, {"role": "assistant", "content": content}]

    status = view.SEARCHING if engine.is_loaded else view.LOADING
    yield showing(view.status_html(status)), turns, placeholder_html("Searching…"), "", None
    previous = turns[-1]["query"] if turns else None
    rewrite = rewrite_followup(question, previous, term_kinds(engine.settings))
    answer: Answer | None = None
    try:
        for item in ask_with_progress(engine, rewrite.query, answerer, int(top_k), new_answer_id()):
            if isinstance(item, Answer):
                answer = item
            else:
                yield showing(view.drafting_html(*item)), gr_skip(), gr_skip(), gr_skip(), gr_skip()
    except CitewiseError as exc:
        yield showing(view.error_message(str(exc))), turns, placeholder_html(str(exc)), gr_skip(), None
        return
    except Exception:  # a bug: say so once, never show a traceback
        logger.exception("unexpected error answering %r", rewrite.query)
        yield showing(view.error_message(view.BUG_MESSAGE)), turns, placeholder_html(), gr_skip(), None
        return
    assert answer is not None  # ask_with_progress ends with the answer or raises
    panel = sources_html(answer)
    turns = [*turns, _turn(question, rewrite, answer, len(asked), int(top_k))]
    steps = view.reveal_steps(answer, rewrite)
    for step, part in enumerate(steps):
        # The first and last steps carry the turn and panel: votes count from the start,
        # and the final state is complete on its own.
        full = step in (0, len(steps) - 1)
        yield (showing(part), *((turns, panel, gr_skip(), len(asked)) if full else (gr_skip(),) * 4))
        if step < len(steps) - 1:
            time.sleep(REVEAL_DELAY_S)


def _turn(question: str, rewrite: Rewrite, answer: Answer, index: int, top_k: int) -> dict[str, Any]:
    return {
        "question": question,
        "query": rewrite.query,
        "rule": rewrite.rule,
        "message_index": index,
        "top_k": top_k,
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


def client_host(request: Any) -> str:
    """The address of the client of a Gradio request ("unknown" without one)."""
    client = getattr(request, "client", None)
    return str(getattr(client, "host", None) or "unknown")


def build_app(settings: Settings, assistant: "Assistant | None" = None) -> "gr.Blocks":
    """The chat app. Pass a loaded ``assistant`` to share its model and index.

    Without one, the index and model start loading in the background right away.
    """
    import gradio as gr

    engine = Engine(settings, assistant)
    if assistant is None:
        engine.load_in_background()
    texts = view.chat_texts(settings)
    with gr.Blocks(title=view.TITLE, analytics_enabled=False) as app:
        gr.HTML(view.header_html(texts))
        notice = gr.HTML(visible=False)
        with gr.Row(equal_height=False, elem_id="cw-main"):
            with gr.Column(scale=3, min_width=300):
                parts = _chat_column(gr, settings, texts)
            with gr.Column(scale=2, min_width=300):
                sources = gr.HTML(placeholder_html(), elem_id="cw-sources-panel")
        _wire(gr, engine, parts, sources)
        app.load(_notice_update(gr, settings), None, notice, api_visibility="private", queue=False)

        def ask(question: str, top_k: int | None = None, answerer: str | None = None) -> dict:
            """Answer one question from the corpus; returns the answer JSON (see DESIGN.md)."""
            return ask_endpoint(engine, question, top_k, answerer)

        gr.api(ask, api_name="ask")
    return app


def _chat_column(gr: Any, settings: Settings, texts: view.ChatTexts) -> dict[str, Any]:
    chatbot = gr.Chatbot(
        label="Conversation",
        show_label=False,
        height=600,
        placeholder=texts.empty_chat,
        examples=[{"text": q} for q in texts.examples],
        feedback_options=("Like", "Dislike"),
        buttons=[],
        render_markdown=False,  # messages are HTML built by chat_view: model text is never Markdown
        sanitize_html=True,
        latex_delimiters=[],
        elem_id="cw-chat",
    )
    box = gr.Textbox(
        placeholder=texts.placeholder,
        show_label=False,
        submit_btn="Ask",
        max_length=settings.max_question_chars,
        autofocus=True,
        elem_id="cw-question",
    )
    with gr.Accordion(
        "Comment on the answer shown in Sources", open=False, elem_id="cw-feedback"
    ) as feedback:
        comment = gr.Textbox(
            label="What is wrong or missing? (optional; sent with the answer id, question and corpus)",
            max_length=MAX_COMMENT_CHARS,
            lines=2,
            elem_id="cw-comment",
        )
        send = gr.Button("Send comment", size="sm", elem_id="cw-send-comment")
    with gr.Accordion("Options", open=False), gr.Row():
        answerer = gr.Radio(
            ["extractive", "llm"],
            value=settings.answerer,
            label="Answerer",
            info="extractive: verbatim sentences, offline. llm: needs CITEWISE_LLM_BASE_URL.",
        )
        top_k = gr.Slider(1, 20, value=settings.top_k, step=1, label="Passages to answer from (top_k)")
    return {"chatbot": chatbot, "box": box, "answerer": answerer, "top_k": top_k,
            "feedback": feedback, "comment": comment, "send": send}  # fmt: skip


def _wire(gr: Any, engine: Engine, parts: dict[str, Any], sources: Any) -> None:
    """Connect the events; none of them is a public API (only ``ask`` is)."""
    chatbot, box = parts["chatbot"], parts["box"]
    history, turns, shown = gr.State([]), gr.State([]), gr.State(None)
    vote, comment = _feedback_handlers(gr, engine.settings)

    def turn(message: str, past: list, state: list, name: str, k: int) -> Iterator[tuple]:
        for messages, *rest in respond(engine, message, past, state, name, k):
            yield (messages, messages, *rest)

    def pick_example(data: gr.SelectData) -> str:
        return data.value["text"]

    def show_sources(state: list, data: gr.SelectData) -> tuple:
        match = turn_at(state, data.index)
        if match is None:
            return gr.skip(), gr.skip()
        return sources_html(Answer.model_validate(match["answer"])), data.index

    private = {"api_visibility": "private"}
    io = {
        "inputs": [box, history, turns, parts["answerer"], parts["top_k"]],
        "outputs": [chatbot, history, turns, sources, box, shown],
    }
    # always_last: a question sent while an answer is still shown is asked right after it.
    box.submit(turn, **io, show_progress="hidden", trigger_mode="always_last", **private)
    chatbot.example_select(pick_example, None, box, **private).then(
        turn, **io, show_progress="hidden", **private
    )
    chatbot.select(show_sources, turns, [sources, shown], **private)
    chatbot.like(vote, turns, [parts["feedback"], shown], **private)
    parts["send"].click(comment, [turns, shown, parts["comment"]], parts["comment"], **private)
    # The chat's own clear button starts a new conversation: no follow-up context, no votes to match.
    chatbot.clear(
        lambda: ([], [], placeholder_html(), None), None, [history, turns, sources, shown], **private
    )


def _feedback_handlers(gr: Any, settings: Settings) -> tuple[Any, Any]:
    """The vote and comment handlers, sharing one per-client feedback limit."""
    window = SlidingWindow(VOTES_PER_WINDOW, VOTE_WINDOW_S)
    too_much = "Too much feedback from this address for now; this {} was not recorded."

    def vote(state: list, data: gr.LikeData, request: gr.Request) -> Any:
        if turn_at(state, data.index) is None or not isinstance(data.liked, bool):
            return gr.skip(), gr.skip()
        if not window.allow(client_host(request)):
            gr.Warning(too_much.format("vote"))
            return gr.skip(), gr.skip()
        record_vote(settings, state, data.index, data.liked)
        gr.Info("Thank you: your vote was recorded. You can add a comment below.", duration=4)
        return gr.Accordion(open=True), data.index

    def comment(state: list, index: Any, text: str, request: gr.Request) -> Any:
        target = turn_at(state, index) or (state[-1] if state else None)
        if target is None:
            gr.Warning("Ask a question first: a comment is about an answer.")
            return gr.skip()
        if not window.allow(client_host(request)):
            gr.Warning(too_much.format("comment"))
            return gr.skip()
        try:
            record_comment(settings, target, text)
        except CitewiseError as exc:
            gr.Warning(str(exc))
            return gr.skip()
        gr.Info(f"Thank you: your comment on “{target['question'][:80]}” was recorded.", duration=4)
        return ""

    return vote, comment


def _notice_update(gr: Any, settings: Settings) -> Any:
    def update() -> Any:
        message = index_notice(settings)
        return gr.update(value=view.notice_html(message) if message else "", visible=message is not None)

    return update


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
        ConfigError: a malformed login, or a port that cannot be used.
    """
    parse_auth(settings.auth)  # fail before loading anything
    warning = exposure_warning(host, settings.auth)
    if warning:
        bar = "!" * 78
        print(f"{bar}\n{warning}\n{bar}", file=sys.stderr, flush=True)
    try:  # the address answers at once, and a busy port fails before Gradio loads
        starting = StartingPage(host, port)
    except OSError as exc:
        raise port_error(host, port) from exc
    with starting:
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
