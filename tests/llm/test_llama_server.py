"""The LLM answerer against a real llama.cpp server running a real (tiny) model.

SmolLM2-135M-Instruct is far too small to answer clinical questions well, which is the
point: whatever it invents must be dropped, and what is shown must pass the citation and
statement checks. These tests need ``pip install 'citewise[llm-server]'``; run them with
``make test-llm`` (they are deselected from ``make test``: see the README).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from assistant import Assistant
from assistant.answerers.llm_prompt import read_reply
from assistant.pipeline import MIN_STATEMENT_SIMILARITY
from assistant.statements import numbers_in, unsupported_reason
from ingest import Settings
from tests.llm.server import MODEL_NAME, llama_server

pytestmark = pytest.mark.llm

ROOT = Path(__file__).resolve().parents[2]
# A handful of eval cases: three answerable ones of different kinds, one out of scope.
CASES = ("rituximab-meta-analysis", "antimag-share-igm-mgus", "tremor", "myasthenia-gravis")
MAX_TOKENS = 300


def eval_questions() -> dict[str, str]:
    cases = yaml.safe_load((ROOT / "evals" / "cases.yaml").read_text())["cases"]
    return {c["id"]: c["question"] for c in cases}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> str:
    with llama_server(tmp_path_factory.mktemp("llama") / "server.log") as (url, _):
        yield url


def llm_settings(index_settings: Settings, url: str) -> Settings:
    return index_settings.with_(
        answerer="llm",
        llm_base_url=url,
        llm_model=MODEL_NAME,
        llm_output="json_object",  # llama-cpp-python compiles the schema into a grammar
        llm_max_tokens=MAX_TOKENS,
        llm_timeout_s=900,  # a 135M model answers in 10-190 s on the shared 2-core machine
    )


def test_a_real_model_answers_through_every_check(server, index_settings, knowledge) -> None:
    bot = Assistant(llm_settings(index_settings, server), knowledge)
    questions = eval_questions()
    returned = shown = 0
    for case in CASES:
        question = questions[case]
        tokens: list[str] = []
        answer = bot.ask(question, on_token=tokens.append)
        if not tokens:  # refused before the model was asked (out of scope)
            assert answer.refused, case
            continue
        reply, _ = read_reply("".join(tokens))  # structured output parses
        returned += len(reply.claims)
        shown += len(answer.citations)
        assert len(answer.citations) + answer.dropped_claims == len(reply.claims), (
            "nothing vanishes uncounted"
        )
        for c in answer.citations:
            assert knowledge.texts[c.source_id][c.start : c.end] == c.quote, "citation must be verbatim"
            similarity = float(knowledge.embed(c.statement) @ knowledge.embed(c.quote))
            assert (
                unsupported_reason(
                    c.statement,
                    [c.quote],
                    terms=knowledge.vocabulary,
                    similarity=similarity,
                    min_similarity=MIN_STATEMENT_SIMILARITY,
                )
                is None
            ), c.statement
        for claim in reply.claims:
            statement = claim.statement.strip()
            invented = numbers_in(statement) - set().union(*(numbers_in(c.quote) for c in answer.citations))
            if invented:  # a number no shown quote holds was not shown
                assert statement not in [c.statement for c in answer.citations]
    assert returned > 0, "the model returned no claims at all"


def test_a_server_killed_mid_answer_exits_2_with_a_clear_message_and_no_fallback(
    tmp_path, index_settings
) -> None:
    log = tmp_path / "server.log"
    with llama_server(log) as (url, process):
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CITEWISE_")},
            "CITEWISE_HOME": str(index_settings.home),
            "CITEWISE_ANSWERER": "llm",
            "CITEWISE_LLM_BASE_URL": url,
            "CITEWISE_LLM_MODEL": MODEL_NAME,
            "CITEWISE_LLM_OUTPUT": "json_object",
            "CITEWISE_LLM_MAX_TOKENS": "1000",
            "CITEWISE_LLM_TIMEOUT": "300",
        }
        cli = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "ask", "Does rituximab help anti-MAG neuropathy?"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        deadline = time.monotonic() + 300
        while "POST /v1/chat/completions" not in log.read_text(errors="replace"):
            assert cli.poll() is None, cli.communicate()
            assert time.monotonic() < deadline, "the request never reached the server"
            time.sleep(0.05)
        time.sleep(0.5)  # let a few tokens stream
        process.kill()
        process.wait()
        stdout, stderr = cli.communicate(timeout=120)
    assert cli.returncode == 2, stderr
    assert "LLM endpoint" in stderr and "closed the connection" in stderr, stderr
    assert "Traceback" not in stderr
    assert stdout == "", "no answer from another backend"
