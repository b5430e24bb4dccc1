"""The chat app: a real Gradio server on a free loopback port, driven by gradio_client,
plus the chat turn, feedback log and views called directly."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client

from assistant.chat import Engine, index_notice, parse_auth, respond
from assistant.chat_view import SEARCHING
from assistant.citations import normalise
from assistant.feedback import MAX_COMMENT_CHARS, record_comment, record_vote
from ingest import ConfigError, InvalidQuestionError, Settings
from tests.servers import running_chat

ANTI_MAG = "What proportion of patients with IgM MGUS and neuropathy have anti-MAG antibodies?"
OUT_OF_SCOPE = "What is the insulin dose for type 2 diabetes?"
LOGIN = ("clinician", "s3cret-pass")


@pytest.fixture(scope="module")
def client(server: str) -> Client:
    return Client(server, verbose=False)


@pytest.fixture(scope="module")
def corpus_text(corpus_dir: Path) -> str:
    return normalise("\n".join(p.read_text(encoding="utf-8") for p in sorted(corpus_dir.rglob("*.md"))))


def test_ask_endpoint_answers_with_quotes_from_the_corpus(client: Client, corpus_text: str) -> None:
    answer = client.predict(ANTI_MAG, api_name="/ask")
    assert not answer["refused"]
    assert re.search(r"\bhalf\b|\b44%", answer["answer"])  # the share, from the seed or the cohort
    assert answer["citations"], "an answer needs at least one citation"
    assert any(normalise(c["quote"]) in corpus_text for c in answer["citations"])
    assert "[1]" in answer["answer"]
    assert set(answer) >= {
        "id",
        "question",
        "answer",
        "refused",
        "refusal_reason",
        "citations",
        "timings_ms",
        "index",
    }


def test_ask_endpoint_refuses_out_of_scope_questions(client: Client) -> None:
    answer = client.predict(OUT_OF_SCOPE, api_name="/ask")
    assert answer["refused"] is True
    assert answer["citations"] == []


@pytest.mark.parametrize(
    ("question", "message"), [("", "empty"), ("   ", "empty"), ("x" * 2001, "limit is 2,000")]
)
def test_bad_questions_get_the_reason_not_a_traceback(client: Client, question: str, message: str) -> None:
    with pytest.raises(Exception) as caught:
        client.predict(question, api_name="/ask")
    assert message in str(caught.value)
    assert "Traceback" not in str(caught.value)


def test_ask_endpoint_takes_top_k(client: Client, assistant: Any) -> None:
    """The retriever's top_k passages come first in what the answerer was handed; the
    pipeline may add more after them (the chunks a rare word finds, a study's conclusions)."""
    from assistant.pipeline import Assistant

    handed, found = {}, {}
    for top_k in (3, 8):
        handed[top_k] = client.predict(ANTI_MAG, top_k, api_name="/ask")["retrieved"]
        narrow = Assistant(assistant.settings.model_copy(update={"top_k": top_k}), assistant.kb)
        found[top_k] = [p.chunk_id for p in narrow.retriever.retrieve(ANTI_MAG)]
        assert len(found[top_k]) == top_k
        assert handed[top_k][:top_k] == found[top_k]
    assert not set(found[8]) <= set(handed[3])  # three asked for: not all eight handed on


def test_ask_endpoint_rejects_a_bad_top_k(client: Client) -> None:
    with pytest.raises(Exception, match="top_k"):
        client.predict(ANTI_MAG, 0, api_name="/ask")


def test_an_unconfigured_llm_answerer_says_what_to_set(client: Client) -> None:
    with pytest.raises(Exception, match="CITEWISE_LLM_BASE_URL"):
        client.predict(ANTI_MAG, 3, "llm", api_name="/ask")


def test_ask_is_the_only_public_endpoint(client: Client) -> None:
    assert set(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == {"/ask"}


def test_page_loads_no_fonts_or_assets_from_outside(server: str) -> None:
    with urllib.request.urlopen(server, timeout=30) as response:
        assert response.status == 200
        page = response.read().decode()
    with urllib.request.urlopen(server.rstrip("/") + "/config", timeout=30) as response:
        config = response.read().decode()
    for outside in ("fonts.googleapis.com", "fonts.gstatic.com", "cdn.jsdelivr.net", "unpkg.com"):
        assert outside not in page and outside not in config


def test_login_is_required_when_auth_is_set(chat_settings: Settings, assistant: Any) -> None:
    with running_chat(chat_settings.with_(auth=":".join(LOGIN)), assistant) as url:
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(url.rstrip("/") + "/config", timeout=30)
        assert caught.value.code == 401
        with pytest.raises(Exception):  # noqa: B017  (gradio_client's error type varies by version)
            Client(url, verbose=False)
        with pytest.raises(Exception):  # noqa: B017
            Client(url, auth=(LOGIN[0], "wrong"), verbose=False)
        answer = Client(url, auth=LOGIN, verbose=False).predict(ANTI_MAG, api_name="/ask")
        assert not answer["refused"]


def test_missing_index_serves_the_page_and_says_what_to_run(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    assert "citewise ingest" in (index_notice(settings) or "")
    with running_chat(settings) as url:
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200
        with pytest.raises(Exception, match="run 'citewise ingest'"):
            Client(url, verbose=False).predict(ANTI_MAG, api_name="/ask")


@pytest.mark.parametrize("value", ["user", ":pw", "user:", ""])
def test_malformed_login_is_a_config_error(value: str) -> None:
    if not value:
        assert parse_auth(value) is None
        return
    with pytest.raises(ConfigError, match="user:password"):
        parse_auth(value)


def test_login_may_contain_colons_in_the_password() -> None:
    assert parse_auth("ann:a:b") == ("ann", "a:b")


def chat_turn(engine: Engine, question: str, history: list, turns: list) -> list[tuple]:
    return list(respond(engine, question, history, turns, "extractive", 8))


def message_of(step: tuple) -> str:
    return step[0][-1]["content"]


def test_chat_turn_shows_a_status_then_only_the_checked_answer(
    chat_settings: Settings, assistant: Any
) -> None:
    steps = chat_turn(Engine(chat_settings, assistant), ANTI_MAG, [], [])
    history, turns, panel, _, shown = steps[-1]
    final = history[-1]["content"]
    assert SEARCHING in message_of(steps[0]) and steps[0][3] == ""
    # A reveal, block by block: each step is a prefix of the final message's blocks.
    bodies = [message_of(step).removesuffix("</div>") for step in steps[1:]]
    assert all(final.startswith(body) for body in bodies)
    assert 'class="cw-footer"' in final and not any('class="cw-footer"' in b for b in bodies[:-1])
    assert final.index("cw-bottom") < final.index("cw-cite")  # the bottom line opens the answer
    assert '<mark class="cw-quote">' in panel
    assert steps[1][1] == turns and steps[1][2] == panel  # votes count, sources show, from the first step
    assert turns[-1]["message_index"] == len(history) - 1 == steps[1][4]
    assert turns[-1]["answer"]["id"] and turns[-1]["answer"]["id"] in final


def test_the_question_is_shown_escaped(chat_settings: Settings, assistant: Any) -> None:
    history, *_ = chat_turn(Engine(chat_settings, assistant), "Does <b>rituximab</b> help?", [], [])[-1]
    assert "&lt;b&gt;rituximab&lt;/b&gt;" in history[0]["content"] and "<b>" not in history[0]["content"]


def test_follow_up_is_searched_as_a_standalone_query(chat_settings: Settings, assistant: Any) -> None:
    engine = Engine(chat_settings, assistant)
    history, turns, *_ = chat_turn(engine, "Does rituximab help anti-MAG neuropathy?", [], [])[-1]
    history, turns, *_ = chat_turn(engine, "and what about IVIg?", history, turns)[-1]
    assert turns[-1]["query"] == "Does IVIg help anti-MAG neuropathy?"
    assert "Follow-up searched as" in history[-1]["content"]
    cited = " ".join(c["quote"] for c in turns[-1]["answer"]["citations"])
    assert "IVIg" in cited or "immunoglobulin" in cited


def test_chat_turn_shows_errors_as_messages(tmp_path: Path) -> None:
    history, turns, *_ = chat_turn(Engine(Settings(home=tmp_path)), ANTI_MAG, [], [])[-1]
    assert "run &#x27;citewise ingest&#x27;" in history[-1]["content"]
    assert "Traceback" not in history[-1]["content"] and turns == []


def test_a_vote_records_what_a_maintainer_needs_to_replay_the_answer(
    chat_settings: Settings, assistant: Any, tmp_path: Path
) -> None:
    _, turns, *_ = chat_turn(Engine(chat_settings, assistant), ANTI_MAG, [], [])[-1]
    settings = chat_settings.with_(home=tmp_path)
    assert record_vote(settings, turns, turns[0]["message_index"], False)
    assert not record_vote(settings, turns, turns[0]["message_index"], "")  # a vote withdrawn
    assert not record_vote(settings, turns, 0, True)  # the user's own message
    lines = (tmp_path / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    record, answer = json.loads(lines[0]), turns[0]["answer"]
    assert record["vote"] == "down" and record["question"] == ANTI_MAG and record["comment"] is None
    assert record["answer_id"] == answer["id"] and record["top_k"] == 8
    assert record["corpus_sha256"] == answer["index"]["corpus_sha256"] != ""
    assert [c["claim"] for c in record["claims"]] == list(range(1, len(answer["citations"]) + 1))
    assert [(c["n"], c["chunk_id"], c["start"]) for c in record["claims"]] == [
        (c["n"], c["chunk_id"], c["start"]) for c in answer["citations"]
    ]
    assert record["cited"] == list(dict.fromkeys(c["source_id"] for c in answer["citations"]))


def test_a_comment_is_recorded_with_the_answer_and_bad_ones_are_refused(
    chat_settings: Settings, assistant: Any, tmp_path: Path
) -> None:
    _, turns, *_ = chat_turn(Engine(chat_settings, assistant), ANTI_MAG, [], [])[-1]
    settings = chat_settings.with_(home=tmp_path)
    record_comment(settings, turns[0], "  Claim 2 overstates the trial.\n  ")
    for bad, reason in (("   ", "empty"), ("x" * (MAX_COMMENT_CHARS + 1), "limit")):
        with pytest.raises(InvalidQuestionError, match=reason):
            record_comment(settings, turns[0], bad)
    lines = (tmp_path / "feedback.jsonl").read_text(encoding="utf-8").split("\n")
    record = json.loads(lines[0])
    assert lines[1:] == [""]
    assert record["comment"] == "Claim 2 overstates the trial." and record["vote"] is None
    assert record["answer_id"] == turns[0]["answer"]["id"]
