"""The kinds of synthesis question and their facets (assistant.facets): pure functions."""

from __future__ import annotations

import pytest

from assistant.facets import facets, kind_of


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How should I work him up?", "work-up"),
        ("Should I treat a mildly affected patient?", "treat"),
        ("Taken together, what are the benefits and the risks of immune therapy?", "benefit-harm"),
        ("What are the pros and cons of plasma exchange?", "benefit-harm"),
        ("Summarise the evidence on drug X, from trials and cohorts.", "evidence"),
        ("What is the evidence base for drug X?", "evidence"),
        ("Compare drug X and drug Y.", "compare"),
        ("What is the evidence for drug X versus drug Y?", "compare"),
        ("Is there any trial evidence for drug X?", None),
        ("What is the long-term outlook?", "outlook"),
        ("Long-term, were treated patients less impaired than untreated ones?", None),  # two groups compared
        ("What dose of drug X is used?", None),
        ("Does drug X help?", None),
        (
            "After drug X, should I follow the titres or the clinical scores to judge the response?",
            "monitoring",
        ),
        ("Should I repeat the antibody levels after treatment?", "monitoring"),
        ("Was drug X followed by worsening?", None),
    ],
)
def test_kind_of(question: str, kind: str | None) -> None:
    assert kind_of(question) == kind


def test_every_facet_query_names_the_subject() -> None:
    found = facets("What are the benefits and risks of drug X?", "zorbel disease")
    assert [f.name for f in found] == ["benefit", "durability", "harms", "certainty"]
    assert all(f.query.startswith("zorbel disease ") for f in found)


def test_a_comparison_of_two_tests_has_none_of_a_treatment_s_facets() -> None:
    """Benefit, certainty and harms are a treatment's: "Do anti-X titres track severity
    better than anti-Y titres?" was answered with a review's verdict on immunotherapy."""
    assert kind_of("Do anti-X titres track severity better than anti-Y titres?") == "compare"
    assert facets("Do anti-X titres track severity better than anti-Y titres?", "anti-X") == []
    treatments = facets("Is drug X better than drug Y?", "drug X")
    assert [f.name for f in treatments] == ["benefit", "certainty", "harms"]
    # A treatment named by the corpus's lexicon, not by a word like "drug", counts too.
    assert facets("Does quintomab lower titres better than plasma exchange?", "Zorbel", names_treatment=True)
    assert not facets("Does quintomab lower titres better than plasma exchange?", "Zorbel")
