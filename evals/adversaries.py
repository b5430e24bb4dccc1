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


class _Adversary:
    """Keeps the real answerer's refusal decision and, where it answers, says ``claims``."""

    name = "adversary"

    def __init__(self, real: ExtractiveAnswerer) -> None:
        self.real = real

    def answer(
        self, question: str, passages: list[Passage], on_token: Callable[[str], None] | None = None
    ) -> Draft:
        decided = self.real.answer(question, passages)
        if not decided.claims or not passages:
            return decided
        return Draft(claims=self.claims(passages))

    def claims(self, passages: list[Passage]) -> tuple[Claim, ...]:
        raise NotImplementedError


class DumpAnswerer(_Adversary):
    """Quotes every sentence of the retrieved passages (unless the real answerer refuses)."""

    name = "dump"

    def claims(self, passages: list[Passage]) -> tuple[Claim, ...]:
        """Every sentence, the first one as the bottom line."""
        claims = [
            Claim(text, text, p.chunk_id, role="evidence") for p in passages for text in p.sentence_texts()
        ]
        return (_as_lead(claims[0]), *claims[1:])


class FirstSentenceAnswerer(_Adversary):
    """Quotes the first sentence of the best passage (unless the real answerer refuses)."""

    name = "first-sentence"

    def claims(self, passages: list[Passage]) -> tuple[Claim, ...]:
        """One sentence, as the bottom line."""
        first = passages[0].sentence_texts()[0]
        return (Claim(first, first, passages[0].chunk_id, role="lead"),)


def _as_lead(claim: Claim) -> Claim:
    return Claim(claim.statement, claim.quote, claim.chunk_id, role="lead")
