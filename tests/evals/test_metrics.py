"""Tests for evals.metrics: every metric on a good and on a bad input."""

from __future__ import annotations

import pytest

from evals import metrics

ANSWER = """### From the Research

- Half of the patients carry anti-MAG antibodies. [1]
- Rituximab was given at 375 mg/m². [2]

### Sources

**[1]** Someone. A title about tremor and ataxia. *Journal*. 2010. PMID [123](https://pubmed.ncbi.nlm.nih.gov/123/).
> “In patients with IgM MGUS, half of them have anti-MAG antibodies”

**[2]** Other. Trial. 2009.
> “rituximab was given at 375 mg/m² as four weekly infusions”"""


def test_graded_text_is_the_statements_and_quotes_only() -> None:
    text = metrics.graded_text(["Half of the patients carry anti-MAG antibodies."], ["a verbatim quote"])
    assert "Half of the patients" in text and "a verbatim quote" in text
    assert "tremor" not in text  # only in a cited paper's title, which is never graded


def test_missing_facts_accepts_any_alternative_case_insensitively() -> None:
    facts = [["\\bhalf\\b", "50\\s*%"], ["375\\s*mg/m²"], ["western blot"]]
    assert metrics.missing_facts("HALF of them; dose 375 mg/m²", facts) == [["western blot"]]


def test_missing_facts_with_every_fact_present_is_empty() -> None:
    assert metrics.missing_facts("ELISA or western blot", [["ELISA"], ["western blot"]]) == []


@pytest.mark.parametrize(("found", "total", "expected"), [(9, 10, 0.9), (0, 4, 0.0), (0, 0, 1.0)])
def test_fact_recall(found: int, total: int, expected: float) -> None:
    assert metrics.fact_recall(found, total) == pytest.approx(expected)


def test_forbidden_hits_report_the_patterns_that_occur() -> None:
    patterns = ["\\b(mainly|predominantly) motor\\b", "\\d+\\s*g/kg"]
    assert metrics.forbidden_hits("It is Predominantly Motor.", patterns) == [patterns[0]]
    assert metrics.forbidden_hits("predominantly sensory, with distal motor latencies", patterns) == []


def test_markers_are_read_from_the_body_with_repeats() -> None:
    assert metrics.markers("a [1] b [2] c [1] d [ 3 ]") == [1, 2, 1, 3]


def test_markers_resolving_to_listed_citations_are_valid() -> None:
    assert metrics.unresolved_markers(ANSWER, [1, 2], refused=False) == []


def test_a_marker_without_a_citation_is_unresolved() -> None:
    assert metrics.unresolved_markers(ANSWER, [1], refused=False) == [2]


def test_a_marker_missing_from_the_sources_list_is_unresolved() -> None:
    body_only = ANSWER.replace("**[2]**", "**[7]**")
    assert metrics.unresolved_markers(body_only, [1, 2], refused=False) == [2]


def test_a_leftover_bibliography_marker_is_unresolved() -> None:
    answer = ANSWER.replace("antibodies. [1]", "antibodies [ 4 ]. [1]")
    assert metrics.unresolved_markers(answer, [1, 2], refused=False) == [4]


def test_an_answer_without_markers_is_invalid_unless_refused() -> None:
    assert metrics.unresolved_markers("Some uncited claim.", [], refused=False) == [0]
    assert (
        metrics.unresolved_markers("**The indexed sources do not cover this question.**", [], refused=True)
        == []
    )


def test_a_quote_with_collapsed_whitespace_occurs_in_the_document() -> None:
    document = "Intro.\nRituximab was given at\n375 mg/m²  as four weekly infusions."
    assert metrics.quote_in_document("Rituximab was given at 375 mg/m² as four", document)


def test_an_altered_quote_does_not_occur_in_the_document() -> None:
    document = "Rituximab was given at 375 mg/m² as four weekly infusions."
    assert not metrics.quote_in_document("Rituximab was given at 750 mg/m² as four", document)
    assert not metrics.quote_in_document("rituximab was given at 375 mg/m²", document)  # case differs
    assert not metrics.quote_in_document("   ", document)


def test_quote_at_offsets_requires_the_exact_slice() -> None:
    document = "Intro. Rituximab was given at 375 mg/m²."
    start = document.index("Rituximab")
    end = len(document) - 1
    assert metrics.quote_at_offsets("Rituximab was given at 375 mg/m²", document, start, end)
    assert not metrics.quote_at_offsets("Rituximab was given at 375 mg/m²", document, start + 1, end + 1)
    assert not metrics.quote_at_offsets("x", document, 5, 500)


def test_ranked_documents_keep_first_appearance_order() -> None:
    chunks = ["b#0002", "a#0001", "b#0000", "c#0003"]
    assert metrics.ranked_documents(chunks) == ["b", "a", "c"]


def test_first_hit_rank_is_one_based_and_none_when_missing() -> None:
    assert metrics.first_hit_rank(["x", "y", "z"], ["z", "y"]) == 2
    assert metrics.first_hit_rank(["x"], ["z"]) is None


def test_recall_at_k_counts_cases_with_a_hit_within_k() -> None:
    assert metrics.recall_at_k([1, 5, 6, None], 5) == pytest.approx(0.5)


def test_mrr_averages_reciprocal_ranks_with_zero_for_misses() -> None:
    assert metrics.mean_reciprocal_rank([1, 2, None, 4]) == pytest.approx((1 + 0.5 + 0 + 0.25) / 4)
    assert metrics.mean_reciprocal_rank([]) == 0.0


def test_refusal_scores_penalise_false_refusals_and_missed_refusals() -> None:
    expected = [True, True, False, False]
    precision, recall = metrics.refusal_scores(expected, [True, False, True, False])
    assert (precision, recall) == (pytest.approx(0.5), pytest.approx(0.5))
    assert metrics.refusal_scores(expected, [True, True, False, False]) == (1.0, 1.0)


def test_refusal_scores_with_nothing_refused_have_precision_one() -> None:
    assert metrics.refusal_scores([True, False], [False, False]) == (1.0, 0.0)


def test_refusal_scores_reject_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="2 expectations but 1 outcomes"):
        metrics.refusal_scores([True, False], [True])


def test_refusal_accuracy() -> None:
    assert metrics.refusal_accuracy([True, False, False], [True, True, False]) == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([10, 20, 30, 40], 50, 25.0),
        ([40, 10, 30, 20], 50, 25.0),
        ([5], 95, 5.0),
        ([0, 100], 95, 95.0),
        ([1, 2, 3], 0, 1.0),
    ],
)
def test_percentile_interpolates_linearly(values: list[float], q: float, expected: float) -> None:
    assert metrics.percentile(values, q) == pytest.approx(expected)


def test_percentile_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError):
        metrics.percentile([], 50)
    with pytest.raises(ValueError):
        metrics.percentile([1.0], 101)
