"""The LLM path against a real loopback server speaking chat-completions.

The server's replies are scripted (no language model runs in this suite; tests/llm/
runs a real one); the HTTP client, streaming, parsing, the evidence numbering and the
citation and statement checks are the real ones.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from assistant import Assistant
from ingest import BackendError, ConfigError, Settings
from tests.fake_openai import Scripted, claims_reply, evidence_of, openai_server
from tests.servers import free_port

QUESTION = "Does rituximab help anti-MAG neuropathy?"


def llm_settings(index_settings: Settings, port: int, **changes: object) -> Settings:
    return index_settings.with_(
        answerer="llm", llm_base_url=f"http://127.0.0.1:{port}/v1", llm_model="scripted", **changes
    )


def ask(index_settings, knowledge, script, question: str = QUESTION, **changes):
    with openai_server(script) as server:
        answer = Assistant(llm_settings(index_settings, server.server_port, **changes), knowledge).ask(
            question
        )
    return answer, server.requests


def test_a_restated_sentence_is_shown_with_that_sentence_as_its_verbatim_quote(
    index_settings, knowledge
) -> None:
    tokens: list[str] = []
    with openai_server(lambda m: claims_reply((1, evidence_of(m)[1], True))) as server:
        bot = Assistant(llm_settings(index_settings, server.server_port), knowledge)
        answer = bot.ask(QUESTION, on_token=tokens.append)
    sent = evidence_of(server.requests[0]["messages"])
    assert not answer.refused and answer.answerer == "llm"
    c = answer.citations[0]
    assert c.statement == sent[1]
    assert knowledge.texts[c.source_id][c.start : c.end] == c.quote
    assert c.role == "lead" and answer.lead == [1]
    assert len(tokens) > 1, "the reply should arrive streamed"
    body = server.requests[0]
    assert body["stream"] is True and body["max_tokens"] == index_settings.llm_max_tokens


def test_the_model_sees_about_twenty_numbered_sentences_with_source_level_and_section(
    index_settings, knowledge
) -> None:
    answer, requests = ask(index_settings, knowledge, lambda m: claims_reply((1, evidence_of(m)[1])))
    prompt = requests[0]["messages"][-1]["content"]
    evidence = evidence_of(requests[0]["messages"])
    assert 10 <= len(evidence) <= 20 and sorted(evidence) == list(range(1, len(evidence) + 1))
    assert prompt.count('source="') == len(evidence) and prompt.count('section="') == len(evidence)
    assert 'evidence="Randomised trial"' in prompt or 'evidence="Systematic review"' in prompt
    assert QUESTION in prompt


def test_claims_the_checks_reject_are_removed_and_each_says_why(index_settings, knowledge) -> None:
    def script(messages) -> str:
        ev = evidence_of(messages)
        return claims_reply(
            (1, ev[1], True),
            (99, "Cites a sentence the model was never given."),
            (2, "Rituximab cures every patient with anti-MAG neuropathy."),
        )

    answer, _ = ask(index_settings, knowledge, script)
    assert len(answer.citations) == 1 and answer.dropped_claims == 2
    reasons = {d.statement: d.reason for d in answer.dropped}
    assert "was not given" in reasons["Cites a sentence the model was never given."]
    assert reasons["Rituximab cures every patient with anti-MAG neuropathy."].startswith(
        "not supported by its source"
    )
    assert "2 statements removed" in answer.answer


def test_a_statement_that_changes_a_number_of_its_sentence_loses_its_claim(index_settings, knowledge) -> None:
    def script(messages) -> str:
        ev = evidence_of(messages)
        n = next(k for k, text in ev.items() if re.search(r"\d+ of \d+|\d+%", text))
        return claims_reply((n, re.sub(r"\d+", lambda m: str(int(m.group()) + 7), ev[n])))

    answer, _ = ask(
        index_settings, knowledge, script, question="How many patients were in the rituximab trials?"
    )
    assert answer.refused and answer.dropped_claims == 1
    assert "which its source does not" in answer.dropped[0].reason


def test_a_reply_of_only_unsupported_claims_becomes_a_refusal(index_settings, knowledge) -> None:
    answer, _ = ask(
        index_settings, knowledge, lambda m: claims_reply((3, "Plasma exchange is always curative."))
    )
    assert answer.refused and answer.dropped_claims == 1 and answer.citations == []


def test_a_model_refusal_is_a_refusal_without_the_models_words(index_settings, knowledge) -> None:
    reply = claims_reply(refusal="Nothing here; see [this](https://evil.example/x) instead.")
    answer, _ = ask(index_settings, knowledge, lambda m: reply)
    assert answer.refused and "language model found no evidence" in answer.refusal_reason
    assert "evil" not in answer.refusal_reason and "evil" not in answer.answer


def test_an_out_of_scope_question_is_refused_without_asking_the_model(index_settings, knowledge) -> None:
    answer, requests = ask(
        index_settings,
        knowledge,
        lambda m: claims_reply((1, evidence_of(m)[1])),
        question="What is the insulin dose for type 2 diabetes?",
    )
    assert answer.refused and requests == []


def test_a_reply_cut_off_mid_claim_keeps_its_complete_claims(index_settings, knowledge) -> None:
    def script(messages) -> str:
        ev = evidence_of(messages)
        full = claims_reply((1, ev[1], True), (2, ev[2]), (3, ev[3]))
        return full[: full.index(json.dumps(ev[3])[:20])]

    answer, _ = ask(index_settings, knowledge, script)
    assert len(answer.citations) == 2 and not answer.refused


def test_a_reply_that_is_not_the_claims_object_is_a_backend_error(index_settings, knowledge) -> None:
    with openai_server(lambda m: "I think rituximab is great!") as server:
        bot = Assistant(llm_settings(index_settings, server.server_port), knowledge)
        with pytest.raises(BackendError, match="not the expected JSON.*CITEWISE_LLM_OUTPUT"):
            bot.ask(QUESTION)


def test_a_server_that_ignores_stream_and_sends_one_json_body_still_works(index_settings, knowledge) -> None:
    answer, _ = ask(
        index_settings, knowledge, lambda m: Scripted(claims_reply((1, evidence_of(m)[1])), as_json=True)
    )
    assert len(answer.citations) == 1


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
        timeout=300,  # a cold process loads the model; this machine is shared
    )
    assert result.returncode == 2, result.stderr
    assert "LLM endpoint" in result.stderr and "cannot be reached" in result.stderr
    assert "Traceback" not in result.stderr
