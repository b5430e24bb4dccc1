"""Synonym groups: built-in, curated (a corpus's lexicon) and learned, kept apart by meaning."""

from __future__ import annotations

from assistant.abbreviations import MAX_ADDED, PER_GROUP, Synonyms, learn_abbreviations

PLASMA_EXCHANGE = ["PLEX", "PE", "plasma exchange", "plasmapheresis"]


def test_a_learned_definition_does_not_merge_with_a_curated_group_of_another_meaning() -> None:
    syn = Synonyms.for_corpus(
        ["Patients with suspected pulmonary embolism (PE) were scanned."], [PLASMA_EXCHANGE]
    )
    expanded = syn.expand("suspected PE?")
    assert "pulmonary embolism" in expanded
    assert "plasma exchange" not in expanded and "PLEX" not in expanded and "plasmapheresis" not in expanded
    assert "PE" not in syn.expand("Is plasma exchange effective?")


def test_the_curated_group_keeps_its_other_terms_when_its_short_form_is_taken() -> None:
    syn = Synonyms.for_corpus(["Suspected pulmonary embolism (PE)."], [PLASMA_EXCHANGE])
    assert "plasmapheresis" in syn.expand("Does PLEX help?")


def test_a_learned_definition_with_the_curated_meaning_joins_the_group() -> None:
    syn = Synonyms.for_corpus(["Patients received plasma exchange (PE) twice."], [PLASMA_EXCHANGE])
    assert "plasma exchange" in syn.expand("Does PE help?")
    assert sum("PE" in group for group in syn.groups) == 1


def test_a_spelling_variant_of_the_long_form_counts_as_the_same_meaning() -> None:
    syn = Synonyms.for_corpus(
        ["They received intravenous immune globulin (IVIg)."], [["IVIg", "intravenous immunoglobulin"]]
    )
    (group,) = [g for g in syn.groups if "IVIg" in g]
    assert {"intravenous immunoglobulin", "intravenous immune globulin"} <= set(group)


def test_without_a_lexicon_only_learned_and_generic_groups_exist() -> None:
    syn = Synonyms.for_corpus(["Myasthenia gravis (MG) was treated with eculizumab."])
    assert "myasthenia gravis" in syn.expand("Does eculizumab help MG?").lower()
    assert syn.expand("Does RTX help?") == "Does RTX help? (effective; efficacy)"


def test_the_most_frequent_definition_of_a_short_form_wins() -> None:
    texts = ["plasma exchange (PE)", "pulmonary embolism (PE)", "pulmonary embolisms (PE)"]
    assert dict(learn_abbreviations(texts))["PE"] in ("pulmonary embolism", "pulmonary embolisms")


def test_answer_phrases_are_not_synonyms() -> None:
    syn = Synonyms.for_corpus([])
    every = {t.lower() for g in syn.groups for t in g}
    assert not every & {"half of", "good practice points", "disability", "anti-cd20"}


def test_intent_words_are_not_vocabulary() -> None:
    syn = Synonyms.for_corpus(["Rituximab (RTX) was given."])
    assert "help" not in syn.terms() and "prevalence" not in syn.terms()
    assert {"RTX", "Rituximab"} <= set(syn.terms())


def test_expansion_stays_short() -> None:
    groups = [[f"T{i}X", *(f"long form {i} variant {j}" for j in range(6))] for i in range(20)]
    syn = Synonyms(groups)
    question = "Compare " + ", ".join(f"T{i}X" for i in range(20)) + "?"
    added = syn.expand(question)[len(question) :].strip(" ()").split("; ")
    assert len(added) == MAX_ADDED
    one = syn.expand("Is T3X safe?")
    assert one.count(";") == PER_GROUP - 1 and "long form 3 variant 0" in one


def test_expansion_goes_both_ways() -> None:
    syn = Synonyms([("RTX", "rituximab")])
    assert "rituximab" in syn.expand("Does RTX help?")
    assert "RTX" in syn.expand("Does rituximab help?")


def test_plain_clinical_words_reach_the_papers_wording() -> None:
    from assistant.abbreviations import Synonyms

    synonyms = Synonyms.for_corpus([])
    expanded = synonyms.expand("Can Ab levels be raised in this neuropathy?").lower()
    assert "antibody" in expanded and "elevated" in expanded
    assert "effective" in synonyms.expand("Is it worth trying?").lower()
    assert "deaths" in synonyms.expand("Is this disease going to kill him?").lower()
    # "Do I need X?" is answered by "X is not mandatory".
    assert "mandatory" in synonyms.expand("Does he need a nerve biopsy?").lower()
    assert "mandatory" in synonyms.expand("Is a biopsy required?").lower()
    # A level that falls is a level lowered.
    assert "lowered" in synonyms.expand("Does the titre fall after treatment?").lower()
    # Its symptoms are its clinical features.
    assert "characteristics" in synonyms.expand("What symptoms does it cause?").lower()
    assert "characteristics" in synonyms.expand("What does it look like in clinic?").lower()
    # A wheelchair or a walking stick is what a paper calls disability.
    assert "disabled" in synonyms.expand("Will he end up in a wheelchair?").lower()
    # What happens outside trials is what cohorts report.
    assert "cohort" in synonyms.expand("How many respond outside trials?").lower()
    assert "cohort" in synonyms.expand("How many respond outside the trials?").lower()
    assert "cohort" in synonyms.expand("What are real-world response rates?").lower()
    # Healthy people are a study's controls.
    assert "controls" in synonyms.expand("Is the test positive in healthy people?").lower()
    # Whether it can be cured asks whether treatment works.
    assert "effective" in synonyms.expand("Can the disease be cured?").lower()
    # "Is X helpful?" asks whether it works, not for sentences saying something "helps guide".
    for question in ("Is the drug helpful?", "Is it beneficial?", "What is its effectiveness?"):
        assert "efficacy" in synonyms.expand(question).lower(), question
    # Its natural history is its long-term course.
    assert "prognosis" in synonyms.expand("What is the natural history of the disease?").lower()


def test_following_a_measure_is_monitoring_it_and_a_follow_up_is_not() -> None:
    syn = Synonyms.for_corpus([])
    assert "monitor" in syn.expand("Should the titres be followed after treatment?")
    assert "monitor" in syn.expand("Is the titre useful to follow?")
    assert "monitor" not in syn.expand("How long was the follow-up?")


def test_a_patient_s_words_for_a_symptom_find_the_clinical_word() -> None:
    syn = Synonyms.for_corpus([])
    assert "tremor" in syn.expand("Why do my hands shake?")
    assert "ataxia" in syn.expand("Why is my walking unsteady?")
    assert "lumbar puncture" in syn.expand("Does he need a spinal tap?")
    # They find words; they are not the corpus's vocabulary.
    assert not {"shake", "tremor", "spinal tap"} & {t.lower() for t in syn.terms()}


def test_young_and_elderly_ask_about_age() -> None:
    syn = Synonyms.for_corpus([])
    assert "age" in syn.expand("Does it mostly affect young adults?")
    assert "age" in syn.expand("Is it a disease of the elderly?")
