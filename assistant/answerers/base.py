"""The answerer interface: every backend turns a question and passages into claims."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
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


@dataclass(frozen=True, slots=True)
class Features:
    """Parts of answering that can be switched off, to measure each one's share (the eval
    ablation). Every one is on in normal use."""

    bottom_line: bool = True  # choose an answer-bearing lead from the strongest source
    evidence_order: bool = True  # stronger evidence first, and kept over weaker duplicates
    section_weighting: bool = True  # results and advice outrank background and methods
    premise_check: bool = True  # quote what the sources say about an asserted premise first
    topic_check: bool = True  # refuse conditions the corpus is not about

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The feature names, for the ablation."""
        return tuple(f.name for f in fields(cls))

    def without(self, name: str) -> Features:
        """These features with ``name`` switched off."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        if name not in values:
            raise ValueError(f"unknown feature {name!r}; choose one of: {', '.join(values)}")
        values[name] = False
        return Features(**values)
