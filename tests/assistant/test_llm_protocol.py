"""What the LLM client sends for each structured-output mode, and how it reads each
server's failures. A real loopback chat-completions server checks every request; the
replies are scripted (tests/llm/ runs a real llama.cpp server)."""

from __future__ import annotations

import pytest

from assistant import Assistant
from ingest import BackendError, ConfigError, Settings
from tests.fake_openai import Scripted, claims_reply, evidence_of, openai_server

QUESTION = "Does rituximab help anti-MAG neuropathy?"


def llm_settings(index_settings: Settings, port: int, **changes: object) -> Settings:
    return index_settings.with_(
        answerer="llm", llm_base_url=f"http://127.0.0.1:{port}/v1", llm_model="scripted", **changes
    )


def check_json_schema(body: dict, count: int) -> None:
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert schema["properties"]["claims"]["items"]["properties"]["evidence"]["enum"] == list(
        range(1, count + 1)
    )
    assert "guided_json" not in body


def check_json_object(body: dict, count: int) -> None:
    fmt = body["response_format"]
    assert fmt["type"] == "json_object"
    # llama.cpp (and llama-cpp-python) compile this schema into a grammar.
    assert fmt["schema"]["required"] == ["claims", "refusal"]
    assert fmt["schema"]["properties"]["claims"]["items"]["properties"]["evidence"]["enum"][-1] == count


def check_guided_json(body: dict, count: int) -> None:
    assert "response_format" not in body
    assert body["guided_json"]["properties"]["claims"]["items"]["required"] == [
        "evidence",
        "statement",
        "bottom_line",
    ]


def check_none(body: dict, count: int) -> None:
    assert "response_format" not in body and "guided_json" not in body
    assert '"claims"' in body["messages"][0]["content"], "without a schema the prompt must show the format"


@pytest.mark.parametrize(
    ("mode", "check"),
    [
        ("json_schema", check_json_schema),
        ("json_object", check_json_object),
        ("guided_json", check_guided_json),
        ("none", check_none),
    ],
)
def test_each_output_mode_sends_what_its_servers_need_and_the_reply_parses(
    index_settings, knowledge, mode, check
) -> None:
    with openai_server(lambda m: claims_reply((1, evidence_of(m)[1], True))) as server:
        answer = Assistant(llm_settings(index_settings, server.server_port, llm_output=mode), knowledge).ask(
            QUESTION
        )
    body = server.requests[0]
    check(body, len(evidence_of(body["messages"])))
    assert body["max_tokens"] == index_settings.llm_max_tokens and body["temperature"] == 0
    assert len(answer.citations) == 1


def test_the_output_mode_and_max_tokens_come_from_the_environment() -> None:
    settings = Settings.from_env({"CITEWISE_LLM_OUTPUT": "json_object", "CITEWISE_LLM_MAX_TOKENS": "300"})
    assert settings.llm_output == "json_object" and settings.llm_max_tokens == 300
    with pytest.raises(ConfigError, match="CITEWISE_LLM_OUTPUT"):
        Settings.from_env({"CITEWISE_LLM_OUTPUT": "grammar"})


def test_the_api_key_is_sent_as_a_bearer_token(index_settings, knowledge) -> None:
    with openai_server(lambda m: claims_reply((1, evidence_of(m)[1]))) as server:
        settings = llm_settings(index_settings, server.server_port, llm_api_key="sk-test-123")
        Assistant(settings, knowledge).ask(QUESTION)
    assert server.headers[0]["Authorization"] == "Bearer sk-test-123"


@pytest.mark.parametrize(
    ("status", "message", "advice"),
    [
        (400, "response_format type json_schema is not supported", "CITEWISE_LLM_OUTPUT"),
        (401, "invalid api key", "CITEWISE_LLM_API_KEY"),
        (404, "model 'scripted' not found", "CITEWISE_LLM_BASE_URL"),
        (503, "loading model", "overloaded"),
    ],
)
def test_an_error_status_is_a_backend_error_with_the_servers_words_and_what_to_check(
    index_settings, knowledge, status, message, advice
) -> None:
    with openai_server(lambda m: Scripted(message, status=status)) as server:
        bot = Assistant(llm_settings(index_settings, server.server_port), knowledge)
        with pytest.raises(BackendError) as err:
            bot.ask(QUESTION)
    text = str(err.value)
    assert f"HTTP {status}" in text and message in text and advice in text
