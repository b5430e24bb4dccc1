"""What a question asks for, and statements made from quotes."""

from __future__ import annotations

import pytest

from assistant.questions import (
    asked_type,
    asks_whether_to_treat,
    counted_noun,
    provides,
    statement_from_quote,
    states_count,
    states_share,
)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What dose of rituximab was used?", "dose"),
        ("How long should IVIg be continued?", "duration"),
        ("How often should IVIg be given?", "interval"),
        ("How often should I repeat the titres?", "interval"),
        ("How often does tremor occur?", "proportion"),
        ("What proportion of patients have anti-MAG antibodies?", "proportion"),
        ("How many patients were in the trial?", "size"),
        ("Does rituximab help anti-MAG neuropathy?", None),
        ("How much IVIg should be given per course?", "dose"),
        ("By how much did the treatment lower IgM levels?", "number"),
        ("How were the patients distributed across the three age groups?", "number"),
        ("At what age does the neuropathy usually begin?", "age"),
        ("What is the median age at diagnosis?", "age"),
        ("Is older age a risk factor?", None),
        ("What cut-off defines a positive test?", "number"),
        ("What fraction of patients have the antibodies?", "proportion"),
        ("How common is tremor?", "proportion"),
        ("What is the sensitivity of the anti-HNK1 ELISA?", "proportion"),
        ("Is anti-HNK1 testing sensitive?", None),
        ("What was the primary outcome of the 2009 trial?", "design"),
        ("What did patients need to enter the trial?", "design"),
        ("Which outcome measures did the review use?", "design"),
        ("Was the primary outcome met?", None),  # what the trial found, not what it measured
        ("What was the result of the 2013 trial on its primary outcome?", None),
        ("Which arm did better on the primary outcome?", None),
        ("How often is the neuropathy seen in IgM MGUS?", "proportion"),  # a rate, not a schedule
        ("How often is IgM MGUS followed by neuropathy?", "proportion"),
        ("What % of patients are anti-MAG positive?", "proportion"),
        ("What is the chance of being disabled at 10 years?", "proportion"),
        ("anti-MAG rituximab response rate?", "proportion"),  # terse: a named rate is a share
        ("What is the relapse rate after stopping IVIg?", "proportion"),
        ("What heart rate was recorded?", None),  # a measure called a rate is no share
        # A yes-no question asks for a verdict, whatever value its nouns name.
        ("Does X influence the incidence of shunt infection?", None),
        ("Effects of exercise on the QT interval: are there gender differences?", None),
        ("Does a single dosage form improve quality of life?", None),
        ("Is the lifetime prevalence of impetigo really increased?", None),
        ("Can you tell me the dose of rituximab?", "dose"),  # a request, not yes or no
        # "Does" mistyped "Dose" is still a yes-no question; "Dose adjustment ...?" asks a dose.
        ("Dose end-tidal CO2 measurement correlate with arterial CO2 in infants?", None),
        ("Dose adjustment in renal failure?", "dose"),
        ("When should rituximab be repeated?", "interval"),  # when the next dose is due
        ("When should I treat?", None),
        ("Is it effective, and how many patients improved?", "number"),
        # A rate in a population, which a share of a cohort is not.
        ("What is the prevalence of the disease per 100,000 people?", "population rate"),
        ("What is its incidence per million per year?", "population rate"),
        # What the studies were of: neither their results nor who could enter.
        ("Which immunotherapies were tested in the trials of the 2016 review?", "tested"),
        ("Which drugs have been studied in this disease?", "tested"),
        ("What was compared in the trial?", "tested"),
        ("Was rituximab tested against placebo?", None),  # yes or no
        ("Which test was better?", None),
        # How many a study took in, which a share of them is not.
        ("How many patients were in the 2009 trial?", "size"),
        ("How many patients took part in the trial?", "size"),
        ("How many patients did the cohort include?", "size"),
        ("What was the sample size?", "size"),
        ("How many patients improved?", "number"),
        ("How many patients were disabled at 10 years?", "number"),
    ],
)
def test_asked_type(question: str, kind: str | None) -> None:
    assert asked_type(question) == kind


def test_a_sentence_without_a_dose_does_not_provide_one() -> None:
    assert not provides("Rituximab is the main option discussed.", "dose")
    assert provides("Rituximab was given at 375 mg/m² weekly.", "dose")


def test_an_age_is_a_number_of_years_said_as_an_age() -> None:
    for sentence in (
        "The median age at onset was 59 years.",
        "The median age at onset of polyneuropathy in the 2010 cohort was 59 years.",
        "The mean age at entry was 65.",
        "Patients aged 40 to 80 were enrolled.",
        "It begins in the sixth decade.",
        "A 68-year-old man presented.",
    ):
        assert provides(sentence, "age"), sentence
    for sentence in (
        "An older age at onset raised the risk of a Rankin score of 3.",  # a number, not an age
        "Disability reached 16% at 5 years.",
        "Patients were followed for 8.5 years.",
        "Median follow-up was 8.5 years.",
        "The trial lasted 2 years.",
    ):
        assert not provides(sentence, "age"), sentence


def test_a_design_sentence_says_what_was_measured_or_who_could_enter() -> None:
    for sentence in (
        "The primary outcome of the review was the number of participants improved in disability.",
        "The primary outcome of the trial was an improvement of at least 1 point at month 8.",
        "To enter the trial, patients needed a sensory score of at least 4.",
        "Patients were randomised to rituximab or placebo.",
    ):
        assert provides(sentence, "design"), sentence
    for sentence in (
        "The primary outcome was significantly improved.",
        "The primary outcome was unchanged.",
        "Rituximab was needed in 3 patients.",
        "In the trial, the primary outcome was not significant in the intention-to-treat analysis.",
        "No immunotherapy is supported by adequate randomised evidence.",
        "The trial was negative on its primary outcome.",
    ):
        assert not provides(sentence, "design"), sentence


def test_what_a_study_tested_is_said_by_what_it_tested_or_compared() -> None:
    for sentence in (
        "The review included eight trials testing IVIg, interferon-alpha and rituximab.",
        "Cyclophosphamide with prednisone was tested in one trial.",
        "The 2013 trial compared rituximab with placebo.",
        "The 2009 trial tested rituximab in 26 patients.",
    ):
        assert provides(sentence, "tested"), sentence
    for sentence in (
        "Rituximab was better than placebo.",
        "The review concluded that no immunotherapy is supported by randomised evidence.",
        "The review assesses immunotherapy for the disease.",
        "To enter the trial, patients needed a sensory score of at least 4.",
    ):
        assert not provides(sentence, "tested"), sentence


def test_a_study_s_size_is_how_many_it_took_in() -> None:
    for sentence in (
        "The 2018 study included 202 patients with the antibodies.",
        "The trial was a double-blind study of 26 patients, 13 given rituximab.",
        "The trial was randomised and placebo-controlled, with 54 patients: 26 received rituximab.",
        "It was a prospective cohort of 140 patients.",
        "In all, 75 consecutive patients were enrolled.",
    ):
        assert provides(sentence, "size"), sentence
    for sentence in (
        "4 of 13 patients on rituximab improved versus 0 of 13 on placebo.",
        "About 17% of patients had an atypical phenotype.",
        "The trial was negative on its primary outcome.",
    ):
        assert not provides(sentence, "size"), sentence


def test_an_interval_says_how_often_not_when() -> None:
    for sentence in (
        "Titres were measured every 6 months.",
        "IVIg was given monthly.",
        "Four weekly infusions.",
    ):
        assert provides(sentence, "interval"), sentence
    for sentence in (
        "Disability reached 16% at 5 years.",
        "Most improved within a week.",
        "A year after onset.",
    ):
        assert not provides(sentence, "interval"), sentence


def test_a_proportion_is_a_share_not_a_count() -> None:
    for sentence in ("44% had antibodies.", "Half of them have antibodies.", "4 of 13 patients improved."):
        assert provides(sentence, "proportion"), sentence
    assert not provides("The cohort was 140 patients followed for up to 23 years.", "proportion")


def test_words_like_half_count_as_numbers() -> None:
    assert provides("Half of them have anti-MAG antibodies.", "number")


def test_seed_reference_markers_are_stripped_only_when_asked() -> None:
    assert (
        statement_from_quote("- Associated with IgM MGUS [ 1 ]", strip_markers=True)
        == "Associated with IgM MGUS."
    )
    assert (
        statement_from_quote("Testing adds specificity 4.", strip_markers=True) == "Testing adds specificity."
    )
    assert statement_from_quote("Improvement was seen at month 8.") == "Improvement was seen at month 8."


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "How common are anti-MAG antibodies in IgM MGUS neuropathy, and does rituximab help?",
            ["How common are anti-MAG antibodies in IgM MGUS neuropathy", "does rituximab help?"],
        ),
        ("What is the role of ELISA and western blot?", ["What is the role of ELISA and western blot?"]),
        ("Does rituximab help? What about IVIg?", ["Does rituximab help", "What about IVIg?"]),
    ],
)
def test_compound_questions_split_into_parts(question: str, parts: list[str]) -> None:
    from assistant.questions import split_question

    assert split_question(question) == parts


def test_a_later_part_that_names_nothing_carries_the_earlier_names() -> None:
    from assistant.questions import resolve_parts

    parts = ["How many were randomised in the Léger rituximab trial", "what was its primary endpoint?"]
    # Pointing back ("its"), it also carries the previous part's content words.
    assert resolve_parts(parts) == [
        parts[0],
        "what was its primary endpoint? (Léger randomised rituximab trial)",
    ]
    met = resolve_parts(["What was the primary outcome of the Dalakas trial", "was it met?"])[1]
    assert met == "was it met? (Dalakas primary outcome trial)"
    own = ["Does IVIg help", "how long does Rituximab take to work?"]  # names its own subject
    assert resolve_parts(own) == own
    # Without a way to find lower-case names, "rituximab" is no name ...
    assert resolve_parts(["Should I start rituximab", "what are its side effects?"])[1] == (
        "what are its side effects? (start rituximab)"
    )

    # ... with one (a knowledge base's drugs and conditions), it is carried on.
    def named(text: str) -> list[str]:
        return [w for w in ("rituximab", "anti-MAG neuropathy") if w in text]

    assert resolve_parts(["Should I start rituximab", "what are its side effects?"], named)[1] == (
        "what are its side effects? (rituximab start)"
    )
    assert resolve_parts(["Which tests for anti-MAG neuropathy exist", "do results differ by lab?"], named)[
        1
    ] == ("do results differ by lab? (anti-MAG neuropathy)")
    plain = ["How common are anti-MAG antibodies", "does rituximab help?"]
    assert resolve_parts(plain, named) == plain
    assert resolve_parts(["Does IVIg help", "how long does rituximab take to work?"], named)[1].endswith(
        "work?"
    )


def test_terse_time_units_are_spelt_out_and_nothing_else_changes() -> None:
    from assistant.questions import spell_out_units

    assert spell_out_units("disability % at 10y?") == "disability % at 10 years?"
    assert spell_out_units("after 6mo or 12 wks of RTX") == "after 6 months or 12 weeks of RTX"
    assert spell_out_units("relapse within 1y") == "relapse within 1 year"
    assert spell_out_units("Is >10k BTU a meaningful cut-off?") == "Is >10,000 BTU a meaningful cut-off?"
    assert spell_out_units("titres of 1.5k") == "titres of 1,500"
    for unchanged in (
        "the Dalakas 2009 trial",
        "y-axis",
        "MYD88 mutation",
        "IgM 3.5 g/L",
        "90Y-ibritumomab",
        "vitamin K",
        "a 10k-word note",
    ):
        assert spell_out_units(unchanged) == unchanged


@pytest.mark.parametrize(
    ("question", "names_a_treatment", "expected"),
    [
        ("Does IVIg work in this neuropathy?", True, True),
        ("Is PLEX worth trying?", True, True),
        ("Should every patient with the disease receive immune therapy?", False, True),
        ("Is there an evidence base for cytotoxic therapies?", False, True),
        # Whether it cures asks whether it works.
        ("Can rituximab cure this neuropathy?", True, True),
        ("Is IVIg curative?", True, True),
        ("Is rituximab beneficial in this neuropathy?", True, True),
        ("Is plasma exchange efficacious?", True, True),
        # Names a treatment, asks nothing of its benefit.
        ("Is the titre useful to follow after treatment?", False, False),
        ("How often do severe adverse events occur with immune therapy?", False, False),
        # Asks about benefit, of no treatment.
        ("Do antibody titres help distinguish the two diseases?", False, False),
        # "work up" is an investigation.
        ("A 68-year-old man has a neuropathy. How should I work him up?", False, False),
        ("Should the work-up include a biopsy before treatment?", False, False),
    ],
)
def test_a_question_whether_to_treat_asks_of_a_treatment_s_benefit(
    question: str, names_a_treatment: bool, expected: bool
) -> None:
    assert asks_whether_to_treat(question, names_a_treatment) is expected


def test_the_words_asking_for_a_kind_of_value_are_told_from_what_it_is_about() -> None:
    from assistant.questions import names_the_kind

    assert names_the_kind("proportion", "proportion") and names_the_kind("how common", "proportion")
    assert names_the_kind("dose", "dose")
    assert not names_the_kind("tremor", "proportion")
    assert not names_the_kind("proportion", None)


def test_a_rate_in_a_population_is_stated_per_so_many_people() -> None:
    assert provides("The prevalence was 2.4 per 100,000 inhabitants.", "population rate")
    assert provides("The incidence was 0.8 per million per year.", "population rate")
    assert not provides("In the cohort, 51% of patients had medium titres.", "population rate")


def test_a_question_about_research_itself_is_recognised() -> None:
    from assistant.questions import asks_about_research

    assert asks_about_research("How should the next trial be designed?")
    assert asks_about_research("Which patients should future studies enrol?")
    assert not asks_about_research("What are the typical clinical features of the disease?")


def test_how_many_counts_a_noun_not_a_verb() -> None:
    assert counted_noun("How many courses of IVIg should I give?") == "courses"
    assert counted_noun("How many have anti-MAG antibodies?") == ""
    assert counted_noun("What dose of rituximab?") == ""


def test_a_count_of_things_is_a_number_or_a_share_of_them() -> None:
    assert states_count("The trial randomised 40 patients.", ("patient",))
    assert states_count("In the cohort, 30% of patients were disabled.", ("patient",))
    assert not states_count("Pooling the two trials suggested benefit.", ("patient",))


def test_a_share_of_what_is_counted_answers_how_many() -> None:
    assert states_share("In the cohort, 30% of patients were disabled.", ("patient",))
    assert states_share("31.5% of rituximab-treated patients had a response.", ("patient",))
    assert not states_share("The review included eight trials.", ("patient",))
    assert not states_share("30% of patients were disabled.", ("cours",))
