"""The statement check on an LLM's claims, end to end through a loopback server (issue #10,
item 4): a statement that changes a number, flips a negation or names another drug
loses its claim; the faithful one beside it stays."""

from __future__ import annotations

import pytest

from assistant import Assistant
from tests.fake_openai import claims_reply, evidence_of, openai_server

QUOTE = "4 of 13 patients on rituximab improved versus 0 of 13 on placebo, which was not significant"


@pytest.mark.parametrize(
    ("corrupted", "reason"),
    [
        (
            "In the Dalakas 2009 trial, 8 of 13 patients on rituximab improved versus 0 of 13 on placebo, which was not significant.",
            "states 8",
        ),
        (
            "In the Dalakas 2009 trial, 4 of 13 patients on rituximab improved versus 0 of 13 on placebo, which was significant.",
            "negation",
        ),
        (
            "In the Dalakas 2009 trial, 4 of 13 patients on rituximab and IVIg improved versus 0 of 13 on placebo, which was not significant.",
            "names ivig",
        ),
    ],
)
def test_a_changed_number_a_flipped_negation_or_an_added_drug_loses_its_claim(
    index_settings, knowledge, corrupted: str, reason: str
) -> None:
    def script(messages) -> str:
        evidence = evidence_of(messages)
        n = next(k for k, text in evidence.items() if QUOTE in text)
        other = next(k for k in evidence if k != n)
        return claims_reply((other, evidence[other], True), (n, corrupted))

    with openai_server(script) as server:
        settings = index_settings.with_(
            answerer="llm", llm_base_url=f"http://127.0.0.1:{server.server_port}/v1", llm_model="scripted"
        )
        answer = Assistant(settings, knowledge).ask(
            "Did rituximab improve disability in the Dalakas 2009 trial?"
        )
    assert len(answer.citations) == 1 and QUOTE not in answer.citations[0].quote
    assert answer.dropped_claims == 1 and reason in answer.dropped[0].reason


def test_the_faithful_restatement_of_the_same_sentence_is_kept(index_settings, knowledge) -> None:
    faithful = "In the Dalakas 2009 trial, 4 of 13 patients improved on rituximab against 0 of 13 on placebo, not a significant difference."

    def script(messages) -> str:
        n = next(k for k, text in evidence_of(messages).items() if QUOTE in text)
        return claims_reply((n, faithful, True), (n, "A second statement on the same sentence."))

    with openai_server(script) as server:
        settings = index_settings.with_(
            answerer="llm", llm_base_url=f"http://127.0.0.1:{server.server_port}/v1", llm_model="scripted"
        )
        answer = Assistant(settings, knowledge).ask(
            "Did rituximab improve disability in the Dalakas 2009 trial?"
        )
    assert [c.statement for c in answer.citations] == [faithful] and QUOTE in answer.citations[0].quote
    assert answer.dropped_claims == 1 and "already restates" in answer.dropped[0].reason
