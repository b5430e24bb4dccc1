"""The topic check learns what a corpus is about from its own text (assistant.topics).

Pure functions over plain data: two small invented corpora, no index, no model. The same
code must refuse a neighbouring disease whatever the corpus.
"""

from __future__ import annotations

import pytest

from assistant.lexicon import stems
from assistant.topics import build_topics, find_conditions, name_tokens, off_topic, unmentioned_names


def corpus(*documents: tuple[str, list[str]]):
    return build_topics((title, " ".join(sentences), sentences) for title, sentences in documents)


SARCOIDOSIS = corpus(
    (
        "Corticosteroids in pulmonary sarcoidosis",
        [
            "Pulmonary sarcoidosis is a granulomatous disease of the lungs.",
            "Prednisone improved lung function in most patients with pulmonary sarcoidosis.",
            "Relapses of sarcoidosis were common after prednisone was stopped.",
            "Tuberculosis must be excluded before corticosteroids are started.",
        ],
    ),
    (
        "Cardiac sarcoidosis: a cohort",
        [
            "Cardiac sarcoidosis was found in a quarter of patients with sarcoidosis.",
            "Patients with cardiac sarcoidosis had more arrhythmias.",
            "Sarcoidosis of the heart was treated with methotrexate in some patients.",
            "Giant cell myocarditis can resemble cardiac sarcoidosis on biopsy.",
        ],
    ),
    (
        "Methotrexate for sarcoidosis",
        [
            "In this trial of sarcoidosis, methotrexate spared corticosteroids.",
            "Liver toxicity occurred in a few patients with sarcoidosis on methotrexate.",
            "Sarcoidosis activity was followed with serum ACE levels.",
        ],
    ),
)

MYASTHENIA = corpus(
    (
        "Thymectomy in myasthenia gravis",
        [
            "Thymectomy improved outcomes in generalized myasthenia gravis.",
            "Patients with myasthenia gravis needed less prednisone after thymectomy.",
            "Myasthenia gravis with thymoma was excluded from the trial.",
        ],
    ),
    (
        "Ocular myasthenia gravis",
        [
            "Ocular myasthenia gravis often becomes generalized myasthenia gravis.",
            "Pyridostigmine helped ocular symptoms in myasthenia gravis.",
            "Lambert-Eaton syndrome can mimic myasthenia gravis.",
        ],
    ),
    (
        "Efgartigimod in generalized myasthenia gravis",
        [
            "Efgartigimod lowered IgG levels in generalized myasthenia gravis.",
            "More patients with myasthenia gravis improved on efgartigimod than on placebo.",
            "Headache was the commonest side effect in myasthenia gravis patients.",
        ],
    ),
)


def test_conditions_are_disease_nouns_with_their_modifiers() -> None:
    found = [c.text.lower() for c in find_conditions("Is tuberculosis seen in cardiac sarcoidosis?", {})]
    assert "cardiac sarcoidosis" in found and "tuberculosis" in found
    # a verb before the condition is not one of its modifiers
    found = [c.text.lower() for c in find_conditions("Does smoking worsen cardiac sarcoidosis?", {})]
    assert found == ["cardiac sarcoidosis"]
    for question in (
        "What chest CT findings suggest cardiac sarcoidosis?",
        "Does a normal ECG rule out cardiac sarcoidosis?",
        "Which echo patterns indicate cardiac sarcoidosis?",
        "Do many patients have cardiac sarcoidosis?",
        "Can MRI measure cardiac sarcoidosis activity?",
        "Can I pass cardiac sarcoidosis to my children?",  # a verb after a pronoun
    ):
        assert [c.text.lower() for c in find_conditions(question, {})] == ["cardiac sarcoidosis"], question


@pytest.mark.parametrize(
    ("topics", "question"),
    [
        (SARCOIDOSIS, "Does prednisone help pulmonary sarcoidosis?"),
        (SARCOIDOSIS, "How common are arrhythmias in cardiac sarcoidosis?"),
        (MYASTHENIA, "Does thymectomy help generalized myasthenia gravis?"),
        (SARCOIDOSIS, "Which scan is best for diagnosing cardiac sarcoidosis?"),
        (MYASTHENIA, "Is thymectomy worth considering when managing myasthenia gravis?"),
    ],
)
def test_a_question_about_the_corpus_subject_is_in_scope(topics, question: str) -> None:
    assert off_topic(question, topics, {}) is None


@pytest.mark.parametrize(
    ("topics", "question", "named"),
    [
        (SARCOIDOSIS, "How is tuberculosis treated?", "tuberculosis"),
        (SARCOIDOSIS, "Does prednisone help giant cell myocarditis?", "myocarditis"),
        (SARCOIDOSIS, "What is the first-line treatment of rheumatoid arthritis?", "arthritis"),
        (MYASTHENIA, "How is Lambert-Eaton syndrome treated?", "syndrome"),
        (MYASTHENIA, "Does thymectomy help pulmonary sarcoidosis?", "sarcoidosis"),
    ],
)
def test_a_neighbouring_or_unrelated_condition_is_out_of_scope(topics, question: str, named: str) -> None:
    """Tuberculosis, myocarditis and Lambert-Eaton syndrome are *mentioned* in their
    corpora, as look-alikes or exclusions, but no document is about them."""
    conditions = off_topic(question, topics, {})
    assert conditions is not None
    assert any(named in c.lower() for c in conditions)


def test_a_condition_no_source_mentions_is_not_answered_from_a_generic_one_beside_it() -> None:
    """A generic condition the corpus is about ("sarcoidosis") does not bring a question
    first about one it never mentions into scope; named second, it is only context."""
    question = (
        "What level of serum X supports a diagnosis of Loeffler syndrome in a patient with sarcoidosis?"
    )
    assert off_topic(question, SARCOIDOSIS, {}) == ("Loeffler syndrome",)
    assert (
        off_topic("Does methotrexate help sarcoidosis in a patient with Loeffler syndrome?", SARCOIDOSIS, {})
        is None
    )
    for context in (  # named first, but as the patient's background
        "In a patient with Loeffler syndrome and sarcoidosis, is methotrexate safe?",
        "With a history of Loeffler syndrome, does sarcoidosis respond to methotrexate?",
        "Does coexisting Loeffler syndrome change how sarcoidosis is treated?",
    ):
        assert off_topic(context, SARCOIDOSIS, {}) is None, context


NEUROPATHY = corpus(
    (
        "Rituximab in anti-MAG neuropathy",
        [
            "Rituximab improved disability in some patients with anti-MAG neuropathy.",
            "Anti-MAG neuropathy is a demyelinating neuropathy with IgM antibodies.",
        ],
    ),
    (
        "The course of anti-MAG neuropathy",
        [
            "Most patients with anti-MAG neuropathy could still walk after ten years.",
            "Tremor was common in anti-MAG neuropathy.",
        ],
    ),
    (
        "Antibody tests in IgM neuropathy",
        [
            "The anti-MAG test was positive in half of the patients with IgM neuropathy.",
            "Neuropathy with IgG antibodies was excluded.",
        ],
    ),
)


def test_the_corpus_s_head_noun_owned_by_another_condition_does_not_bring_it_into_scope() -> None:
    """ "Neuropathy", what every document is about, names no condition of its own in "the
    neuropathy of POEMS syndrome": the question is about POEMS syndrome."""
    for question in (
        "Does IVIg help the neuropathy of POEMS syndrome?",
        "Does IVIg help neuropathy in POEMS syndrome?",
    ):
        assert off_topic(question, NEUROPATHY, {}) == ("POEMS syndrome",), question
    assert off_topic("Does rituximab help anti-MAG neuropathy?", NEUROPATHY, {}) is None
    assert off_topic("Is tremor common in anti-MAG neuropathy?", NEUROPATHY, {}) is None


def test_a_question_without_any_condition_is_left_to_the_support_check() -> None:
    assert off_topic("What dose was used in the trial?", SARCOIDOSIS, {}) is None


def test_drugs_and_coded_names_the_corpus_never_mentions_are_found() -> None:
    known = SARCOIDOSIS.known
    tokens = name_tokens(
        ["Methotrexate and prednisone; the ACCESS-2 study of HLA-DRB1, anti-TNF use and 18F-FDG PET."]
    )

    def absent(question: str) -> tuple[str, ...]:
        return unmentioned_names(question, known, tokens)

    assert absent("Does infliximab or methotrexate help sarcoidosis?") == ("infliximab",)
    assert absent("Is prednisone better than hydrocortisone?") == ("hydrocortisone",)
    assert absent("Does gabapentin or duloxetine ease the pain?") == ("gabapentin", "duloxetine")
    assert absent("Does ibrutinib, unlike ibrutinib alone, help?") == ("ibrutinib",)
    assert absent("Do HLA-DQB1 or HLA-DRB1 carriers fare worse?") == ("HLA-DQB1",)
    assert absent("What did ACCESS2 find? Is anti-HLA-DRB1 tested?") == ()  # spelling and anti- aside
    assert absent("What is the prognosis of cardiac sarcoidosis in April after 10y?") == ()
    assert absent("Is F-18-FDG uptake useful? And enzyme-1 or class A1-3?") == ()  # parts; not codes
    assert absent("Is MYD88 L265P seen?") == ("MYD88", "L265P")

    # A hyphenated name: its coded part must be in the corpus, its word part by stem.
    text = "Patients positive for HLA-DRB1 did worse."
    known_here = frozenset(x for w in text.split() for x in stems(w))
    question = "Is HLA-DRB1-positive disease worse than ZAP70-positive?"
    assert unmentioned_names(question, known_here, name_tokens([text])) == ("ZAP70-positive",)
    # A class named by its target may be what the corpus's drugs are: left to the support check.
    assert absent("Does anti-CD20 therapy help? Or CD38-directed antibodies, or BTK2 inhibitors?") == ()


def test_an_acronym_spelt_otherwise_than_in_the_corpus_is_still_known() -> None:
    question = "What did the ACCESS2 study find in sarcoidosis?"
    tokens = name_tokens(["The ACCESS-2 study of sarcoidosis."])
    assert off_topic("What did the ZQX study find?", SARCOIDOSIS, {}, (), tokens) == ("ZQX",)
    assert off_topic(question, SARCOIDOSIS, {}, (), tokens) is None


THYROID = corpus(
    (
        "Surgery for thyroid cancer",
        [
            "Lobectomy was compared with total thyroidectomy in children with thyroid cancer.",
            "Thyroid cancer recurred in few children after lobectomy.",
            "Recurrence of thyroid cancer was rare in low-risk disease.",
            "The HPV status of the tumours was recorded.",
        ],
    ),
    (
        "Splenectomy in hereditary spherocytosis",
        [
            "Hereditary spherocytosis causes haemolysis and gallstones.",
            "Cholecystectomy was done with splenectomy in some children with spherocytosis.",
            "After splenectomy, spherocytosis no longer caused anaemia.",
        ],
    ),
)


@pytest.mark.parametrize(
    "question",
    [
        # population and context words do not narrow a condition to another one
        "Is lobectomy enough in low-risk paediatric thyroid cancer?",
        "Does accompanying thyroid cancer change the operation?",
        # a plural acronym is its singular
        "Can high-risk HPVs be found in these tumours?",
        # an acronym qualifying the noun after it is not what the question is about
        "Can tailored interventions increase lobectomy among HMO women?",
    ],
)
def test_modifiers_plurals_and_possessives_do_not_make_a_condition_unknown(question: str) -> None:
    assert off_topic(question, THYROID, {}) is None


def test_a_possessive_name_is_the_name() -> None:
    from assistant.topics import stems as topic_stems

    assert topic_stems("Crohn's disease") == topic_stems("Crohn disease") == topic_stems("Crohn’s disease")


def test_a_head_that_names_one_condition_must_be_what_a_source_is_about() -> None:
    # "hereditary" alone is used by a source, but "hereditary elliptocytosis" is no
    # source's subject: the head noun itself singles the condition out.
    assert off_topic("Is splenectomy needed in hereditary elliptocytosis?", THYROID, {}) == (
        "hereditary elliptocytosis",
    )
    assert off_topic("Is splenectomy needed in hereditary spherocytosis?", THYROID, {}) is None


def test_an_acronym_that_names_a_study_is_what_the_question_is_about() -> None:
    tokens = name_tokens(["Lobectomy in thyroid cancer."])
    assert off_topic("What did the ZQX trial find?", THYROID, {}, (), tokens) == ("ZQX",)
    assert off_topic("What did the ZQX score predict?", THYROID, {}, (), tokens) == ("ZQX",)


def test_the_scope_names_conditions_as_the_documents_write_them() -> None:
    """Acronyms keep their capitals; a capital that only opens a sentence or a title goes."""
    topics = corpus(
        ("IgM Monoclonal Gammopathy: a review", ["IgM monoclonal gammopathy is common.", "It is slow."]),
        ("Outcome of IgM monoclonal gammopathy", ["In IgM monoclonal gammopathy, most patients do well."]),
    )
    assert "IgM monoclonal gammopathy" in topics.describe()


def test_words_naming_only_the_corpus_s_subject() -> None:
    """ "anti-MAG" names no condition by itself but the subject of an anti-MAG corpus; a
    drug the corpus names, or the subject narrowed by a word of its own, is more."""
    assert SARCOIDOSIS.names_subject(set(stems("sarcoidosis")))
    assert not SARCOIDOSIS.names_subject(set(stems("prednisone")))
    assert not SARCOIDOSIS.names_subject(set(stems("cardiac sarcoidosis")))
