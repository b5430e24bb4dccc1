"""The gate must fail answerers that dump text or say one sentence (issue: an honest gate).

Both adversaries keep the real refusal decision, so only precision, the bottom line and the
length budget can catch them; the real answerer's run must not be caught by the same
metrics' definitions (its statements are checked elsewhere, in test_runner).
"""

from __future__ import annotations

import pytest

from assistant import Assistant
from evals.adversaries import DumpAnswerer, FirstSentenceAnswerer
from evals.cases import load_cases, load_gate
from evals.runner import evaluate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def documents(knowledge) -> dict[str, str]:
    return dict(knowledge.texts)


def run_with(answerer_type, index_settings, knowledge, documents):
    assistant = Assistant(index_settings, knowledge)
    assistant.answerer = answerer_type(assistant.answerer)
    return evaluate(assistant, "hybrid", load_cases(), documents, load_gate())


def failed(report) -> set[str]:
    return {f.metric for f in report.failures}


def test_a_dump_of_every_retrieved_sentence_fails_precision_and_the_budget(
    index_settings, knowledge, documents
):
    report = run_with(DumpAnswerer, index_settings, knowledge, documents)
    assert not report.passed_gate
    assert {"claim_precision", "budget_compliance"} <= failed(report)
    assert report.summary["budget_compliance"] < 0.2


def test_one_first_sentence_fails_the_bottom_line_and_recall(index_settings, knowledge, documents):
    report = run_with(FirstSentenceAnswerer, index_settings, knowledge, documents)
    assert not report.passed_gate
    assert {"lead_accuracy", "fact_recall"} <= failed(report)
