"""Finding what a question takes for granted (assistant.premise): pure functions."""

from __future__ import annotations

import pytest

from assistant.premise import (
    about_age,
    age_query,
    claims_majority,
    contrary,
    covariation,
    premise_queries,
    premise_subject,
    restates,
    split_premise,
)


@pytest.mark.parametrize(
    ("question", "premise", "rest"),
    [
        (
            "Since the disease is mainly motor, which muscles are weakest?",
            "The disease is mainly motor",
            "which muscles are weakest?",
        ),
        (
            "Given that both trials met their primary endpoints, what dose should I use?",
            "Both trials met their primary endpoints",
            "what dose should I use?",
        ),
        (
            "Since the neuropathy usually responds well to IVIg, how often should I repeat it?",
            "The neuropathy usually responds well to IVIg",
            "how often should I repeat it?",
        ),
        ("Because the titre is high, should I treat?", "The titre is high", "should I treat?"),
        (
            "Titres above 10,000 BTU are diagnostic, so can I skip nerve conduction?",
            "Titres above 10,000 BTU are diagnostic",
            "can I skip nerve conduction?",
        ),
        ("Is it true that plasma exchange cures it?", "Plasma exchange cures it", None),
        (
            "Since long-term therapy prevents disability, should every patient stay on it?",
            "Long-term therapy prevents disability",
            "should every patient stay on it?",
        ),
        (
            "As the disease mostly spares young adults, should I look for another cause?",
            "The disease mostly spares young adults",
            "should I look for another cause?",
        ),
        (
            "Since most patients end up bedridden, should I treat early?",
            "Most patients end up bedridden",
            "should I treat early?",
        ),
        (
            "Since most patients become disabled, should I treat early?",
            "Most patients become disabled",
            "should I treat early?",
        ),
    ],
)
def test_a_premise_is_split_from_the_question(question: str, premise: str, rest: str | None) -> None:
    found = split_premise(question)
    assert found.premise == premise
    assert found.question == (rest or question)


@pytest.mark.parametrize(
    "question",
    [
        "Given the cost, should I use IVIg?",
        "As a first step, what should I test?",
        "Since starting rituximab, what should I monitor?",
        "Because of the tremor, what should I do?",
        "Assuming that IVIg fails, what is the next option?",
        "Does rituximab help?",
        "Since last year, how many trials were done?",  # "last" is no verb here
        "Given the benefit of IVIg, should I use it?",  # nor "benefit"
        "Given the benefits and risks of IVIg, should I use it?",  # a plural noun, not a verb
        "Given conduction blocks, is this CIDP?",
        "As patients become older, does the titre rise?",  # when, not an assertion
    ],
)
def test_a_clause_that_asserts_nothing_is_not_a_premise(question: str) -> None:
    assert split_premise(question).premise is None


def test_the_premise_subject_drops_what_it_asserts() -> None:
    assert premise_subject("Anti-MAG neuropathy is typically axonal") == "Anti-MAG neuropathy is typically"
    assert premise_subject("Both trials met their endpoints") == ""


def test_a_premise_about_most_is_told_apart_from_agreement_and_contradiction() -> None:
    premise = "Anti-MAG neuropathy is typically axonal"
    assert claims_majority(premise) and claims_majority("Most patients respond to rituximab")
    assert not claims_majority("Rituximab failed in both trials")
    # Says of most what the premise asserts: agreement, however hedged ("but ...").
    assert restates(
        premise, "Patients negative for HNK1 but positive for myelin mostly had an axonal neuropathy."
    )
    assert not restates(premise, "In the cohort, 72% had a demyelinating and 28% an axonal polyneuropathy.")
    assert not restates(premise, "The neuropathy is mostly demyelinating.")
    assert not restates("It is usually rapidly progressive", "Weigh it against the usually slow progression.")
    # A premise without a verb of being has nothing asserted to restate.
    assert not restates("Most patients respond to rituximab", "Most patients respond to rituximab.")


@pytest.mark.parametrize(
    ("premise", "query", "words"),
    [
        (
            "Anti-MAG neuropathy is typically axonal",
            "Anti-MAG neuropathy is typically demyelinating",
            {"demyelin"},
        ),
        ("The disease mostly affects young adults", "The disease mostly affects older adults", {"older"}),
        (
            "The neuropathy is usually rapidly progressive",
            "The neuropathy is usually slowly progressive",
            {"slowli"},
        ),
        ("Chronic cases are mainly motor", "Chronic cases are mainly sensory", {"sensori"}),
    ],
)
def test_the_contrary_of_a_premise_turns_what_it_asserts_into_its_opposite(
    premise: str, query: str, words: set[str]
) -> None:
    opposite = contrary(premise)
    assert opposite is not None and opposite.query == query and opposite.words == words


def test_a_premise_without_a_known_opposite_is_checked_on_its_subject() -> None:
    assert contrary("Titres above 10,000 BTU are diagnostic") is None
    assert premise_queries("Titres above 10,000 BTU are diagnostic") == [
        "Titres above 10,000 BTU are diagnostic",
        "Titres above 10,000 BTU are",
    ]
    assert premise_queries("Anti-MAG neuropathy is typically axonal") == [
        "Anti-MAG neuropathy is typically axonal",
        "Anti-MAG neuropathy is typically demyelinating",
    ]


@pytest.mark.parametrize(
    ("premise", "relation"),
    [
        ("Anti-MAG titres fall when patients improve", "Anti-MAG titres correlate with patients improve"),
        ("CRP rises as the infection worsens", "CRP correlate with the infection worsens"),
        ("IgM levels go down once rituximab works", "IgM levels correlate with rituximab works"),
    ],
)
def test_a_measure_said_to_move_with_another_is_checked_as_a_correlation(premise: str, relation: str) -> None:
    assert covariation(premise) == relation
    assert premise_queries(premise)[-1] == relation


def test_a_premise_naming_no_change_in_a_measure_takes_no_relation_for_granted() -> None:
    assert covariation("Anti-MAG neuropathy is typically axonal") is None
    assert covariation("Patients improve when treated early") is None


def test_a_word_inside_a_condition_s_name_is_not_what_the_premise_asserts() -> None:
    """'demyelinating' names the neuropathy here; 'mandatory' is the claim."""
    premise = "CSF analysis is mandatory in every IgM demyelinating neuropathy"
    assert contrary(premise, ["IgM demyelinating neuropathy"]) is None
    assert contrary(premise) is not None  # without the name, the word would be swapped


@pytest.mark.parametrize(
    "premise",
    [
        "Zorbel syndrome mostly affects young adults",
        "Zorbel syndrome is a disease of teenagers",
        "Zorbel syndrome mainly affects children",
        "Zorbel syndrome is common in the elderly",
        "Zorbel syndrome strikes older women",
    ],
)
def test_a_premise_on_who_is_affected_by_age_is_checked_against_the_patients_age(premise: str) -> None:
    assert about_age(premise)
    query = age_query(premise, ["Zorbel syndrome"])
    assert query == "age at onset of patients with Zorbel syndrome"
    assert query in premise_queries(premise, ["Zorbel syndrome"])


@pytest.mark.parametrize(
    "premise",
    [
        "Quintomab is an older drug than vexamab",
        "The older trial of quintomab was negative",
        "Flarn titres are usually high",
    ],
)
def test_a_premise_on_something_else_that_is_young_or_old_is_not_about_age(premise: str) -> None:
    assert not about_age(premise)
    assert age_query(premise, ["Zorbel syndrome"]) is None
