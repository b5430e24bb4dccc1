"""The LLM path against a real loopback server speaking chat-completions.

The server's replies are scripted (no language model can run here); the HTTP client,
streaming, parsing and the citation check are the real ones.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from assistant import Assistant
from ingest import BackendError, ConfigError, Settings
from tests.fake_openai import openai_server, passages_of
from tests.servers import free_port

QUESTION = "Does rituximab help anti-MAG neuropathy?"


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]


def good_reply(messages) -> str:
    passage = passages_of(messages)[1]
    return json.dumps(
        {"claims": [{"statement": first_sentence(passage), "sources": [1], "quote": first_sentence(passage)}]}
    )


def llm_settings(index_settings: Settings, port: int) -> Settings:
    return index_settings.with_(
        answerer="llm", llm_base_url=f"http://127.0.0.1:{port}/v1", llm_model="scripted"
    )


def test_a_grounded_reply_passes_through_with_verbatim_quote(index_settings, knowledge) -> None:
    with openai_server(good_reply) as server:
        tokens: list[str] = []
        answer = Assistant(llm_settings(index_settings, server.server_port), knowledge).ask(
            QUESTION, on_token=tokens.append
        )
    assert not answer.refused and answer.answerer == "llm"
    c = answer.citations[0]
    assert c.statement == first_sentence(passages_of(server.requests[0]["messages"])[1])
    assert knowledge.texts[c.source_id][c.start : c.end] == c.quote
    assert len(tokens) > 1, "the reply should arrive streamed"
    assert server.requests[0]["stream"] is True


def test_fabricated_quote_and_unretrieved_source_are_removed(index_settings, knowledge) -> None:
    seen: list[str] = []

    def reply(messages) -> str:
        real = first_sentence(passages_of(messages)[2])
        seen.append(real)
        return json.dumps(
            {
                "claims": [
                    {
                        "statement": "Invented.",
                        "sources": [1],
                        "quote": "Rituximab cured every patient within a week.",
                    },
                    {"statement": "Out of range.", "sources": [99], "quote": real},
                    {"statement": real, "sources": [2], "quote": real},
                ]
            }
        )

    with openai_server(reply) as server:
        answer = Assistant(llm_settings(index_settings, server.server_port), knowledge).ask(QUESTION)
    assert answer.dropped_claims == 2
    assert [c.statement for c in answer.citations] == [seen[0]]


def test_reply_with_only_unsupported_claims_becomes_a_refusal(index_settings, knowledge) -> None:
    reply = json.dumps(
        {"claims": [{"statement": "x", "sources": [1], "quote": "Entirely made up sentence here."}]}
    )
    with openai_server(lambda m: reply) as server:
        answer = Assistant(llm_settings(index_settings, server.server_port), knowledge).ask(QUESTION)
    assert answer.refused and answer.dropped_claims == 1 and "citation check" in answer.refusal_reason


def test_garbage_reply_is_a_backend_error(index_settings, knowledge) -> None:
    with openai_server(lambda m: "I think rituximab is great!") as server:
        bot = Assistant(llm_settings(index_settings, server.server_port), knowledge)
        with pytest.raises(BackendError, match="not the expected JSON"):
            bot.ask(QUESTION)


def test_missing_endpoint_configuration_is_a_config_error(index_settings, knowledge) -> None:
    with pytest.raises(ConfigError, match="CITEWISE_LLM_BASE_URL"):
        Assistant(index_settings.with_(answerer="llm"), knowledge)


def test_dead_endpoint_exits_2_with_a_clear_message(index_settings) -> None:
    env = {
        "CITEWISE_HOME": str(index_settings.home),
        "CITEWISE_LLM_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
        "CITEWISE_LLM_MODEL": "scripted",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "ask", "--answerer", "llm", QUESTION],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "LLM endpoint" in result.stderr and "Traceback" not in result.stderr
