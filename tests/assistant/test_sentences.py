"""Sentence shapes that decide what may be quoted and what leads (assistant.sentences)."""

from __future__ import annotations

import pytest

from assistant import sentences


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The 2021 review covers the history of antibody testing.", True),
        ("To evaluate whether plasma exchange helps.", True),
        ("The 2021 review describes the neuropathy as usually distal and sensory.", False),
        ("The 2021 review covers 12 trials with 400 patients.", False),
        ("Half of the patients improved.", False),
        ("The IWWM-8 consensus paper deals with neuropathies that occur with IgM paraproteins.", True),
        ("The 2012 review covered IVIg in Dalakas 1996 and interferon-alpha in Mariette 1997.", True),
        # What a study set out to do, however it is opened: an aim, not a finding.
        (
            "Therefore, we conducted this prospective study to compare PET in patients with and without DM.",
            True,
        ),
        ("In this study, we sought to analyze whether the endoscope increases the infection rate.", True),
        ("Our primary aim was to describe the outcome of surgery.", True),
        ("We investigated whether statins improve the outcome of stroke.", True),
        ("This study was performed to clarify the depiction of the mandible.", True),
        ("We conducted a survey to establish if the coverage was affected by the boycott.", True),
        # ... but a comparison stated as a result is a finding.
        (
            "The severity of thrombophlebitis was less in the study group compared with the control group.",
            False,
        ),
        ("We investigated whether statins help and found that they did not.", False),
        # Which sources a document cites says nothing of the disease.
        (
            "The seed answer cites the two reviews together for the view that lowering antibodies might help.",
            True,
        ),
        ("The answer is that rituximab helps.", False),
        # What kind of page a catalogue entry is says nothing of the test it describes.
        ("The ACME Laboratories XYZ entry is a laboratory test description, used here as background.", True),
        ("This web page is a short overview of the condition.", True),
        ("The ACME Laboratories XYZ entry links the antibody to the DADS phenotype.", False),
    ],
)
def test_descriptors_are_sentences_that_only_say_what_a_document_does(sentence: str, expected: bool) -> None:
    assert sentences.is_descriptor(sentence) is expected


@pytest.mark.parametrize(
    ("sentence", "is_list_item", "expected"),
    [
        ("Can be treated with immunotherapies.", True, True),
        ("Associated with tremor and ataxia", True, True),
        ("Plasma exchange", False, True),
        ("Anti-MAG antibodies are associated with a distal neuropathy.", True, False),
        ("Can be treated with immunotherapies.", False, False),
    ],
)
def test_fragments_have_no_subject_or_too_few_words(
    sentence: str, is_list_item: bool, expected: bool
) -> None:
    assert sentences.is_fragment(sentence, is_list_item=is_list_item) is expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("However, intermediate titres also occur in other neuropathies.", True),
        ("The review cautions that nerves can become inexcitable.", True),
        ("But the difference was not significant.", True),
        ("The review notes that nerves can become inexcitable.", False),
        ("Titres fell by half after treatment.", False),
    ],
)
def test_a_caveat_opens_with_a_contrast_or_says_it_cautions(sentence: str, expected: bool) -> None:
    assert sentences.cautions(sentence) is expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Patients also needed a sensory score of at least 4.", True),
        ("In addition, three patients worsened.", True),
        ("Patients needed a sensory score of at least 4.", False),
    ],
)
def test_a_continuation_adds_to_the_sentence_before(sentence: str, expected: bool) -> None:
    assert sentences.continues(sentence) is expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("At the time of the 2012 review, the evidence rested on a single trial.", True),
        ("Until recently, no randomised trial had been done.", True),
        ("Previously, the drug was thought to be safe.", True),
        ("In 2009, the drug was tested in a trial of 26 patients.", False),
        ("At times, the neuropathy progresses quickly.", False),
        ("In the 2009 trial, the drug was well tolerated.", False),
        ("Previously untreated patients improved.", False),
        ("At the time of diagnosis, most patients had tremor.", False),
    ],
)
def test_a_dated_sentence_says_what_was_known_at_a_past_time(sentence: str, expected: bool) -> None:
    assert sentences.dated(sentence) is expected


@pytest.mark.parametrize(
    ("section", "weight"),
    [
        ("Results", 1),
        ("Recommendations", 1),
        ("Conclusions", 1),
        ("Methods", -1),
        ("Background", -1),
        ("Notes", 0),
        # What a study measured is set-up, though it names outcomes.
        ("Main outcome measures", -1),
        ("Main Outcomes and Measures", -1),
        ("Outcomes", 1),
        ("Treatment Approaches", 1),
        # A heading naming results states them, whatever else it names.
        ("Methods and results", 1),
        ("Measurements and main results", 1),
    ],
)
def test_sections_that_state_results_or_advice_weigh_more(section: str, weight: int) -> None:
    assert sentences.section_weight(section) == weight


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("Background", True),
        ("Patients and methods", True),
        ("Context", True),
        ("Hypothesis", True),
        ("Methods and results", False),
        ("Results", False),
    ],
)
def test_a_section_that_also_reports_results_does_not_only_set_the_scene(
    section: str, expected: bool
) -> None:
    assert sentences.sets_the_scene(section) is expected


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("Conclusions", True),
        ("Conclusion", True),
        ("Interpretation", True),
        ("Implications for practice", True),
        ("Results", False),
        ("Findings", False),
        ("Background", False),
    ],
)
def test_the_section_where_authors_give_their_verdict_is_known(section: str, expected: bool) -> None:
    assert sentences.draws_conclusions(section) is expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Disability improved at 8-12 months.", True),
        ("Titres fell by 30%.", True),
        ("Scores improved at week-24.", True),
        ("The IWWM-8 consensus and the COVID-19 era.", False),
        ("Anti-HNK1 (CD57) antibodies and IL-6.", False),
        ("The Dalakas 2009 trial.", False),
    ],
)
def test_a_number_is_a_figure_not_a_year_or_part_of_a_name(sentence: str, expected: bool) -> None:
    assert sentences.has_number(sentence) is expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("However, whether the serum bilirubin could be a biomarker of stroke type remains unclear.", True),
        ("Whether flarn levels predict disability has remained unclear.", True),
        ("Little is known about the long-term outcome.", True),
        ("It is still unknown whether IVIg helps.", True),
        ("No data on long-term outcome exist.", True),
        ("No patient died during follow-up.", False),
        ("Baseline flarn levels did not predict disability at 5 years.", False),
    ],
)
def test_a_gap_statement_says_what_is_not_yet_known(sentence: str, expected: bool) -> None:
    assert sentences.states_gap(sentence) is expected


@pytest.mark.parametrize(
    ("sentence", "about", "expected"),
    [
        ("The neuropathy responds to immune therapy in only some patients.", {"respond"}, True),
        ("72% had a demyelinating and 28% an axonal polyneuropathy.", {"axon"}, True),
        ("4 of 13 patients on rituximab improved.", {"rituximab"}, True),
        ("Less than half of treated patients improved.", {"improv"}, True),
        # a share of something else
        ("It was predominantly sensory, with weakness in only 10% of patients.", {"disabl"}, False),
        ("72% of patients had a demyelinating polyneuropathy.", {"demyelin"}, False),
        ("12 of 20 patients on quintomab improved.", {"quintomab"}, False),
        ("Rituximab was given at 375 mg/m2 weekly for 4 weeks.", {"rituximab"}, False),
    ],
)
def test_a_share_under_half_of_what_a_premise_names_is_a_minority(
    sentence: str, about: set[str], expected: bool
) -> None:
    assert sentences.minority(sentence, about) is expected


@pytest.mark.parametrize(
    ("sentence", "about", "expected"),
    [
        ("IgM neuropathy is usually distal and sensory-predominant.", {"sensori"}, True),
        ("72% of patients had a demyelinating and 28% an axonal polyneuropathy.", {"demyelin"}, True),
        ("HNK1-positive patients had a classic distal demyelinating neuropathy.", {"demyelin"}, True),
        ("Most patients had a demyelinating neuropathy.", {"demyelin"}, True),
        # a share under half, a superlative, a share of something else
        ("72% of patients had a demyelinating and 28% an axonal polyneuropathy.", {"axon"}, False),
        ("The best responders had the most severe sensory deficits at baseline.", {"sensori"}, False),
        ("Rituximab does not improve the INCAT sensory score.", {"sensori"}, False),
    ],
)
def test_a_sentence_says_of_most_what_it_names_near_its_quantifier(
    sentence: str, about: set[str], expected: bool
) -> None:
    assert sentences.majority(sentence, about) is expected


def test_what_a_share_counts_is_the_content_words_beside_it() -> None:
    assert {"anti-mag", "antibodi"} <= sentences.counted(
        "In MGUS neuropathy, half of them have anti-MAG antibodies."
    )
    assert {"antibodi", "glycoprotein"} <= sentences.counted(
        "In the cohort, 44% of patients had antibodies against myelin-associated glycoprotein."
    )
    assert "patient" not in sentences.counted("30% of patients were disabled 10 years after onset.")
    # a change by a percentage is no share of a group; no share, nothing counted
    assert sentences.counted("Future trials should cut antibody levels by at least 60%.") == frozenset()
    assert sentences.counted("Rituximab lowered anti-MAG titres.") == frozenset()


def test_background_and_methods_set_the_scene() -> None:
    assert sentences.sets_the_scene("BACKGROUND") and sentences.sets_the_scene("Introduction")
    assert sentences.sets_the_scene("Methods") and sentences.sets_the_scene("Patients and methods")
    assert not sentences.sets_the_scene("Results") and not sentences.sets_the_scene("Scope")


def test_only_a_list_item_can_run_into_the_next_sentence() -> None:
    from assistant.answerers.extractive import clean_span

    item = "- Plasma exchange in more severe cases The detection of antibodies helps."
    start, end = clean_span(item, 2, len(item), strip_markers=False)
    assert item[start:end] == "The detection of antibodies helps."
    prose = "To understand the role of group A streptococci in the disease, more studies are needed."
    assert clean_span(prose, 0, len(prose), strip_markers=False) == (0, len(prose))


def test_a_sentence_opening_with_a_contrast_turns_from_the_one_before() -> None:
    assert sentences.turns("However, fixation was cost-effective in women under 75.")
    assert sentences.turns("In contrast, the placebo arm improved.")
    assert not sentences.turns("Fixation was not cost-effective; however, subgroups differed.")
    assert not sentences.turns("Butyrate levels rose.")


def test_punctuation_left_by_a_section_label_is_not_quoted() -> None:
    from assistant.answerers.extractive import clean_span

    text = "## Results\n\n: In the baseline analysis, fixation was not cost-effective."
    start, end = clean_span(text, text.index(":"), len(text), strip_markers=False)
    assert text[start:end] == "In the baseline analysis, fixation was not cost-effective."


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The Dalakas 2009 authors called for a larger trial to confirm their findings.", True),
        ("Further prospective studies are needed to confirm this.", True),
        ("Larger randomised trials are warranted.", True),
        ("This finding needs further investigation.", True),
        ("Rituximab improved disability.", False),
        ("The panel called for screening of every patient.", False),
    ],
)
def test_a_call_for_more_research_is_recognised(sentence: str, expected: bool) -> None:
    assert sentences.calls_for_research(sentence) is expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("For future trials, the review proposes enrolling patients with the typical phenotype.", True),
        ("The review proposes that future trials aim to cut antibody levels by at least 60%.", True),
        ("The next anti-MAG trial should enrol patients with some weakness.", True),
        # What research should find out, and a call for it, say how sure a finding is.
        ("Future research should determine which content has the greatest impact.", False),
        ("Further prospective studies are needed to confirm this.", False),
        ("The next step was data collection.", False),
        ("Rituximab improved disability in the trial.", False),
    ],
)
def test_research_still_to_be_done_is_told_from_what_is_known(sentence: str, expected: bool) -> None:
    assert sentences.plans_research(sentence) is expected
