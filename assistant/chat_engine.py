"""The chat's engine: the index and model loaded once, and answers with progress.

``Engine`` is shared by every chat session; ``ask_with_progress`` runs one answer in a
worker thread and reports how much a language model has drafted while it streams,
never what it drafted.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from assistant.answer import Answer
from ingest import CitewiseError, Settings

if TYPE_CHECKING:
    from assistant.knowledge import KnowledgeBase
    from assistant.pipeline import Assistant

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.25  # between "Writing the answer…" updates while a model streams
_DONE = object()


class Engine:
    """The shared index and model, loaded once; one Assistant per (answerer, top_k)."""

    def __init__(self, settings: Settings, assistant: Assistant | None = None) -> None:
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

    def knowledge(self) -> KnowledgeBase:
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

    def assistant(self, answerer: str | None = None, top_k: int | None = None) -> Assistant:
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

    def ask(
        self,
        question: str,
        answerer: str | None = None,
        top_k: int | None = None,
        *,
        answer_id: str | None = None,
        on_token: Any = None,
    ) -> Answer:
        """Answer ``question``, picking up a newer index if an ingest finished meanwhile."""
        from assistant.pipeline import validate_question

        validate_question(question, self.settings.max_question_chars)  # before waiting for the model
        return self.assistant(answerer, top_k).ask(question, id=answer_id, on_token=on_token)


def new_answer_id() -> str:
    """A short, unique id for one chat answer (recorded with feedback and the audit log)."""
    return uuid.uuid4().hex[:12]


def ask_with_progress(
    engine: Engine, query: str, answerer: str, top_k: int, answer_id: str
) -> Iterator[tuple[int, float] | Answer]:
    """Answer in a worker thread; yield ``(characters drafted, seconds)`` while a model
    streams (at most every PROGRESS_INTERVAL_S), then the checked Answer.

    The first streamed piece is always reported, so a streamed answer shows progress
    at least once. The drafted text itself never leaves this function.

    Raises:
        CitewiseError: whatever ``Engine.ask`` raises, re-raised here.
    """
    pieces: queue.Queue[Any] = queue.Queue()
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["answer"] = engine.ask(query, answerer, top_k, answer_id=answer_id, on_token=pieces.put)
        except BaseException as exc:  # handed to the caller's thread below
            outcome["error"] = exc
        finally:
            pieces.put(_DONE)

    threading.Thread(target=work, name="citewise-answer", daemon=True).start()
    chars, started, shown_at = 0, time.monotonic(), 0.0
    while (piece := pieces.get()) is not _DONE:
        chars += len(piece)
        now = time.monotonic()
        if now - shown_at >= PROGRESS_INTERVAL_S:
            shown_at = now
            yield chars, now - started
    if "error" in outcome:
        raise outcome["error"]
    yield outcome["answer"]
