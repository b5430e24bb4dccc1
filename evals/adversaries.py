"""Deliberately bad answerers, so that the gate is seen to fail on them.

A gate that a text dump or a one-sentence answer could pass would be measuring nothing.
Both keep the real answerer's decision to refuse, so only what they say is different:

- ``DumpAnswerer`` quotes every sentence of every retrieved passage (high recall, no
  precision, far over any length budget);
- ``FirstSentenceAnswerer`` quotes the first sentence of the best passage (short, on the
  right document, rarely the answer).
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.answer import Claim, Draft
from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.passages import Passage


class DumpAnswerer:
    """Quotes every sentence of the retrieved passages (unless the real answerer refuses)."""

    name = "dump"

    def __init__(self, real: ExtractiveAnswerer) -> None:
        self.real = real

    def answer(
        self, question: str, passages: list[Passage], on_token: Callable[[str], None] | None = None
    ) -> Draft:
        """Every sentence, the first one as the bottom line."""
        decided = self.real.answer(question, passages)
        if not decided.claims:
            return decided
        claims = [
            Claim(text, text, p.chunk_id, role="evidence") for p in passages for text in p.sentence_texts()
        ]
        return Draft(claims=(_as_lead(claims[0]), *claims[1:]))


class FirstSentenceAnswerer:
    """Quotes the first sentence of the best passage (unless the real answerer refuses)."""

    name = "first-sentence"

    def __init__(self, real: ExtractiveAnswerer) -> None:
        self.real = real

    def answer(
        self, question: str, passages: list[Passage], on_token: Callable[[str], None] | None = None
    ) -> Draft:
        """One sentence, as the bottom line."""
        decided = self.real.answer(question, passages)
        if not decided.claims or not passages:
            return decided
        first = passages[0].sentence_texts()[0]
        return Draft(claims=(Claim(first, first, passages[0].chunk_id, role="lead"),))


def _as_lead(claim: Claim) -> Claim:
    return Claim(claim.statement, claim.quote, claim.chunk_id, role="lead")
