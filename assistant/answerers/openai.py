"""LLM answerer for any OpenAI-compatible chat endpoint (vLLM, llama.cpp, Ollama, hosted).

Attribute first, then write. The extractive selector decides whether the question is
answerable at all (the same topic refusal as the extractive answerer, with no model call)
and scores the sentences of the retrieved passages; the best ~20 go to the model,
numbered, each with its source, evidence level and section. The model returns claims
that each cite one number; the cited sentence, verbatim, is the claim's quote. The
pipeline's citation and statement checks then decide what is shown.

A failing endpoint is an error, never a silent fallback to another answerer.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.answer import REFUSAL, Draft
from assistant.answerers.llm_http import ChatEndpoint
from assistant.answerers.llm_prompt import (
    Evidence,
    addresses_model,
    build_messages,
    read_reply,
    request_body,
    to_claims,
)
from assistant.citations import normalise
from assistant.passages import Passage
from assistant.questions import statement_from_quote
from ingest import BackendError, ConfigError, Settings

if TYPE_CHECKING:
    from assistant.knowledge import KnowledgeBase

logger = logging.getLogger(__name__)

EVIDENCE_SENTENCES = 20
# Caps derived from max_tokens. A token is about 4 characters of text, rarely more than
# 16; a streamed token costs about 200-300 bytes of SSE framing on the wire.
CHARS_PER_TOKEN = 16
WIRE_BYTES_PER_TOKEN = 1024
WIRE_BYTES_BASE = 64 * 1024
NO_ANSWER = f"{REFUSAL} The language model found no evidence sentence that answers the question."


class OpenAIAnswerer:
    """Answers through an OpenAI-compatible chat-completions endpoint."""

    name = "llm"

    def __init__(self, settings: Settings, kb: KnowledgeBase) -> None:
        if not settings.llm_base_url or not settings.llm_model:
            raise ConfigError(
                "the llm answerer needs an endpoint: set CITEWISE_LLM_BASE_URL (e.g. http://127.0.0.1:8001/v1) "
                "and CITEWISE_LLM_MODEL"
            )
        from assistant.answerers.extractive import ExtractiveAnswerer

        self.settings = settings
        self.selector = ExtractiveAnswerer(kb)
        self.endpoint = ChatEndpoint(settings.llm_base_url, settings.llm_api_key, settings.llm_timeout_s)

    def answer(
        self, question: str, passages: list[Passage], on_token: Callable[[str], None] | None = None
    ) -> Draft:
        """Claims written by the model over numbered evidence; its reply streams to ``on_token``.

        Raises:
            BackendError: the endpoint failed, timed out, sent too much, or sent no claims object.
        """
        if not passages:
            return Draft(refusal_reason=REFUSAL)
        decision = self.selector.answer(question, passages)
        if decision.refusal_reason:
            return decision
        evidence = self.evidence(question, passages, decision)
        if not evidence:
            return Draft(refusal_reason=NO_ANSWER, parts=decision.parts)
        messages = build_messages(question, evidence, secrets.token_hex(8))
        s = self.settings
        body = request_body(str(s.llm_model), messages, s.llm_output, s.llm_max_tokens, len(evidence))
        completion = self.endpoint.complete(
            body,
            deadline_s=s.llm_timeout_s,
            max_bytes=WIRE_BYTES_BASE + WIRE_BYTES_PER_TOKEN * s.llm_max_tokens,
            max_chars=CHARS_PER_TOKEN * s.llm_max_tokens,
            on_token=on_token,
        )
        try:
            reply, salvaged = read_reply(completion.text)
        except ValueError as exc:
            raise BackendError(
                f"{exc}; the model at {s.llm_base_url} did not follow the output format. Use a structured-output "
                f"mode the server supports (CITEWISE_LLM_OUTPUT, now {s.llm_output!r}; see docs/DEPLOYMENT.md)"
            ) from exc
        if salvaged:
            logger.warning(
                "the LLM reply was cut off (%s); kept its complete claims", completion.finish_reason
            )
        claims, dropped = to_claims(reply, evidence)
        premise = [c for c in decision.claims if c.role == "premise"]
        if not claims and not premise:
            if reply.refusal:
                logger.info("the model declined: %.200s", reply.refusal)
            return Draft(refusal_reason=NO_ANSWER, parts=decision.parts, dropped=tuple(dropped))
        return Draft(
            claims=(*premise, *claims),
            parts=decision.parts,
            premise=decision.premise,
            dropped=tuple(dropped),
        )

    def evidence(self, question: str, passages: list[Passage], decision: Draft) -> list[Evidence]:
        """The numbered sentences the model sees: the extractive selection first (it holds
        the bottom line), then the best-scoring other sentences, without repeats."""
        picked = [c for c in decision.claims if c.role != "premise"]
        by_text = {normalise(c.quote): c for c in picked}
        chosen: list[tuple[str, Passage, int]] = []
        seen: set[str] = set()
        by_chunk = {p.chunk_id: p for p in passages}
        for claim in picked:
            chosen.append((claim.quote, by_chunk[claim.chunk_id], claim.part))
            seen.add(normalise(claim.quote))
        for cand in self.selector.evidence(question, passages, limit=EVIDENCE_SENTENCES):
            key = normalise(cand.text)
            if key not in seen and len(chosen) < EVIDENCE_SENTENCES:
                seen.add(key)
                part = by_text[key].part if key in by_text else 0
                chosen.append((cand.text, cand.passage, part))
        orders = [text for text, _, _ in chosen if addresses_model(text)]
        for text in orders:
            logger.warning("left out of the evidence, as it gives orders to a model: %.120s", text)
        usable = [item for item in chosen if item[0] not in orders]
        return [
            Evidence(n, text, passage, part, shown=_shown(text, passage))
            for n, (text, passage, part) in enumerate(usable, start=1)
        ]


def _shown(text: str, passage: Passage) -> str:
    """The sentence as the model reads it: list bullets (and a source's own reference
    markers) removed. The quote stays the verbatim sentence."""
    return statement_from_quote(text, strip_markers=passage.source.has_markers)
