"""Follow-up questions become standalone queries (pure rules, no model)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from assistant.followup import NO_TERMS, Rewrite, TermKinds, content_words, find_terms, rewrite_followup
from ingest.lexicon import load_lexicon_file

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
KINDS = TermKinds(load_lexicon_file(CORPUS).terms)  # the bundled corpus's lexicon
rewrite_with_lexicon = partial(rewrite_followup, kinds=KINDS)
RITUXIMAB = "Does rituximab help anti-MAG neuropathy?"
PROPORTION = "What proportion of patients with IgM MGUS and neuropathy have anti-MAG antibodies?"


@pytest.mark.parametrize(
    "followup",
    [
        "and what about IVIg?",
        "What about IVIg?",
        "how about IVIg",
        "And IVIg?",
        "ivig?",
        "same for IVIg?",
        "What of IVIg?",
    ],
)
def test_what_about_a_treatment_swaps_the_previous_treatment(followup: str) -> None:
    rewrite = rewrite_with_lexicon(followup, RITUXIMAB)
    assert rewrite.query.lower() == "does ivig help anti-mag neuropathy?"
    assert rewrite.rule == "substitute"
    assert rewrite.is_followup


def test_multiword_treatment_swaps_in_whole() -> None:
    assert rewrite_with_lexicon("How about plasma exchange?", RITUXIMAB).query == (
        "Does plasma exchange help anti-MAG neuropathy?"
    )


def test_a_condition_replaces_the_previous_condition() -> None:
    assert rewrite_with_lexicon("What about CIDP?", RITUXIMAB).query == "Does rituximab help CIDP?"


def test_a_phrase_sharing_the_head_word_replaces_its_counterpart() -> None:
    rewrite = rewrite_with_lexicon("what about IgG MGUS?", PROPORTION)
    assert rewrite.query == PROPORTION.replace("IgM MGUS", "IgG MGUS")


def test_a_modifier_is_added_to_the_previous_question() -> None:
    rewrite = rewrite_with_lexicon("and in children?", "How is anti-MAG neuropathy treated?")
    assert rewrite.query == "How is anti-MAG neuropathy treated in children?"
    assert rewrite.rule == "modify"


def test_an_unknown_subject_is_asked_with_the_previous_question_as_context() -> None:
    rewrite = rewrite_with_lexicon("What about side effects?", RITUXIMAB)
    assert rewrite.rule == "prefix"
    assert rewrite.query.startswith("What about side effects?")
    assert "rituximab" in rewrite.query and "anti-MAG neuropathy" in rewrite.query


@pytest.mark.parametrize(
    ("followup", "expected"),
    [
        ("Is it safe?", "Is rituximab safe in anti-MAG neuropathy?"),
        ("and is it better than IVIg?", "Is rituximab better than IVIg in anti-MAG neuropathy?"),
        ("Should this drug be given first?", "Should rituximab be given first in anti-MAG neuropathy?"),
        ("What are its side effects?", "What are rituximab's side effects in anti-MAG neuropathy?"),
        ("What about it?", "What about rituximab in anti-MAG neuropathy?"),
    ],
)
def test_a_pronoun_becomes_the_previous_focus(followup: str, expected: str) -> None:
    rewrite = rewrite_with_lexicon(followup, RITUXIMAB)
    assert (rewrite.query, rewrite.rule) == (expected, "pronoun")


@pytest.mark.parametrize(
    ("followup", "expected"),
    [
        ("what dose?", "What dose for rituximab in anti-MAG neuropathy?"),
        ("How long?", "How long for rituximab in anti-MAG neuropathy?"),
        ("What dose of IVIg?", "What dose of IVIg in anti-MAG neuropathy?"),
    ],
)
def test_a_fragment_is_completed_with_focus_and_condition(followup: str, expected: str) -> None:
    rewrite = rewrite_with_lexicon(followup, RITUXIMAB)
    assert (rewrite.query, rewrite.rule) == (expected, "fragment")


def test_follow_ups_chain_through_the_previous_standalone_query() -> None:
    second = rewrite_with_lexicon("and what about IVIg?", RITUXIMAB)
    third = rewrite_with_lexicon("what dose?", second.query)
    assert third.query == "What dose for IVIg in anti-MAG neuropathy?"


@pytest.mark.parametrize(
    "question",
    [
        "Does IVIg help anti-MAG neuropathy?",
        "What is MGUS?",
        "What is the insulin dose for type 2 diabetes?",
        "How is anti-MAG neuropathy diagnosed and is it hereditary?",
        "Does the evidence show that rituximab helps?",
    ],
)
def test_a_question_with_its_own_topic_is_left_alone(question: str) -> None:
    rewrite = rewrite_with_lexicon(question, RITUXIMAB)
    assert rewrite == Rewrite(question, question)
    assert not rewrite.is_followup


@pytest.mark.parametrize("previous", [None, "", "   "])
def test_without_a_previous_query_nothing_is_rewritten(previous: str | None) -> None:
    assert rewrite_with_lexicon("  and what about IVIg?  ", previous).query == "and what about IVIg?"


def test_a_pronoun_without_a_known_focus_keeps_the_whole_previous_question() -> None:
    rewrite = rewrite_with_lexicon("Is it common?", "Does zorbel syndrome run in families?")
    assert rewrite.query == "Is it common? Does zorbel syndrome run in families?"


def test_two_letter_abbreviations_match_only_in_capitals() -> None:
    assert [t for _, t, _ in find_terms("WM or wm", KINDS)] == ["WM"]


def test_longer_terms_win_over_the_words_inside_them() -> None:
    assert [(k, t) for k, t, _ in find_terms("anti-MAG neuropathy with IgM MGUS", KINDS)] == [
        ("condition", "anti-MAG neuropathy"),
        ("condition", "IgM MGUS"),
    ]


def test_content_words_drop_question_and_stop_words() -> None:
    assert content_words("What is the dose of it?") == ["dose"]


def test_another_corpus_swaps_its_own_terms() -> None:
    kinds = TermKinds({"treatment": ["pyridostigmine", "eculizumab"], "condition": ["myasthenia gravis"]})
    rewrite = rewrite_followup("and eculizumab?", "Does pyridostigmine help myasthenia gravis?", kinds)
    assert (rewrite.query, rewrite.rule) == ("Does eculizumab help myasthenia gravis?", "substitute")
    assert find_terms("Does rituximab help anti-MAG neuropathy?", kinds) == []


def test_without_a_lexicon_a_follow_up_keeps_the_previous_question_as_context() -> None:
    rewrite = rewrite_followup("and what about IVIg?", RITUXIMAB, NO_TERMS)
    assert (rewrite.query, rewrite.rule) == (f"What about IVIg? {RITUXIMAB}", "prefix")


def test_a_term_in_two_kinds_counts_once_with_the_first_kind() -> None:
    kinds = TermKinds({"treatment": ["biopsy"], "test": ["biopsy", "EMG"]})
    assert find_terms("a biopsy and EMG", kinds) == [("treatment", "biopsy", 2), ("test", "EMG", 13)]
