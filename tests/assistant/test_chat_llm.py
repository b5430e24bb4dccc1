"""The chat with the llm answerer, against the loopback chat-completions server
(tests/fake_openai.py: scripted replies, real HTTP and streaming).

While the model writes, the chat shows how much it has drafted, never what; then only
the checked claims, with a plain note of what the checks removed.
"""

from __future__ import annotations

from typing import Any

from assistant.chat import respond
from assistant.chat_engine import Engine
from ingest import Settings
from tests.fake_openai import claims_reply, evidence_of, openai_server

QUESTION = "Does rituximab help anti-MAG neuropathy?"
INVENTED = "Rituximab cured 97% of patients within a week"


def reply(messages: list[dict[str, Any]]) -> str:
    """One faithful claim, and one that says more than its (real) evidence sentence."""
    evidence = evidence_of(messages)
    return claims_reply((1, evidence[1], True), (2, f"{INVENTED}."))


def test_a_streamed_answer_shows_progress_then_only_checked_claims(
    chat_settings: Settings, assistant: Any
) -> None:
    with openai_server(reply) as llm:
        settings = chat_settings.with_(
            llm_base_url=f"http://127.0.0.1:{llm.server_port}/v1", llm_model="scripted"
        )
        steps = list(respond(Engine(settings, assistant), QUESTION, [], [], "llm", 5))
    messages = [step[0][-1]["content"] for step in steps]
    drafting = [i for i, m in enumerate(messages) if "Writing the answer" in m]
    answer = steps[-1][1][-1]["answer"]
    assert drafting, "a streamed answer shows progress while it is written"
    assert all("characters drafted" in messages[i] for i in drafting)
    first_answer_step = next(i for i, m in enumerate(messages) if "cw-answer" in m)
    assert max(drafting) < first_answer_step  # progress first, then the checked answer replaces it
    assert not any(INVENTED in m for m in messages), "an unchecked claim must never be shown"
    assert all(c["statement"] not in messages[i] for i in drafting for c in answer["citations"])
    assert answer["answerer"] == "llm" and len(answer["citations"]) == 1 and len(answer["dropped"]) == 1
    assert "1 statement removed: not supported by its source." in messages[-1]
    assert answer["citations"][0]["statement"] in messages[-1]
