"""The answerer interface: every backend turns a question and passages into claims."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from assistant.answer import Draft
from assistant.passages import Passage


class Answerer(Protocol):
    """Turns a question and retrieved passages into claims with verbatim quotes.

    Citation checking and numbering happen afterwards, outside the answerer.
    """

    name: str

    def answer(
        self, question: str, passages: list[Passage], on_token: Callable[[str], None] | None = None
    ) -> Draft:
        """Claims answering ``question`` from ``passages`` (or a refusal reason)."""
        ...
