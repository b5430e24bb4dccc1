"""What an answer is made of, through the real pipeline (index, model, extractive answerer).

Most tests use an invented corpus (tests/data/zorbel: a consensus panel, a systematic
review, a trial, a cohort and an AI-written secondary answer about an invented disease),
so they show that the behaviour comes from the machinery and not from anti-MAG vocabulary:
a bottom line first, primary sources over secondary ones, a premise corrected before the
answer, a neighbouring disease refused. The last tests check the same on the bundled corpus.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from assistant import Assistant, sentences
from assistant.answer import REFUSAL, Answer
from assistant.answerers.extractive import ANSWERS_ANOTHER_PART
from assistant.knowledge import KnowledgeBase
from assistant.render import NO_PREMISE_EVIDENCE, QUESTION_REFUSAL
from ingest import Embedder, Settings, build_index

ZORBEL = Path(__file__).resolve().parent.parent / "data" / "zorbel"
SECONDARY_ID = "zorbel-ai-answer"


@pytest.fixture(scope="module")
def zorbel(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> tuple[Assistant, KnowledgeBase]:
    settings = Settings(home=tmp_path_factory.mktemp("zorbel-home"))
    build_index(settings, ZORBEL, embedder=embedder)
    knowledge = KnowledgeBase(settings, embedder)
    return Assistant(settings, knowledge), knowledge


def ask(zorbel, question: str) -> Answer:
    assistant, knowledge = zorbel
    answer = assistant.ask(question)
    for c in answer.citations:  # whatever else a test checks, every quote is the source's own
        assert knowledge.texts[c.source_id][c.start : c.end] == c.quote
    return answer


def section(markdown: str, heading: str) -> str:
    """The text under a ``### heading``, up to the next heading."""
    match = re.search(rf"^### {re.escape(heading)}\n(.*?)(?=^### |\Z)", markdown, re.S | re.M)
    return match.group(1) if match else ""


def test_the_answer_opens_with_its_bottom_line_from_a_primary_source(zorbel) -> None:
    answer = ask(zorbel, "Does quintomab help patients with Zorbel syndrome?")
    assert not answer.refused
    assert answer.answer.startswith("**Bottom line:**")
    assert answer.lead and all(c.role == "lead" for c in answer.lead_citations)
    assert all(not c.secondary for c in answer.lead_citations)
    # The AI-written answer repeats the meta-analysis claim without its caveat; the
    # systematic review states it, so the secondary source is not quoted at all.
    assert SECONDARY_ID not in answer.cited_sources


def test_research_evidence_is_ordered_strongest_first(zorbel) -> None:
    answer = ask(zorbel, "What did the trials of quintomab show in Zorbel syndrome?")
    evidence = [c for c in answer.citations if c.role == "evidence" and c.kind == "research"]
    levels = [c.evidence_level for c in evidence]
    assert len(levels) >= 2
    assert levels == sorted(levels)


def test_evidence_on_what_is_asked_is_not_crowded_out_by_the_condition(zorbel) -> None:
    """The trials' results are evidence; where Zorbel syndrome was first described shares
    only the condition with the question and is not. (Judging which concepts tell the
    sentences apart among those left once that one was dropped once dropped the results.)"""
    answer = ask(zorbel, "What did the trials of quintomab show in Zorbel syndrome?")
    quotes = " ".join(c.quote for c in answer.citations)
    assert "12 of 20 patients on quintomab improved" in quotes, answer.answer
    assert "fishing village" not in quotes, answer.answer


def test_a_fact_only_secondary_text_states_is_quoted_and_labelled_secondary(zorbel) -> None:
    answer = ask(zorbel, "Where was Zorbel syndrome first described?")
    assert not answer.refused
    cited = {c.source_id: c for c in answer.citations}
    assert SECONDARY_ID in cited
    assert cited[SECONDARY_ID].secondary and cited[SECONDARY_ID].evidence_level == 7
    assert "Secondary source" in section(answer.answer, "Sources")


def test_the_guidelines_section_holds_only_guidelines_and_consensus(zorbel) -> None:
    answer = ask(zorbel, "How should a patient with suspected Zorbel syndrome be investigated?")
    assert not answer.refused
    guideline_numbers = {c.n for c in answer.citations if c.evidence_level == 1}
    assert guideline_numbers, "the consensus panel's recommendations answer this"
    shown = {int(n) for n in re.findall(r"\[(\d+)\]", section(answer.answer, "From the Guidelines"))}
    assert shown <= guideline_numbers


def test_a_false_premise_is_corrected_before_the_answer(zorbel) -> None:
    answer = ask(zorbel, "Since Zorbel syndrome is mainly a motor disorder, which muscles are weakest?")
    assert answer.premise and "motor" in answer.premise
    premise = [c for c in answer.citations if c.role == "premise"] or answer.lead_citations
    assert any("sensory" in c.quote for c in premise)
    # The premise check comes first, in the Markdown and in the claim order. (Which premise
    # sentence comes first is the ranker's call: in five tiny documents "a motor disorder"
    # also matches "an underlying marrow disorder"; see the closing note of issue 11.)
    text = answer.answer
    if "**Bottom line:**" in text:
        assert text.index("about the premise") < text.index("**Bottom line:**")
    roles = [c.role for c in answer.citations]
    assert roles[: len(premise)] == ["premise"] * len(premise) or roles[0] == "lead"


def test_a_count_no_source_gives_is_refused_not_answered_with_another_number(zorbel) -> None:
    """No Zorbel source says how many courses of quintomab to give; "12 of 20 patients
    improved" is a number, not a number of courses."""
    answer = ask(zorbel, "How many courses of quintomab should I give in Zorbel syndrome?")
    assert answer.refused and "no number of courses" in (answer.refusal_reason or ""), answer.answer


def test_a_question_whose_premise_alone_the_sources_speak_to_shows_the_check_and_why(zorbel) -> None:
    """The premise ("mainly a motor disorder") is corrected; the question itself (how many
    courses) is not covered, and the answer says so instead of offering a bottom line."""
    answer = ask(
        zorbel,
        "Since Zorbel syndrome is mainly a motor disorder, how many courses of quintomab should I give?",
    )
    premise = [c for c in answer.citations if c.role == "premise"]
    assert premise and any("predominantly sensory" in c.quote for c in premise), answer.answer
    assert not any("marrow disorder" in c.quote for c in premise)  # "disorder" is no claim
    assert answer.lead == [] and [u.part for u in answer.unanswered] == [0]
    assert "no number of courses" in answer.unanswered[0].reason
    assert QUESTION_REFUSAL in answer.answer and NO_PREMISE_EVIDENCE not in answer.answer


def test_confused_with_asks_what_a_condition_resembles(zorbel) -> None:
    """The panel says Krell neuropathy 'can resemble' Zorbel syndrome; no source says
    'confused', which was refused as a word no source mentions."""
    answer = ask(zorbel, "Can Krell neuropathy be confused with Zorbel syndrome?")
    assert not answer.refused and "resemble" in answer.lead_citations[0].quote, answer.answer


def test_a_question_asking_for_a_dose_leads_with_the_dose(zorbel) -> None:
    answer = ask(zorbel, "What dose of quintomab was given in the placebo-controlled trial?")
    assert not answer.refused
    assert re.search(r"\d+\s*mg\b", answer.lead_citations[0].quote)


TITRES_STUDY = """---
id: zorbel-titres-2020
kind: research
title: "Test fixture: flarn antibody levels and disability in Zorbel syndrome"
authors: [Fixture F]
year: 2020
journal: Test Cohorts
study_type: cohort
provenance: abstract
note: Invented text for the test suite; not a real study.
---
## Background
Flarn antibodies are found in most patients with Zorbel syndrome.
However, whether flarn antibody levels predict later disability has remained unclear.

## Results
Among 80 patients followed for 5 years, baseline flarn antibody levels did not predict disability at 5 years.
"""


def with_document(tmp_path: Path, embedder: Embedder, *documents: str) -> tuple[Assistant, KnowledgeBase]:
    """The Zorbel corpus and more research documents, indexed in a home of its own (a
    sixth document in the shared fixture would shift what other tests' questions retrieve)."""
    corpus = tmp_path / "corpus"
    shutil.copytree(ZORBEL, corpus)
    for document in documents:
        doc_id = re.search(r"^id: (\S+)$", document, re.M).group(1)  # the file is named by its id
        (corpus / "research" / f"{doc_id}.md").write_text(document, encoding="utf-8")
    settings = Settings(home=tmp_path / "home")
    build_index(settings, corpus, embedder=embedder)
    knowledge = KnowledgeBase(settings, embedder)
    return Assistant(settings, knowledge), knowledge


def test_a_premise_no_source_speaks_to_is_not_checked_with_sentences_on_something_else(zorbel) -> None:
    """No Zorbel document mentions children: a sentence sharing only the condition, or the
    word "affects", is no evidence on the premise, and the answer says the sources are silent."""
    answer = ask(zorbel, "Since Zorbel syndrome mostly affects children, which tests are needed?")
    assert answer.premise and "children" in answer.premise
    assert not [c for c in answer.citations if c.role == "premise"], answer.answer
    if not answer.refused:
        assert NO_PREMISE_EVIDENCE in answer.answer


def test_a_background_saying_what_is_unknown_is_not_quoted_as_an_answer(
    tmp_path: Path, embedder: Embedder
) -> None:
    """'Whether flarn levels predict disability has remained unclear' (Background)
    restates the question; the Results answer it."""
    answer = ask(
        with_document(tmp_path, embedder, TITRES_STUDY),
        "Do flarn antibody levels predict later disability in Zorbel syndrome?",
    )
    assert "did not predict" in answer.lead_citations[0].quote
    assert not any("unclear" in c.quote for c in answer.citations)


COURSE_STUDY = """---
id: zorbel-course-2020
kind: research
title: "Test fixture: the course of Zorbel syndrome over a decade"
authors: [Fixture H]
year: 2020
study_type: cohort
provenance: summary
note: Invented text for the test suite; not a real study.
---
## Results
In the Fixture 2020 series, Zorbel syndrome followed a chronic course in most patients, over many years.
"""


def test_a_premise_the_sources_never_state_is_checked_against_its_contrary(
    tmp_path: Path, embedder: Embedder
) -> None:
    """No source calls Zorbel syndrome acute; one says its course is chronic in most
    patients, which is what the premise check should put first."""
    answer = ask(
        with_document(tmp_path, embedder, COURSE_STUDY),
        "Since Zorbel syndrome is usually acute, how soon should quintomab be started?",
    )
    premise = [c for c in answer.citations if c.role == "premise"]
    assert premise and "chronic course in most patients" in premise[0].quote, answer.answer


def test_a_rare_word_the_retrieved_passages_miss_is_searched_for_on_its_own(zorbel) -> None:
    """ "Zorbel syndrome" is in most chunks, "screen" in one: with one passage per query,
    retrieval finds the panel's background, and the chunk the rare word finds answers."""
    assistant, knowledge = zorbel
    narrow = Assistant(assistant.settings.model_copy(update={"top_k": 1}), knowledge)
    question = "What should I screen for in Zorbel syndrome?"
    answer = narrow.ask(question)
    assert "be screened for an underlying marrow disorder" in answer.lead_citations[0].quote, answer.answer
    added = [p for p in narrow.retrieve(question) if p.added]
    assert [p.chunk_id for p in added] == ["zorbel-panel-2022#0001"]
    dense = Assistant(assistant.settings.model_copy(update={"top_k": 1, "retriever": "dense"}), knowledge)
    assert not any(p.added for p in dense.retrieve(question))  # a lexical retriever's fallback only


SIZED_TRIAL = """---
id: zorbel-sized-2020
kind: research
title: "Test fixture: a trial of vexamab in Zorbel syndrome"
authors: [Fixture Z]
year: 2020
study_type: rct
provenance: summary
note: Invented text for the test suite; not a real trial.
---
## Methods
The Fixture 2020 trial was a double-blind study of 48 patients with Zorbel syndrome, 24 given vexamab.

## Results
In the Fixture 2020 trial, 9 of 24 patients on vexamab improved, against 3 of 24 on placebo.
In the Fixture 2020 trial, 25% of patients reported headache.
"""


def test_how_many_took_part_is_answered_by_the_study_s_size_not_a_share(
    tmp_path: Path, embedder: Embedder
) -> None:
    """The Results count patients too ("9 of 24 patients ... improved"); the Methods say
    how many took part."""
    zorbel = with_document(tmp_path, embedder, SIZED_TRIAL)
    answer = ask(zorbel, "How many patients were in the Fixture 2020 trial?")
    assert "study of 48 patients" in answer.lead_citations[0].quote, answer.answer
    answer = ask(zorbel, "How many patients improved on vexamab in the Fixture 2020 trial?")
    assert "9 of 24 patients" in answer.lead_citations[0].quote, answer.answer


TREMOR_NOTE = """---
id: zorbel-tremor-note
kind: research
title: "Test fixture: an AI-written note on Zorbel syndrome"
authors: [Fixture AI]
year: 2024
study_type: secondary
provenance: full-text
note: Invented AI-written text for the test suite; a secondary source.
---
## Features
Zorbel syndrome often comes with a hand tremor, which many patients notice.
"""

TREMOR_COHORT = """---
id: zorbel-tremor-2017
kind: research
title: "Test fixture: a cohort of Zorbel syndrome"
authors: [Fixture W]
year: 2017
study_type: cohort
provenance: summary
note: Invented text for the test suite; not a real study.
---
## Background
The Fixture 2017 study followed patients with Zorbel syndrome for ten years.

## Findings
In the Fixture 2017 cohort, 40% of patients had a disabling hand tremor.
"""


def test_a_rare_word_only_a_secondary_source_retrieved_mentions_is_searched_in_primary_ones(
    tmp_path: Path, embedder: Embedder
) -> None:
    """With one passage per query, the AI-written note is retrieved; the cohort's figure
    on tremor, found by the rare word, is quoted beside it."""
    assistant, knowledge = with_document(tmp_path, embedder, TREMOR_NOTE, TREMOR_COHORT)
    narrow = Assistant(assistant.settings.model_copy(update={"top_k": 1}), knowledge)
    answer = narrow.ask("Is tremor common in Zorbel syndrome?")
    assert any("40% of patients had a disabling hand tremor" in c.quote for c in answer.citations), (
        answer.answer
    )


TRIALS_REVIEW = """---
id: zorbel-trials-2024
kind: research
title: "Test fixture: trials of immunotherapy in Zorbel syndrome"
authors: [Fixture T]
year: 2024
study_type: systematic-review
provenance: summary
note: Invented text for the test suite; not a real review.
---
## Methods
The Fixture 2024 review included five trials testing quintomab, vexamab and plasma exchange in Zorbel syndrome.

## Conclusions
The Fixture 2024 review found no treatment for Zorbel syndrome supported by high-quality evidence.
"""


def test_a_question_on_what_trials_tested_is_answered_by_what_they_tested(
    tmp_path: Path, embedder: Embedder
) -> None:
    """ "Which treatments were tested?" asks what the trials were of: the review's Methods
    say it; its verdict, and the other sources' results, do not."""
    answer = ask(
        with_document(tmp_path, embedder, TRIALS_REVIEW),
        "Which treatments were tested in the trials of the Fixture 2024 review of Zorbel syndrome?",
    )
    assert "trials testing" in answer.lead_citations[0].quote, answer.answer


AGE_STUDY = """---
id: zorbel-age-2018
kind: research
title: "Test fixture: who gets Zorbel syndrome"
authors: [Fixture A]
year: 2018
study_type: cohort
provenance: summary
note: Invented text for the test suite; not a real study.
---
## Results
In the Fixture 2018 cohort, an older age at onset went with a worse course of Zorbel syndrome.
In the Fixture 2018 cohort, the median age at onset of Zorbel syndrome was 64 years.
"""


def test_a_premise_on_which_ages_a_condition_affects_is_checked_against_the_stated_age(
    tmp_path: Path, embedder: Embedder
) -> None:
    """'A disease of teenagers' shares no word with any source; the age the cohort states
    checks it, not the sentence that only names age at onset."""
    answer = ask(
        with_document(tmp_path, embedder, AGE_STUDY),
        "Since Zorbel syndrome is a disease of teenagers, which genetic test comes first?",
    )
    premise = [c.quote for c in answer.citations if c.role == "premise"]
    assert premise and "64 years" in premise[0], answer.answer


PAIN_TRIAL = """---
id: zorbel-entry-2022
kind: research
title: "Test fixture: a trial of vexamab for pain in Zorbel syndrome"
authors: [Fixture L]
year: 2022
study_type: rct
provenance: summary
note: Invented text for the test suite; not a real trial.
---
## Methods
To enter the Fixture 2022 trial, patients with Zorbel syndrome needed pain above 4 on a visual analogue scale.

## Results
In the Fixture 2022 trial, vexamab did not change grip strength.
"""


VERDICT_STUDY = """---
id: zorbel-verdict-2024
kind: research
title: "Test fixture: does quintomab delay relapse in Zorbel syndrome?"
authors: [Fixture V]
year: 2024
study_type: cohort
provenance: summary
note: Invented text for the test suite; not a real study.
---
## Background
Whether quintomab delays relapse of Zorbel syndrome has not been studied in a cohort.

## Conclusions
Our findings suggest that routine maintenance infusions are not required after remission.
"""


def test_a_yes_no_question_also_searches_its_best_document_s_conclusions(
    tmp_path: Path, embedder: Embedder
) -> None:
    """The conclusion shares almost no word with the question; one passage per query
    finds the Background, and the verdict comes from the same document's Conclusions."""
    assistant, _ = with_document(tmp_path, embedder, VERDICT_STUDY)
    narrow = Assistant(assistant.settings.model_copy(update={"top_k": 1}), assistant.kb)
    passages = narrow.retrieve("Does quintomab delay relapse of Zorbel syndrome?")
    assert passages[0].chunk_id == "zorbel-verdict-2024#0000"
    assert "zorbel-verdict-2024#0001" in {p.chunk_id for p in passages}
    asked = narrow.retrieve("What delays relapse of Zorbel syndrome?")  # no verdict asked for
    # (the search for the question's rare words may add it, marked as such)
    assert "zorbel-verdict-2024#0001" not in {p.chunk_id for p in asked if not p.added}


def test_a_premise_is_not_checked_with_a_study_s_entry_criteria(tmp_path: Path, embedder: Embedder) -> None:
    """Who could enter a trial of painful patients says nothing of whether the disease is
    mostly painful, and no other source speaks of pain: the premise goes unchecked."""
    answer = ask(
        with_document(tmp_path, embedder, PAIN_TRIAL),
        "Since Zorbel syndrome is mostly painful, should every patient get vexamab?",
    )
    assert answer.premise and "painful" in answer.premise
    assert not [c for c in answer.citations if c.role == "premise"], answer.answer


def test_a_premise_in_lay_words_that_most_patients_become_disabled_is_checked_by_the_share_disabled(
    zorbel,
) -> None:
    """'Become' only links; 'wheelchair-bound' is what the premise claims, which the
    cohort's "30% of patients were disabled" contradicts."""
    answer = ask(zorbel, "Is it true that most patients with Zorbel syndrome become wheelchair-bound?")
    premise = [c.quote for c in answer.citations if c.role == "premise"]
    assert premise and "30% of patients were disabled" in premise[0], answer.answer


def test_whether_a_condition_turns_into_another_is_not_answered_by_sentences_on_the_first(zorbel) -> None:
    """No Zorbel document mentions Glimmer lymphoma: 'no immunotherapy for Zorbel syndrome
    is supported' would seem to answer whether Zorbel syndrome progresses to it."""
    answer = ask(zorbel, "Can Zorbel syndrome progress to Glimmer lymphoma?")
    assert answer.refused, answer.answer
    assert "Glimmer lymphoma" in answer.refusal_reason


def test_whether_a_condition_turns_into_another_is_answered_by_a_sentence_on_both(zorbel) -> None:
    """The check above leaves a question the sources speak to answered, by the sentence
    naming the condition it asks about."""
    answer = ask(zorbel, "Can Zorbel syndrome progress to a marrow disorder?")
    assert not answer.refused
    assert all("marrow disorder" in c.quote for c in answer.lead_citations), answer.answer


def test_after_a_premise_a_question_on_what_no_source_mentions_is_said_to_be_unanswered(zorbel) -> None:
    """No Zorbel document mentions an analgesic: 'headache was the most common side effect
    of quintomab' is no answer to which one to add, however close it is to the premise."""
    answer = ask(
        zorbel, "Since quintomab is proven to cure Zorbel syndrome, which analgesic should be added?"
    )
    assert [c for c in answer.citations if c.role == "premise"], answer.answer
    assert answer.lead == [] and [u.part for u in answer.unanswered] == [0], answer.answer
    assert "analgesic" in answer.unanswered[0].reason


def test_after_a_premise_a_question_of_a_known_kind_is_answered_in_words_no_source_uses(zorbel) -> None:
    """No Zorbel document says 'outlook', but 'what is the outlook?' asks for the course
    and disability the cohort reports, premise or not."""
    answer = ask(zorbel, "Since Zorbel syndrome is predominantly fatal, what is the outlook?")
    assert not answer.refused and not answer.unanswered, answer.answer
    assert any("disabled" in c.quote for c in answer.citations), answer.answer


def test_a_premise_is_not_checked_with_a_sentence_on_its_subject_alone(zorbel) -> None:
    """No Zorbel document says who gets it by trade: 'no immunotherapy for Zorbel syndrome
    is supported', found by searching the premise's subject, says nothing of fishermen."""
    answer = ask(
        zorbel, "Since Zorbel syndrome is mainly a disease of fishermen, should I measure flarn antibodies?"
    )
    assert answer.premise and "fishermen" in answer.premise
    assert not [c for c in answer.citations if c.role == "premise"], answer.answer


def test_a_yes_no_question_of_a_known_kind_on_what_no_source_mentions_is_refused(zorbel) -> None:
    """'Symptoms' makes it a question about the presentation, whose bottom line may be
    general; 'autonomic' is what it asks about, and no source mentions it."""
    answer = ask(zorbel, "Does Zorbel syndrome cause autonomic symptoms?")
    assert answer.refused, answer.answer
    assert "'autonomic'" in answer.refusal_reason


def test_whether_a_condition_causes_a_symptom_is_not_answered_by_a_sentence_silent_on_it(
    tmp_path: Path, embedder: Embedder
) -> None:
    """Pain is mentioned only in who could enter a trial: 'no immunotherapy for Zorbel
    syndrome is supported' would seem to answer whether Zorbel syndrome causes pain."""
    answer = ask(with_document(tmp_path, embedder, PAIN_TRIAL), "Does Zorbel syndrome cause pain?")
    assert answer.refused and not answer.citations, answer.answer


def test_a_premise_that_claims_nothing_searchable_is_not_checked_with_any_sentence(zorbel) -> None:
    """'Zorbel syndrome is common' names only the condition beside a stop word: every
    sentence on Zorbel syndrome would do, so none is shown as evidence on the premise."""
    answer = ask(
        zorbel, "Since Zorbel syndrome is common, should every patient be screened for a marrow disorder?"
    )
    assert answer.premise and "common" in answer.premise
    assert not [c for c in answer.citations if c.role == "premise"], answer.answer


FLARN_REVIEW = """---
id: zorbel-flarn-2021
kind: research
title: "Test fixture: flarn antibody testing in Zorbel syndrome"
authors: [Fixture K]
year: 2021
study_type: review
provenance: summary
note: Invented text for the test suite; not a real review.
---
## Findings
In the Fixture 2021 review, flarn titres above 500 units went with the typical picture of Zorbel syndrome.
The Fixture 2021 review states that very high flarn titres are diagnostic of Zorbel syndrome.
The Fixture 2021 review cautions that intermediate flarn titres can also occur in Krell neuropathy.
"""


def test_a_premise_is_checked_on_what_it_asserts_not_on_its_subject(
    tmp_path: Path, embedder: Embedder
) -> None:
    """'Titres above 500 units are diagnostic': the sentence sharing most of its words
    speaks of the typical picture; the one on what is diagnostic, with its caveat, checks it."""
    answer = ask(
        with_document(tmp_path, embedder, FLARN_REVIEW),
        "Flarn titres above 500 units are diagnostic, so can I skip nerve conduction studies in Zorbel syndrome?",
    )
    premise = [c.quote for c in answer.citations if c.role == "premise"]
    assert premise and "are diagnostic" in premise[0], answer.answer
    assert any("intermediate flarn titres" in q for q in premise), answer.answer


MANNER_STUDY = """---
id: zorbel-course-2018
kind: research
title: "Test fixture: the course of Zorbel syndrome"
authors: [Fixture M]
year: 2018
journal: Test Cohorts
study_type: cohort
provenance: abstract
note: Invented text for the test suite; not a real study.
---
## Results
Among 60 patients with Zorbel syndrome, the onset was in the feet as well as the hands in 40%.
"""


def test_a_premise_on_how_well_a_treatment_works_is_not_checked_with_an_as_well_as(
    tmp_path: Path, embedder: Embedder
) -> None:
    """'Responds well to steroids' claims a response to steroids: a sentence sharing only
    'well' ('the feet as well as the hands') is no evidence on it, nor on the question."""
    answer = ask(
        with_document(tmp_path, embedder, MANNER_STUDY),
        "Given that Zorbel syndrome responds well to steroids, does quintomab help?",
    )
    assert not [c for c in answer.citations if c.role == "premise"], answer.answer
    assert not any("as well as" in c.quote for c in answer.citations), answer.answer


BLORP_STUDY = """---
id: zorbel-blorp-2020
kind: research
title: "Test fixture: an open study of blorp in Zorbel syndrome"
authors: [Fixture G]
year: 2020
study_type: cohort
provenance: summary
note: Invented text for the test suite; not a real study.
---
## Results
In the Fixture 2020 study, blorp restored grip strength in 18 of 25 patients with Zorbel syndrome within 12 weeks.
On blorp in the Fixture 2020 study, mean grip strength in Zorbel syndrome rose from 18 kg to 22 kg.
Grip strength restored by blorp in the Fixture 2020 study lasted for six months after the last dose.

## Conclusions
The Fixture 2020 authors conclude that the grip strength gain on blorp should be confirmed in a randomised trial in Zorbel syndrome.
"""


def test_a_yes_no_answer_from_a_study_s_results_carries_its_authors_conclusion(
    tmp_path: Path, embedder: Embedder
) -> None:
    """The bottom line is the study's result; what its authors conclude from it follows
    first, ahead of the study's other results, which rank above it for the question."""
    answer = ask(
        with_document(tmp_path, embedder, BLORP_STUDY), "Does blorp restore grip strength in Zorbel syndrome?"
    )
    assert not answer.refused
    lead = answer.lead_citations[0]
    assert lead.source_id == "zorbel-blorp-2020" and lead.section == "Results"
    evidence = [c for c in answer.citations if c.role == "evidence"]
    assert evidence and evidence[0].section == "Conclusions", answer.answer
    assert "authors conclude" in evidence[0].quote


def test_a_question_asking_for_one_value_gets_that_value_not_every_facet(zorbel) -> None:
    """ "What proportion ... present with ...?" names a presentation, but asks for a share:
    not the panel's advice or the review's verdict, which a presentation's facets bring."""
    answer = ask(zorbel, "What proportion of Zorbel syndrome patients present with weakness?")
    assert answer.citations and all("weakness" in c.quote for c in answer.citations), answer.answer


def test_a_rate_per_so_many_people_is_not_answered_with_a_cohort_s_share(zorbel) -> None:
    """The cohort's "weakness in only 10% of patients" is a share of its patients, not how
    many people in a population have the disease."""
    answer = ask(zorbel, "What is the prevalence of Zorbel syndrome per 100,000 people?")
    assert answer.refused and "rate in a population" in answer.refusal_reason, answer.answer


def test_who_asks_is_not_what_is_asked_about(zorbel) -> None:
    """A relative asking in plain words ("my father", "end up in a wheelchair") is answered
    on the disease's course, not refused because no source mentions a father."""
    answer = ask(zorbel, "My father has Zorbel syndrome. Will he end up in a wheelchair?")
    assert not answer.refused, answer.refusal_reason
    assert "disabled" in answer.lead_citations[0].quote


def test_a_question_asking_only_how_a_condition_relates_needs_a_sentence_on_that(zorbel) -> None:
    """ "What causes Zorbel syndrome?" names nothing but the condition and a relation: no
    Zorbel source speaks of a cause, and a verdict on its treatment is no answer."""
    answer = ask(zorbel, "What causes Zorbel syndrome?")
    assert answer.refused and answer.citations == [], answer.answer
    assert "causes" in answer.refusal_reason


ENTRY_TRIAL = """---
id: zorbel-entry-2022
kind: research
title: "Test fixture: a trial of vexamab in Zorbel syndrome"
authors: [Fixture J]
year: 2022
study_type: rct
provenance: summary
note: Invented text for the test suite; not a real study.
---
## Methods
To enter the Fixture 2022 trial, patients with Zorbel syndrome needed pain above 5 on a visual analogue scale.
"""


def test_a_study_s_entry_criterion_is_no_answer_to_a_clinical_question(
    tmp_path: Path, embedder: Embedder
) -> None:
    """ "Patients needed pain above 5 to enter" says who was studied, not whether the
    disease is painful; asked what patients needed to enter, it answers."""
    zorbel = with_document(tmp_path, embedder, ENTRY_TRIAL)
    answer = ask(zorbel, "Is Zorbel syndrome painful?")
    assert answer.refused and answer.citations == [], answer.answer
    answer = ask(zorbel, "What did patients need to enter the Fixture 2022 trial?")
    assert not answer.refused and "To enter" in answer.lead_citations[0].quote, answer.answer


AGENDA_REVIEW = """---
id: zorbel-agenda-2022
kind: research
title: "Test fixture: Zorbel syndrome and the design of future trials"
authors: [Fixture H]
year: 2022
journal: Test Reviews
study_type: review
provenance: summary
note: Invented text for the test suite; not a real study.
---
## Findings
For future trials, the Fixture 2022 review proposes enrolling patients with the typical Zorbel syndrome phenotype, grip weakness and high flarn antibody levels.
In the Fixture 2022 review, the usual Zorbel syndrome phenotype is numb feet and a slowly spreading loss of grip.
"""


def test_research_still_to_be_done_leads_only_a_question_about_research(
    tmp_path: Path, embedder: Embedder
) -> None:
    """ "For future trials, ... proposes enrolling patients with the typical phenotype"
    shares the words of "What is the typical phenotype?" but is about the next trial."""
    zorbel = with_document(tmp_path, embedder, AGENDA_REVIEW)
    answer = ask(zorbel, "What is the typical phenotype of Zorbel syndrome?")
    assert not answer.refused and "future trials" not in answer.lead_citations[0].quote, answer.answer
    answer = ask(zorbel, "Which patients should future Zorbel syndrome trials enrol?")
    assert "future trials" in answer.lead_citations[0].quote, answer.answer


def test_a_neighbouring_disease_is_refused_with_what_the_corpus_covers(zorbel) -> None:
    """Krell neuropathy is named in the corpus (as a look-alike), but nothing is about it."""
    answer = ask(zorbel, "What is the first-line treatment of Krell neuropathy?")
    assert answer.refused and answer.citations == []
    assert "Krell" in (answer.refusal_reason or "")
    assert answer.scope and "zorbel" in answer.scope.lower()


def test_a_drug_no_source_mentions_is_refused_not_answered_with_another_drug(zorbel) -> None:
    answer = ask(zorbel, "Does veltorinib help Zorbel neuropathy?")
    assert answer.refused and answer.citations == []
    assert "“veltorinib”" in (answer.refusal_reason or "")
    assert not ask(zorbel, "Does quintomab help Zorbel neuropathy?").refused


@pytest.mark.parametrize(
    "question",
    [
        "Can children get Zorbel syndrome?",
        "Is vaccination safe in Zorbel syndrome?",
        # sharing only a word that relates it to the condition ("effective") is no answer
        "Is acupuncture effective in Zorbel syndrome?",
    ],
)
def test_a_question_on_something_no_source_mentions_is_not_answered_with_the_condition_alone(
    zorbel, question: str
) -> None:
    """The corpus is about Zorbel syndrome but never mentions children or vaccination: a
    sentence about Zorbel syndrome in general would seem to answer."""
    answer = ask(zorbel, question)
    assert answer.refused and answer.citations == []
    assert "No source mentions" in (answer.refusal_reason or "")
    assert not ask(zorbel, "Is Zorbel syndrome predominantly sensory?").refused


def test_a_question_outside_every_document_is_refused(zorbel) -> None:
    answer = ask(zorbel, "What is the recommended dose of metformin in type 2 diabetes?")
    assert answer.refused and answer.citations == []


# The bundled corpus: the same behaviours on real literature.


def test_rituximab_is_answered_from_primary_literature_before_any_secondary_text(assistant) -> None:
    answer = assistant.ask("Is rituximab effective for neuropathy with anti-MAG antibodies?")
    assert not answer.refused
    assert answer.lead_citations and not any(c.secondary for c in answer.lead_citations)
    levels = [c.evidence_level for c in answer.citations if c.role == "evidence" and c.kind == "research"]
    assert levels == sorted(levels)
    for c in answer.citations:
        if c.secondary:  # labelled wherever it is shown
            assert c.evidence == "Secondary source"


def test_should_i_treat_is_answered_by_what_the_trials_found_not_by_treated_patients(assistant) -> None:
    """'Should I treat ...' asks whether to: a cohort's 'transient worsening in 12% of
    treated patients' shares the word, not the question, and once led the answer."""
    answer = assistant.ask("Should I treat a patient with anti-MAG neuropathy with rituximab?")
    lead = answer.lead_citations[0]
    assert lead.study_type in ("rct", "systematic-review") and "rituximab" in lead.quote, answer.answer
    assert "treated patients" not in lead.quote


def test_a_bottom_line_speaks_of_what_is_asked_not_only_of_the_relation(assistant) -> None:
    """'... itself caused no deaths' shares the condition and 'cause' with the question and
    was its likeliest sentence; Nobile-Orazio's tremor figure, less likely, answers it."""
    answer = assistant.ask("Does anti-MAG neuropathy cause tremor?")
    assert answer.lead_citations and "tremor" in answer.lead_citations[0].quote, answer.answer


def test_what_a_source_says_of_therapy_in_general_is_no_answer_about_a_drug_it_never_names(assistant) -> None:
    """Nobile-Orazio 2000 (before rituximab) reports 'severe adverse events possibly related
    to therapy' in 53%; it never names rituximab, so it cannot answer for rituximab."""
    answer = assistant.ask("What are the side effects of rituximab?")
    assert not any("53%" in c.quote for c in answer.citations), answer.answer
    if answer.refused:
        assert "other treatments" in (answer.refusal_reason or "")
    # A class verdict from a source that names the drug still answers for it.
    answer = assistant.ask("Does rituximab help anti-MAG neuropathy?")
    assert not answer.refused and "rituximab" in answer.lead_citations[0].quote


def test_how_many_patients_is_answered_by_a_share_of_patients(assistant) -> None:
    """'12% of treated patients (11 of 92)' says how many patients worsened; 'after
    excluding one patient ...', which once led, counts one patient but not who worsened."""
    answer = assistant.ask("How many patients had transient worsening after rituximab?")
    assert "transient worsening in 12% of treated patients" in answer.lead_citations[0].quote, answer.answer


def test_a_lumbar_puncture_is_asked_about_as_the_csf_analysis_it_is_for(assistant) -> None:
    """IWWM-8 says 'CSF analysis is not mandatory'; 'Is lumbar puncture mandatory?' was led
    by its sentence on doing the MRI before the lumbar puncture."""
    answer = assistant.ask("Is lumbar puncture mandatory?")
    assert "analysis is not mandatory" in answer.lead_citations[0].quote, answer.answer


def test_between_asks_nothing_of_its_own(assistant) -> None:
    """'a link between titres and disability' once matched 'titres between 1,000 and under
    10,000 BTU', which says nothing of disability."""
    answer = assistant.ask("Is there a link between anti-MAG titres and disability?")
    assert "between 1,000" not in answer.lead_citations[0].quote, answer.answer


def test_an_analysis_after_and_followed_by_are_no_time_or_follow_up(assistant) -> None:
    """ "After rituximab, should I follow ...?" was led by "After excluding one patient ...",
    an analysis's qualifier sharing only "after" and the drug, and then by "rituximab was
    followed by transient worsening", as if "followed by" were following patients up."""
    answer = assistant.ask("After rituximab, should I follow the anti-MAG titre or the disability score?")
    lead = answer.lead_citations[0].quote
    assert not lead.startswith("After excluding") and "followed by" not in lead, answer.answer


def test_responders_are_a_response_to_treatment(assistant) -> None:
    """'response' and 'responders' stem apart (respons / respond): 'the best responders to
    rituximab had high anti-MAG titres' answers whether the titre predicts the response."""
    answer = assistant.ask("Does the anti-MAG titre predict response to rituximab?")
    lead = answer.lead_citations[0].quote
    assert "responders" in lead and "titres" in lead, answer.answer


def test_secondary_sources_never_appear_under_the_guidelines(assistant) -> None:
    answer = assistant.ask("How should a patient with an IgM paraprotein and neuropathy be investigated?")
    assert not answer.refused
    shown = {int(n) for n in re.findall(r"\[(\d+)\]", section(answer.answer, "From the Guidelines"))}
    by_number = {c.n: c for c in answer.citations}
    assert all(by_number[n].evidence_level == 1 for n in shown)


def test_multifocal_motor_neuropathy_is_not_answered_with_anti_mag_passages(assistant) -> None:
    answer = assistant.ask("Which treatment works for multifocal motor neuropathy with conduction block?")
    assert answer.refused and answer.citations == []


def test_a_dose_stated_only_in_a_trials_methods_is_found_not_refused(assistant) -> None:
    """The trials' chunks that a question about the drug retrieves state no dose; the dose
    is in their Methods, which the value fallback searches (Assistant._values)."""
    answer = assistant.ask("What dose of rituximab is used in anti-MAG neuropathy?")
    assert not answer.refused, answer.refusal_reason
    assert re.search(r"\d+\s*mg", answer.lead_citations[0].quote)


def test_a_share_asked_for_is_answered_by_a_share_of_what_was_asked_about(assistant) -> None:
    """ "What proportion have tremor?" is answered by "44% ... tremor", not by a sentence
    that has the word "proportion" but is about disability."""
    answer = assistant.ask("What proportion of anti-MAG patients have tremor?")
    lead = answer.lead_citations[0].quote
    assert "tremor" in lead and "%" in lead, lead


def test_helpful_asks_whether_a_treatment_works(assistant) -> None:
    """Not "... their presence helps guide treatment selection", which shares only the word."""
    answer = assistant.ask("Is rituximab helpful for anti-MAG neuropathy?")
    assert answer.lead_citations and not any(c.secondary for c in answer.lead_citations)
    assert all("rituximab" in c.quote for c in answer.lead_citations)


def test_outside_trials_is_answered_by_an_observational_study(assistant) -> None:
    """Not by the trials, whose word the question uses."""
    answer = assistant.ask("What proportion of patients improve with rituximab outside trials?")
    lead = answer.lead_citations[0]
    assert lead.study_type == "cohort" and "%" in lead.quote, answer.answer


def test_a_question_about_a_trials_design_leads_with_the_sentence_defining_it(assistant) -> None:
    """ "What was the primary outcome?" asks what the trial measured (its Methods), not
    whether the outcome was met."""
    from assistant.questions import provides

    answer = assistant.ask("What was the primary outcome of the Dalakas 2009 rituximab trial?")
    lead = answer.lead_citations[0]
    assert lead.source_id.startswith("dalakas2009")
    assert provides(lead.quote, "design"), lead.quote


def test_a_synthesis_question_also_searches_its_best_documents_findings(assistant) -> None:
    from assistant.pipeline import FINDINGS_DOCUMENTS
    from assistant.sentences import section_weight

    question = "What are the benefits and the risks of immune therapy in anti-MAG neuropathy?"
    passages = assistant.retrieve(question)
    retrieved = {p.chunk_id for p in passages}
    kb = assistant.kb
    best = list(dict.fromkeys(p.source.id for p in passages))[:FINDINGS_DOCUMENTS]
    findings = [
        kb.passage(row).chunk_id
        for doc in best
        for row in kb.generation.rows_of(doc)
        if section_weight(kb.passage(row).section) > 0
    ]
    assert findings and set(findings) <= retrieved


def test_a_secondary_restatement_is_not_quoted_for_a_value_a_primary_source_gives(assistant) -> None:
    """A sentence giving the duration asked for is always eligible; the AI-written seed's
    "improvement in disability at 8-12 months in a meta-analysis of two studies" restates
    the Cochrane review's pooled result, which is quoted."""
    answer = assistant.ask("How long does the benefit of rituximab last?")
    assert any(c.source_id == "lunn2016-cochrane" for c in answer.citations), answer.answer
    assert not any(c.secondary and "8-12 months" in c.quote for c in answer.citations), answer.answer


def test_a_superseded_review_answers_only_what_is_asked_of_it_and_says_it_is_superseded(assistant) -> None:
    """lunn2012-cochrane is marked ``superseded_by: lunn2016-cochrane`` in the corpus."""
    asked = assistant.ask("What did the Lunn 2012 Cochrane review conclude about rituximab?")
    old = [c for c in asked.citations if c.source_id == "lunn2012-cochrane"]
    assert old and all(c.superseded_by == "lunn2016-cochrane" for c in old)
    assert "superseded by lunn2016-cochrane" in asked.answer
    for question in (
        "Does rituximab help anti-MAG neuropathy?",
        "What is the randomised evidence for rituximab in anti-MAG neuropathy?",
    ):
        answer = assistant.ask(question)
        assert all(c.source_id != "lunn2012-cochrane" for c in answer.lead_citations), question
    # Nor in the evidence, once the update is quoted: a synthesis question's facets had
    # taken "At the time of the Lunn 2012 review, ..." before the 2016 review was chosen.
    answer = assistant.ask("Taken together, what is known about rituximab in anti-MAG neuropathy?")
    cited = {c.source_id for c in answer.citations}
    assert "lunn2016-cochrane" in cited and "lunn2012-cochrane" not in cited, answer.answer


def test_each_part_gets_its_bottom_line_before_any_part_takes_evidence(assistant) -> None:
    """ "... and was it met?" needs the trial's result, which the first part (its primary
    outcome) would otherwise have taken as its own evidence."""
    answer = assistant.ask("What was the primary outcome of the Dalakas rituximab trial, and was it met?")
    second = [c for c in answer.lead_citations if c.part == 1]
    assert second and second[0].source_id.startswith("dalakas2009")
    assert re.search(r"primary outcome", second[0].quote), second[0].quote


@pytest.mark.parametrize(
    "question",
    ["Does rituximab help in anti-MAG neuropathy?", "Is rituximab effective for anti-MAG neuropathy?"],
)
def test_whether_a_treatment_works_is_answered_with_the_systematic_review_s_certainty(
    assistant, question
) -> None:
    """A systematic review's certainty statement is not among the passages the question
    itself retrieves; the answer must carry it all the same."""
    answer = assistant.ask(question)
    reviews = [c for c in answer.citations if c.study_type == "systematic-review" and c.superseded_by is None]
    assert any(sentences.states_certainty(c.quote) for c in reviews), answer.answer


def test_a_part_the_sources_do_not_answer_is_said_to_be_unanswered(assistant) -> None:
    """The answer to one part must not pass for an answer to both."""
    answer = assistant.ask(
        "Does rituximab help in anti-MAG neuropathy, and how many plasma exchange sessions are needed?"
    )
    assert not answer.refused and len(answer.parts) == 2
    assert {c.part for c in answer.lead_citations} == {0}
    assert [u.part for u in answer.unanswered] == [1]
    assert answer.unanswered[0].reason.startswith(REFUSAL)
    bottom = answer.answer.split("###")[0]
    assert (
        "*How many plasma exchange sessions are needed?* The indexed sources do not cover this part."
        in bottom
    )


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("Is PLEX worth trying in anti-MAG neuropathy?", r"plasma exchange|\bPLEX\b|\bPE\b"),
        # "IVIg may give only short-term benefit" once led it on the word "give".
        ("Should I give rituximab for anti-MAG neuropathy?", r"rituximab"),
        (
            "Since most anti-MAG patients respond to rituximab, should I give it to everyone?",
            r"rituximab|immune therapy",
        ),
    ],
)
def test_a_question_on_one_treatment_is_not_led_by_a_sentence_on_another(assistant, question, asked) -> None:
    """'IVIg may give only short-term benefit' (a systematic review) once led both answers."""
    answer = assistant.ask(question)
    assert not answer.refused
    lead = " ".join(c.quote for c in answer.lead_citations)
    assert re.search(asked, lead), lead
    assert "IVIg" not in answer.lead_citations[0].quote


@pytest.mark.parametrize(
    ("question", "lead"),
    [
        ("What proportion get worse right after rituximab?", r"worsening"),
        ("How old are people usually when anti-MAG neuropathy starts?", r"age at onset"),
        ("Does the anti-MAG titre correlate with severity?", r"anti-MAG titres (?:did|do) not track"),
        ("What % of IgM MGUS neuropathy patients are anti-MAG positive?", r"\d+\s*%|half"),
        ("Does anti-MAG neuropathy shorten life?", r"no deaths?\b"),
    ],
)
def test_plain_words_reach_the_words_the_papers_use(assistant, question: str, lead: str) -> None:
    """Lay and terse wording ("get worse", "how old ... starts", "correlate", "what %")
    finds the sentence that answers it in the papers' words (worsening, age at onset,
    track, a percentage)."""
    answer = assistant.ask(question)
    assert not answer.refused, answer.refusal_reason
    assert re.search(lead, answer.lead_citations[0].quote), answer.lead_citations[0].quote


def test_a_question_no_retrieved_sentence_speaks_to_is_refused_and_says_so_truly(assistant) -> None:
    """Two sources mention nerve biopsy (its risk; antibodies found on biopsy) but none says
    what it shows; a trial's result 'in anti-MAG neuropathy' once led the answer. The
    search for the rare word finds them, and the reason says so, not that no source
    mentions biopsy."""
    answer = assistant.ask("What does a nerve biopsy show in anti-MAG neuropathy?")
    assert answer.refused and answer.citations == []
    assert "mention 'biopsy' but state nothing quotable" in (answer.refusal_reason or "")
    assert not assistant.ask("Is a nerve biopsy needed in IgM-associated neuropathy?").refused


def test_a_premise_about_most_is_not_led_by_a_sentence_that_agrees_with_it(assistant) -> None:
    """'mostly had an axonal neuropathy' (one antibody subgroup) once led the premise
    check of 'typically axonal'; the cohort's 72% demyelinating / 28% axonal contradicts it."""
    answer = assistant.ask(
        "Since anti-MAG neuropathy is typically axonal, will nerve conduction studies show only low amplitudes?"
    )
    first = next(c for c in answer.citations if c.role == "premise")
    assert "mostly had an axonal" not in first.quote
    assert "demyelinating" in first.quote
    # nor is a proposal for future trials' entry criteria evidence on what patients have
    premise = [c for c in answer.citations if c.role == "premise"]
    assert not any(sentences.plans_research(c.quote) for c in premise), answer.answer


def test_a_yes_no_question_on_a_symptom_is_led_by_a_sentence_naming_it(assistant) -> None:
    """'Is ataxia a symptom of anti-MAG neuropathy?' is not led by how the disease is
    diagnosed (which names neither ataxia nor symptoms), nor refused while a source
    speaks of ataxic neuropathy."""
    answer = assistant.ask("Is ataxia a symptom of anti-MAG neuropathy?")
    assert not answer.refused, answer.refusal_reason
    assert re.search(r"ataxi", answer.lead_citations[0].quote, re.I), answer.answer


def test_a_premise_about_one_treatment_is_not_checked_with_another_s_evidence(assistant) -> None:
    """'IVIg ... with strong trial evidence': the Léger trial's Class I evidence is on
    rituximab, and once came first in the premise check."""
    answer = assistant.ask(
        "Since IVIg is the treatment of choice for anti-MAG neuropathy with strong trial evidence, "
        "how many courses should I give?"
    )
    premise = [c.quote for c in answer.citations if c.role == "premise"]
    assert premise, answer.answer
    assert not any("rituximab" in q.lower() for q in premise), answer.answer
    assert any("IVIg" in q for q in premise), answer.answer


def test_a_premise_that_a_measure_moves_with_the_patient_is_checked_against_how_it_tracks(assistant) -> None:
    """'titres fall when patients improve' takes for granted that titres follow the
    disease; a cohort found they did not track its severity, and that is premise evidence."""
    answer = assistant.ask(
        "Given that anti-MAG titres fall when patients improve, should I repeat the titre every month?"
    )
    premise = [c for c in answer.citations if c.role == "premise"]
    assert any(re.search(r"\bd(?:o|id) not track\b", c.quote) for c in premise), answer.answer


def test_a_refusal_never_says_a_word_is_unmentioned_when_a_passage_has_it_hyphenated(assistant) -> None:
    answer = assistant.ask("interferon alpha in anti-MAG neuropathy?")
    if answer.refused:  # the reviews name interferon-alpha: no reason may say otherwise
        assert "interferon" not in (answer.refusal_reason or "").lower()
    else:
        assert any("interferon-alpha" in c.quote for c in answer.citations)


def test_a_refusal_names_what_is_missing_in_the_question_s_own_words(assistant) -> None:
    """The lexicon groups "nerve conduction" with "NCS"; no source mentions either. The
    reason says so in the words asked ('NCS' was named before), and a verb before the
    condition ("suggest anti-MAG neuropathy") is no condition of its own."""
    answer = assistant.ask("What nerve conduction findings suggest anti-MAG neuropathy?")
    assert answer.refused and answer.citations == []
    assert "No source mentions 'nerve conduction'" in (answer.refusal_reason or ""), answer.refusal_reason


def _draft_state(assistant, chunk_prefix: str, quote: str, role: str = "lead") -> dict:
    """A pipeline state whose draft claims ``quote`` from the chunk whose id starts with
    ``chunk_prefix`` and holds it, as an answerer could have written it."""
    from assistant.answer import Claim, Draft

    rows = [i for i, c in enumerate(assistant.kb.chunks) if c.id.startswith(chunk_prefix) and quote in c.text]
    passage = assistant.kb.passage(rows[0])
    claim = Claim(quote, quote, passage.chunk_id, role=role)
    return {
        "question": "q",
        "draft": Draft(claims=(claim,)),
        "passages": [passage],
        "t0": 0.0,
        "t_retrieve": 0.0,
    }


def test_a_secondary_claim_a_primary_source_restates_quotes_the_primary_source(assistant) -> None:
    """The AI-written seed says 'improvement in disability at 8-12 months in a meta-analysis
    of two studies'; the Cochrane review, which the answerer had not retrieved, says
    'pooling the two rituximab trials suggested improved disability at 8 to 12 months, but
    the certainty of this evidence was low'. The bottom line quotes the review."""
    quote = (
        "Rituximab, an anti-B-cell monoclonal antibody, has shown improvement in disability at 8-12 months"
    )
    answer = assistant.check_step(_draft_state(assistant, "seed-droracle-research", quote))
    assert [c.source_id for c in answer.lead_citations] == ["lunn2016-cochrane"]
    assert "certainty of this evidence was low" in answer.lead_citations[0].quote
    assert not any(c.secondary for c in answer.citations)
    text = assistant.kb.texts["lunn2016-cochrane"]
    assert all(text[c.start : c.end] == c.quote for c in answer.citations)
    # A secondary fact no primary source states stays, labelled secondary.
    alone = "Cytotoxic therapies are commonly used, although without an evidence base"
    answer = assistant.check_step(_draft_state(assistant, "seed-droracle-research", alone, role="evidence"))
    assert [(c.source_id, c.secondary) for c in answer.citations] == [("seed-droracle-research", True)]
    # Asked through the whole pipeline, the bottom line is the review's.
    answer = assistant.ask("What did a meta-analysis of the rituximab trials find in anti-MAG neuropathy?")
    assert answer.lead_citations and not any(c.secondary for c in answer.lead_citations)


def test_a_secondary_share_in_the_bottom_line_gives_way_to_a_primary_share_of_the_same_thing(
    assistant,
) -> None:
    """The AI-written seed says 'half of them have anti-MAG antibodies'; the Niermeijer
    cohort, which the question does not retrieve, found that 44% of its patients had them.
    The bottom line of the issue's own example question quotes the cohort."""
    answer = assistant.ask(
        "How common are anti-MAG antibodies in IgM MGUS neuropathy, and does rituximab help?"
    )
    first = [c for c in answer.lead_citations if c.part == 0]
    assert first and not any(c.secondary for c in first), answer.answer
    assert "44% of patients had antibodies" in first[0].quote
    # Quoted as evidence for something else, or as the bottom line of a question that asks
    # for no share, a secondary share is not swapped for another source's figure.
    quote = "In patients with IgM MGUS and peripheral neuropathy, half of them have anti-MAG antibodies"
    answer = assistant.check_step(_draft_state(assistant, "seed-droracle-guidelines", quote, role="evidence"))
    assert [c.source_id for c in answer.citations] == ["seed-droracle-guidelines"]
    state = _draft_state(assistant, "seed-droracle-guidelines", quote) | {
        "searched": "What is anti-MAG neuropathy?"
    }
    assert [c.source_id for c in assistant.check_step(state).citations] == ["seed-droracle-guidelines"]
    state |= {"searched": "What share of them have anti-MAG antibodies?"}
    assert [c.source_id for c in assistant.check_step(state).citations] == ["niermeijer2010-prognosis"]


def test_a_kind_of_test_no_source_speaks_of_is_not_answered_with_another_kind(assistant) -> None:
    """Two sources speak of nerve biopsy (rarely needed); none of a bone marrow biopsy.
    'Nerve biopsy is rarely needed' once led the answer to the question below."""
    answer = assistant.ask("Does every patient with anti-MAG neuropathy need a bone marrow biopsy?")
    assert answer.refused and answer.citations == []
    assert "No source mentions 'bone marrow biopsy'" in (answer.refusal_reason or ""), answer.refusal_reason
    assert not assistant.ask("Does every patient with anti-MAG neuropathy need a nerve biopsy?").refused


def test_whether_it_can_be_cured_is_answered_with_what_treatment_achieves(assistant) -> None:
    """No source says 'cured'; it was refused as 'No source mentions cured', though the
    review says what immunotherapy achieves."""
    answer = assistant.ask("Can anti-MAG neuropathy be cured?")
    assert not answer.refused, answer.refusal_reason
    assert not any(c.secondary for c in answer.lead_citations)


def test_a_question_naming_treatments_is_not_led_by_a_sentence_naming_none(assistant) -> None:
    """'... titres above 10,000 BTU better predict the typical clinical picture' shares
    'better' with the question and once led it."""
    answer = assistant.ask("Is rituximab or IVIg the better choice in anti-MAG neuropathy?")
    assert not answer.refused, answer.refusal_reason
    kinds = assistant.kb.term_kinds
    for c in answer.lead_citations:
        title = assistant.kb.sources[c.source_id].title
        assert any(k == "treatment" for k, _, _ in [*kinds.find(c.quote), *kinds.find(title)]), c.quote
    # "rituximab-treated patients" name rituximab: the cohort's response rate is no
    # sentence naming no treatment.
    answer = assistant.ask("What did Svahn find about the response to rituximab?")
    assert [c.source_id for c in answer.lead_citations] == ["svahn2018-antimag-202"]
    assert "response" in answer.lead_citations[0].quote, answer.lead_citations[0].quote


def test_a_refusal_does_not_say_no_passage_mentions_what_a_passage_mentions(assistant) -> None:
    """The IWWM-8 summary says its panel met 'in London in August 2014', in a sentence that
    describes the document and is never quoted. The refusal once said 'No retrieved passage
    mentions 'London''."""
    answer = assistant.ask("How warm is London in August?")
    assert answer.refused
    reason = answer.refusal_reason or ""
    assert "No retrieved passage mentions" not in reason, reason
    assert "mention 'London', 'August' but state nothing quotable" in reason, reason


def test_the_only_the_condition_reason_is_true_of_the_passages_found(assistant) -> None:
    """When no candidate sentence mentions what is asked but a passage found for it does
    (in a sentence never quoted: a study's aim, a heading), the reason says so rather than
    'No passage found for it mentions ...'."""
    kb = assistant.kb
    rows = [i for i, c in enumerate(kb.chunks) if "nerve biopsy" in c.text]
    passages = [kb.passage(rows[0])]
    question = "What does a nerve biopsy show in anti-MAG neuropathy?"
    reason = assistant.answerer._only_the_condition(question, [], [], passages) or ""
    assert "The passages found for it mention 'nerve' but state nothing quotable" in reason, reason
    reason = assistant.answerer._only_the_condition(question, [], [], []) or ""
    assert "No passage found for it mentions 'nerve'" in reason, reason


def test_comparing_two_tests_is_not_answered_with_verdicts_on_treatment(assistant) -> None:
    """A comparison of treatments gets a review's certainty and a treatment's harms; a
    comparison of two antibody tests got the Cochrane review's verdicts on immunotherapy."""
    answer = assistant.ask("Do anti-HNK1 titres reflect disability better than anti-MAG titres?")
    assert not answer.refused, answer.refusal_reason
    assert answer.citations and all(re.search(r"titres|HNK1", c.quote) for c in answer.citations), (
        answer.answer
    )


def test_a_sentence_answering_two_parts_leads_the_part_it_answers_best(assistant) -> None:
    """ "... and do different results mean different clinical pictures?" is answered by
    the Matà study's "different anti-MAG test results can go with different clinical
    pictures"; the first part (which tests exist) took it, and the second part was left
    with nothing, as if the two asked the same."""
    answer = assistant.ask(
        "What anti-MAG laboratory tests exist, and do different results mean different clinical pictures?"
    )
    assert len(answer.parts) == 2
    second = [c for c in answer.lead_citations if c.part == 1]
    assert second and "different clinical pictures" in second[0].quote, answer.answer
    assert not any("different clinical pictures" in c.quote for c in answer.lead_citations if c.part == 0)
    # The first part, which no other passage answers (none names an assay), says so
    # rather than vanishing.
    assert [u.part for u in answer.unanswered] == [0], answer.answer
    assert ANSWERS_ANOTHER_PART in answer.unanswered[0].reason
    assert (
        "*What anti-MAG laboratory tests exist?* The indexed sources do not cover this part." in answer.answer
    )


def test_the_name_of_the_body_that_wrote_a_source_is_no_concept(assistant) -> None:
    """Every sentence of the lab catalogue entry says "According to the Mayo Clinic
    Laboratories ...": it mentioned "laboratory" and (by stem) "clinical" for any question."""
    from assistant.answerers.extractive import concepts

    question = "Which laboratory tests matter in clinical practice?"
    answerer = assistant.answerer
    idf, unseen = assistant.kb.idf
    labels = [c.label for c in concepts(question, assistant.kb.synonyms, idf, unseen)]
    passages = assistant.retrieve("What does the Mayo Clinic Laboratories MAGES entry say about titres?")
    mayo = [c for c in answerer.candidates(question, passages) if c.text.startswith("According to the Mayo")]
    assert mayo, "the lab entry's sentences were not retrieved"
    for c in mayo:
        assert labels.index("laboratory") not in c.hits, c.text
        assert labels.index("clinical") not in c.hits or "clinical" in c.text, c.text
    # A question naming the body still finds its name.
    named = "What do the Mayo Clinic Laboratories say about titres?"
    named_labels = [c.label for c in concepts(named, assistant.kb.synonyms, idf, unseen)]
    hits = {named_labels[i] for c in answerer.candidates(named, passages) for i in c.hits if "Mayo" in c.text}
    assert {"Clinic", "Laboratories"} <= hits, hits


def test_the_certainty_beside_a_bottom_line_is_about_the_treatment_asked_about(assistant) -> None:
    """A question whether to treat gets the certainty of the evidence beside its bottom
    line; for "Does plasma exchange work?" that was the Léger trial's "Class I evidence that
    rituximab does not improve the INCAT sensory score", which says nothing of plasma exchange."""
    answer = assistant.ask("Does plasma exchange work for anti-MAG neuropathy?")
    assert not answer.refused, answer.refusal_reason
    assert all("rituximab" not in c.quote.lower() for c in answer.lead_citations), answer.answer


def test_evidence_shares_more_with_the_question_than_the_corpus_s_condition(assistant) -> None:
    """ "Is ataxia a feature of anti-MAG neuropathy?" was supported by "The Svahn 2018 authors
    suggested that rituximab may be best used early in the course of anti-MAG neuropathy",
    which shares only the condition with it: in a pool of three sentences, the condition
    seemed to tell them apart."""
    answer = assistant.ask("Is ataxia a feature of anti-MAG neuropathy?")
    assert not answer.refused, answer.refusal_reason
    assert answer.lead_citations, answer.answer
    for c in answer.citations:
        assert re.search(r"atax|unsteady|balance|gait|feature|characteri", c.quote, re.I), c.quote
