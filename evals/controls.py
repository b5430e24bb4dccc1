"""Deliberately wrong answerers, so that a gate is seen to fail.

``citewise eval --suite pubmedqa --control always-refuse`` refuses every question;
``--control always-answer`` answers every question: with the real answerer's claims when
it answers, otherwise by quoting the first sentence of the top-ranked passage (the
pipeline's topic check is switched off for it). A gate
that either one passed would be measuring nothing: the first never cites, the second
never refuses a question whose abstract is not indexed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assistant import Answerer, Assistant, Claim, Draft, Passage
from assistant.questions import statement_from_quote
from ingest import ConfigError

CONTROLS = ("always-refuse", "always-answer")


@dataclass
class RefusingAnswerer:
    """Refuses every question."""

    name: str = "always-refuse"

    def answer(
        self, question: str, passages: list[Passage], on_token: Callable[[str], None] | None = None
    ) -> Draft:
        """A refusal, whatever was retrieved."""
        return Draft(refusal_reason="The always-refuse control refuses every question.")


@dataclass
class AnsweringAnswerer:
    """Never refuses: ``inner``'s answer, or the top passage's first sentence instead of a refusal."""

    inner: Answerer
    name: str = "always-answer"

    def answer(
        self, question: str, passages: list[Passage], on_token: Callable[[str], None] | None = None
    ) -> Draft:
        """``inner``'s claims, or one claim quoting the top passage when it has none."""
        draft = self.inner.answer(question, passages, on_token=on_token)
        if draft.claims or not passages:
            return draft
        top = passages[0]
        quote = (top.sentence_texts() or [top.text])[0]
        return Draft(claims=(Claim(statement_from_quote(quote), quote, top.chunk_id, role="lead"),))


def apply_control(assistant: Assistant, control: str | None) -> Assistant:
    """Swap ``assistant``'s answerer for the named control (None leaves it as it is).

    Raises:
        ConfigError: an unknown control name.
    """
    if control is None:
        return assistant
    if control == "always-refuse":
        assistant.answerer = RefusingAnswerer()
    elif control == "always-answer":
        assistant.answerer = AnsweringAnswerer(assistant.answerer)
        # The pipeline refuses a condition the corpus is not about before any answerer runs.
        assistant.features = assistant.features.without("topic_check")
    else:
        raise ConfigError(f"unknown control {control!r}; use one of {', '.join(CONTROLS)}")
    return assistant
