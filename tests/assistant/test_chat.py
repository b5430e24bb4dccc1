"""The chat app: a real Gradio server on a free loopback port, driven by gradio_client,
plus the chat turn, feedback log and views called directly."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client

from assistant.answer import Answer, Citation
from assistant.chat import (
    Engine,
    index_notice,
    parse_auth,
    record_vote,
    respond,
)
from assistant.chat_view import SEARCHING, answer_message, sources_html
from assistant.citations import normalise
from ingest import ConfigError, Settings
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
    assert "half" in answer["answer"]
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


def test_ask_endpoint_takes_top_k(client: Client) -> None:
    answer = client.predict(ANTI_MAG, 3, api_name="/ask")
    assert len(answer["retrieved"]) == 3


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


def test_chat_turn_shows_a_status_then_only_the_checked_answer(
    chat_settings: Settings, assistant: Any
) -> None:
    steps = chat_turn(Engine(chat_settings, assistant), ANTI_MAG, [], [])
    history, turns, panel, _ = steps[-1]
    final = history[-1]["content"]
    assert steps[0][0][-1]["content"] == SEARCHING and steps[0][3] == ""
    assert all(final.startswith(step[0][-1]["content"]) for step in steps[1:])  # a reveal, never other text
    assert "Bottom line" in final and "[1]" in final
    assert "<blockquote>" in panel
    assert steps[1][1] == turns and steps[1][2] == panel  # votes count, sources show, from the first step
    assert turns[-1]["message_index"] == len(history) - 1


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
    assert "run 'citewise ingest'" in history[-1]["content"]
    assert "Traceback" not in history[-1]["content"] and turns == []


def test_a_vote_appends_question_answer_and_cited_sources(
    chat_settings: Settings, assistant: Any, tmp_path: Path
) -> None:
    _, turns, *_ = chat_turn(Engine(chat_settings, assistant), ANTI_MAG, [], [])[-1]
    settings = chat_settings.with_(home=tmp_path)
    assert record_vote(settings, turns, turns[0]["message_index"], False)
    assert not record_vote(settings, turns, turns[0]["message_index"], "")  # a vote withdrawn
    assert not record_vote(settings, turns, 0, True)  # the user's own message
    lines = (tmp_path / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["vote"] == "down" and record["question"] == ANTI_MAG
    assert record["answer"] == turns[0]["answer"]["answer"]
    assert record["cited"] == list(dict.fromkeys(c["source_id"] for c in turns[0]["answer"]["citations"]))


def make_answer(**changes: Any) -> Answer:
    citation = Citation(
        n=1, source_id="x2020", title="A <b>bold</b> title", kind="research", year=2020, authors=["Doe J", "Roe R"],
        journal="J Neurol", study_type="rct", pmid="123", doi="10.1/x", quote="Half had <em>antibodies</em>.",
        statement="Half had antibodies.", chunk_id="x2020:0", start=0, end=10,
    )  # fmt: skip
    fields = {"question": "q <script>", "answer": "", "citations": [citation], "retrieved": ["x2020:0"]}
    return Answer(**(fields | changes))


def test_sources_panel_links_the_reference_and_escapes_corpus_text() -> None:
    panel = sources_html(make_answer())
    assert "&lt;b&gt;bold&lt;/b&gt;" in panel and "&lt;em&gt;antibodies&lt;/em&gt;" in panel
    assert "<script>" not in panel
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/123/"' in panel and 'href="https://doi.org/10.1/x"' in panel
    assert "RCT · 2020" in panel


def test_a_refusal_is_announced_in_chat_and_panel() -> None:
    refused = make_answer(
        citations=[], refused=True, refusal_reason="The indexed sources do not cover this question."
    )
    assert answer_message(refused).startswith("⚠️ **Not answered")
    assert "No sources cited" in sources_html(refused)
