"""Choosing sentences: support, stronger sources, the bottom line (assistant.selection).

Pure functions over hand-made candidates (plain vectors, no model), so each rule is seen
on its own.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from assistant import selection
from assistant.abbreviations import Synonyms
from assistant.answerers.extractive import Concept, concept_hits, concepts, unsaid_kinds
from assistant.passages import Passage, Source
from assistant.selection import Candidate


def source(doc: str, study_type: str) -> Source:
    return Source(id=doc, kind="research", title=doc, authors=("A",), year=2020, study_type=study_type)


def own_score(c: Candidate) -> float:
    """A sentence's support when it is the only quotable sentence of its document."""
    return c.similarity + selection.COVERAGE_WEIGHT * c.coverage


def candidate(
    text: str,
    *,
    doc: str = "trial",
    study_type: str = "rct",
    superseded_by: str | None = None,
    similarity: float = 0.6,
    vector: tuple[float, ...] = (1.0, 0.0, 0.0),
    start: int = 0,
    strength: int = 4,
    hits: frozenset[int] = frozenset({0}),
) -> Candidate:
    passage = Passage(
        chunk_id=f"{doc}#0000",
        row=0,
        source=replace(source(doc, study_type), superseded_by=superseded_by),
        section="Results",
        start=0,
        end=500,
        text=text,
    )
    v = np.asarray(vector, dtype=np.float32)
    return Candidate(
        passage=passage,
        text=text,
        start=start,
        end=start + len(text),
        similarity=similarity,
        hits=hits,
        weights=(1.0, 1.0),
        vector=v / np.linalg.norm(v),
        strength=strength,
    )


def label_index(found: list[Concept], label: str) -> int:
    """The index of the question concept labelled ``label``."""
    return next(i for i, c in enumerate(found) if c.label == label)


def ai_answer(text: str, vector: tuple[float, ...] = (1.0, 0.0, 0.0)) -> Candidate:
    """A sentence of an AI-written answer: a secondary source, the lowest evidence level."""
    return candidate(text, doc="ai", study_type="secondary", vector=vector, strength=0)


def test_support_is_the_best_score_among_quotable_sentences_giving_the_value_asked() -> None:
    weak = candidate("Rituximab was studied.", similarity=0.25, hits=frozenset({0, 1}))
    wordy = candidate("Rituximab helped some patients.", similarity=0.7)
    dose = candidate("Rituximab was given at 375 mg/m2.", similarity=0.5)
    assert selection.support([weak], None) == 0.0  # below MIN_SIMILARITY: never quotable
    assert selection.support([weak, wordy, dose], None) == own_score(wordy)
    assert selection.support([weak, wordy, dose], "dose") == own_score(dose)


def test_support_counts_what_a_document_s_sentences_mention_together() -> None:
    """Concept 0 is the drug, concept 1 the harm: one study naming each in its own
    sentence speaks to the question; two unrelated studies naming one each do not."""
    drug = candidate("The QT interval changed with the drug.", doc="study", hits=frozenset({0}))
    harm = candidate("Arrhythmia increased in children.", doc="study", hits=frozenset({1}), similarity=0.5)
    assert selection.support([drug, harm], None) == pytest.approx(0.6 + selection.COVERAGE_WEIGHT * 1.0)
    elsewhere = replace(harm, passage=replace(harm.passage, source=source("other", "cohort")))
    assert selection.support([drug, elsewhere], None) == pytest.approx(own_score(drug))
    # a sentence too far from the question adds nothing to its document's coverage
    far = replace(harm, similarity=0.2)
    assert selection.support([drug, far], None) == pytest.approx(own_score(drug))


def test_evidence_comes_from_documents_naming_enough_of_what_the_lead_s_document_names() -> None:
    """Weights (1, 1): the lead's study names both concepts, a cohort one, a far study
    one but only in a sentence too far from the question to count."""
    lead = candidate("Drug X halved relapses.", doc="trial", hits=frozenset({0, 1}))
    cohort = candidate("Relapses were common.", doc="cohort", hits=frozenset({1}))
    far = candidate("Relapse after hip surgery was rare.", doc="hip", hits=frozenset({1}), similarity=0.2)
    hip = candidate("Hip pain was studied.", doc="hip", hits=frozenset())
    scored = [lead, cohort, far, hip]
    assert selection.document_coverage(scored) == {"trial": 1.0, "cohort": 0.5, "hip": 0.0}
    assert selection.as_covered([cohort, hip], [lead], scored, share=0.4) == [cohort]
    assert selection.as_covered([cohort, hip], [lead], scored, share=0.6) == []


def test_a_fallback_search_s_sentence_changes_no_retrieved_sentence_s_probability() -> None:
    """Ranked against the retrieved sentences, not among them: the ranker's relative
    features (how few sentences name a concept, the gap to the best) stay as they were."""
    retrieved = [
        candidate("Rituximab lowered the titres.", similarity=0.7, hits=frozenset({0})),
        candidate("Rituximab helped some patients.", similarity=0.5, hits=frozenset({0, 1}), doc="cohort"),
    ]
    found = candidate(
        "Rituximab was compared with placebo.", similarity=0.9, hits=frozenset({1}), doc="review"
    )
    added = replace(found, passage=replace(found.passage, added=True))
    before = selection.relevance(retrieved)
    after = selection.relevance([*retrieved, added])
    assert all(after[id(c)] == pytest.approx(before[id(c)]) for c in retrieved)
    # Ranked among them, the same sentence would have moved the others' probabilities.
    among = selection.relevance([*retrieved, found])
    assert any(among[id(c)] != pytest.approx(before[id(c)]) for c in retrieved)
    assert after[id(added)] > 0.0


def test_the_same_claim_from_a_weaker_source_is_dropped() -> None:
    rank: dict[int, float] = {}
    trial = candidate("Rituximab did not improve the primary outcome.", doc="trial", strength=4)
    series = candidate(
        "Rituximab did not improve the primary outcome.", doc="series", study_type="case-series", strength=1
    )
    for c in (trial, series):
        rank[id(c)] = 0.5
    assert selection.keep_stronger([series, trial], rank) == [trial]


def test_secondary_text_close_to_a_primary_sentence_is_dropped() -> None:
    primary = candidate("Pooled trials suggested benefit, with low certainty.", vector=(1.0, 0.1, 0.0))
    secondary = ai_answer("A meta-analysis showed benefit.", vector=(1.0, 0.2, 0.0))
    unrelated = ai_answer("It was first described in 1980.", vector=(0.0, 0.0, 1.0))
    rank = {id(c): 0.5 for c in (primary, secondary, unrelated)}
    assert selection.keep_stronger([primary, secondary, unrelated], rank) == [primary, unrelated]


def test_two_sentences_reporting_different_figures_are_different_claims() -> None:
    """Alike in meaning and words, but one reports a share the other does not: both stay."""
    grouping = candidate("In the cohort, low titres were measured in titre units in the low band.")
    share = candidate(
        "In the cohort, 11% of patients had low titres, measured in titre units, in the low band."
    )
    assert selection.word_overlap(grouping.text, share.text) >= selection.SAME_WORDS
    assert not selection.same_claim(grouping, share)
    # The same figures in other words are still one claim.
    reworded = candidate(
        "In the cohort, 11% of the patients had low titres, measured in titre units, in the low band."
    )
    assert selection.same_claim(share, reworded)


def test_what_a_named_study_found_is_an_outcome_not_how_it_was_analysed() -> None:
    method = candidate("The primary analysis of the trial was by intention to treat.")
    outcome = candidate("The trial was negative on its primary outcome.", vector=(0.0, 1.0, 0.0))
    rank = {id(method): 0.80, id(outcome): 0.70}
    named = frozenset({"trial"})
    assert selection.choose_lead([method, outcome], rank, asked=None, treat=False, named=named)[0] is outcome
    # A question that names no source keeps the likelier sentence.
    assert selection.choose_lead([method, outcome], rank, asked=None, treat=False)[0] is method
    # A value written as a word is a value too ("included eight trials").
    included = candidate("The review included eight trials.", doc="review")
    pooled = candidate("Pooling the 2 trials suggested benefit.", doc="review", vector=(0.0, 1.0, 0.0))
    rank = {id(included): 0.84, id(pooled): 0.15}
    review = frozenset({"review"})
    lead = selection.choose_lead([included, pooled], rank, asked="number", treat=False, named=review)
    assert lead[0] is included


def test_secondary_text_stating_a_primary_sentence_s_figures_in_other_words_is_dropped() -> None:
    """Far apart in meaning (cosine 0), but every figure of the secondary sentence is the
    primary one's: a restatement. One shared figure is a coincidence."""
    primary = candidate("Pooling the two trials suggested improved disability at 8 to 12 months.")
    restated = ai_answer("A meta-analysis showed improvement at 8-12 months.", vector=(0.0, 0.0, 1.0))
    other = ai_answer("Half of the patients improved within 12 months of onset.", vector=(0.0, 1.0, 0.0))
    rank = {id(c): 0.5 for c in (primary, restated, other)}
    assert selection.keep_stronger([primary, restated, other], rank) == [primary, other]


def test_a_restatement_is_as_close_as_asked_or_states_every_figure() -> None:
    """``restates`` serves the candidates (``covers``) and the whole corpus (where only
    the same claim, or every figure, will do: ``overlap=1.0``)."""
    primary = "Pooling the two trials suggested improved disability at 8 to 12 months."
    assert selection.restates(primary, "Improvement at 8-12 months in a meta-analysis.", 0.1, overlap=1.0)
    assert not selection.restates(primary, "Half improved within 12 months.", 0.1, overlap=1.0)
    assert not selection.restates(primary, "Half improved within 6 to 12 months.", 0.1, overlap=1.0)
    assert selection.restates(primary, "A meta-analysis showed benefit.", 0.75)
    assert not selection.restates(primary, "A meta-analysis showed benefit.", 0.75, overlap=1.0)


def test_the_bottom_line_prefers_a_primary_source_among_the_most_likely() -> None:
    secondary = ai_answer("Rituximab helps.")
    trial = candidate("Rituximab did not improve the primary outcome.", vector=(0.0, 1.0, 0.0))
    far = candidate("Rituximab was well tolerated.", doc="cohort", vector=(0.0, 0.0, 1.0))
    rank = {id(secondary): 0.80, id(trial): 0.70, id(far): 0.30}
    lead = selection.choose_lead([secondary, trial, far], rank, asked=None, treat=False)
    assert lead[0] is trial


def test_a_primary_sentence_saying_less_of_the_question_does_not_displace_a_secondary_one() -> None:
    """Concept 0 is the titre, concept 1 the response to treatment: the guideline sentence
    on IgG paraproteins names only the response, the secondary one both."""
    secondary = ai_answer("Higher titres go with a response to therapy.")
    secondary = replace(secondary, hits=frozenset({0, 1}))
    guideline = candidate("IgG neuropathy resembles CIDP in its response to treatment.", hits=frozenset({1}))
    rank = {id(secondary): 0.43, id(guideline): 0.30}
    assert selection.choose_lead([secondary, guideline], rank, asked=None, treat=False)[0] is secondary
    on_titres = candidate("Responders had high titres.", doc="cohort", hits=frozenset({0, 1}))
    rank[id(on_titres)] = 0.30
    lead = selection.choose_lead([secondary, guideline, on_titres], rank, asked=None, treat=False)
    assert lead[0] is on_titres


def test_a_bottom_line_turning_from_the_sentence_before_it_comes_after_that_sentence() -> None:
    overall = candidate("In the baseline analysis, fixation was not cost-effective.", similarity=0.4)
    subgroup = candidate(
        "However, fixation was cost-effective in women under 75.", start=60, vector=(0.0, 1.0, 0.0)
    )
    rank = {id(subgroup): 0.8, id(overall): 0.3}
    lead = selection.choose_lead([subgroup], rank, asked=None, treat=False, caveats=[overall, subgroup])
    assert lead == [overall, subgroup]
    plain = replace(subgroup, text="Fixation was cost-effective in women under 75.")
    rank[id(plain)] = 0.8
    assert selection.choose_lead([plain], rank, asked=None, treat=False, caveats=[overall, plain]) == [plain]


def test_what_was_known_at_a_past_time_does_not_lead_when_a_current_statement_is_eligible() -> None:
    dated = candidate("At the time of the 2012 review, the evidence rested on a single trial.")
    current = candidate(
        "Neither randomised trial met its primary outcome.", doc="review", vector=(0.0, 1.0, 0.0)
    )
    rank = {id(dated): 0.80, id(current): 0.70}
    assert selection.choose_lead([dated, current], rank, asked=None, treat=False)[0] is current
    # However much likelier it is: any eligible current statement leads instead.
    rank = {id(dated): 0.80, id(current): 0.40}
    assert selection.choose_lead([dated, current], rank, asked=None, treat=False)[0] is current
    # Unless the question asks about the source it dates.
    named = frozenset({"trial"})
    assert selection.choose_lead([dated, current], rank, asked=None, treat=False, named=named)[0] is dated
    # Alone, it still answers.
    assert selection.choose_lead([dated], {id(dated): 0.8}, asked=None, treat=False)[0] is dated


def test_a_study_s_set_up_does_not_lead_when_a_finding_is_at_hand() -> None:
    gap = replace(
        candidate("Whether the device alters the ECG is still unclear.", vector=(0.0, 1.0, 0.0)),
        section=-1,
    )
    gap = replace(gap, passage=replace(gap.passage, section="Background"))
    finding = replace(candidate("The device reduced the heart rate."), section=1)
    rank = {id(gap): 0.80, id(finding): 0.70}
    assert selection.choose_lead([gap, finding], rank, asked=None, treat=False)[0] is finding
    # Alone, it still leads; and a guideline's Scope may lead.
    assert selection.choose_lead([gap], {id(gap): 0.8}, asked=None, treat=False)[0] is gap
    scope = replace(gap, passage=replace(gap.passage, section="Scope"))
    rank = {id(scope): 0.80, id(finding): 0.70}
    assert selection.choose_lead([scope, finding], rank, asked=None, treat=False)[0] is scope
    # Far below it, the finding is no answer; from the same study, it still is.
    rank = {id(gap): 0.80, id(finding): 0.10}
    assert selection.choose_lead([gap], rank, asked=None, treat=False, caveats=[gap, finding])[0] is finding
    other_study = replace(finding, passage=replace(finding.passage, source=source("cohort", "cohort")))
    rank = {id(gap): 0.80, id(other_study): 0.10}
    assert selection.choose_lead([gap], rank, asked=None, treat=False, caveats=[gap, other_study])[0] is gap


def test_a_call_for_more_research_gives_way_to_what_the_same_study_found() -> None:
    call = replace(candidate("The authors called for a larger trial to confirm their findings."), section=1)
    finding = replace(
        candidate("The walking time favoured rituximab in the trial.", vector=(0.0, 1.0, 0.0)), section=1
    )
    rank = {id(call): 0.80, id(finding): 0.30}
    lead = selection.choose_lead([call], rank, asked=None, treat=False, caveats=[call, finding])
    assert lead[0] is finding
    # With nothing else from the study, it still answers.
    assert selection.choose_lead([call], rank, asked=None, treat=False, caveats=[call])[0] is call
    # ... unless another study's eligible sentence does, however far below.
    other = replace(
        candidate("The diagnosis rests on the antibody test.", doc="cohort", vector=(0.0, 0.0, 1.0)),
        section=1,
    )
    rank = {id(call): 0.80, id(other): 0.30}
    assert (
        selection.choose_lead([call, other], rank, asked=None, treat=False, caveats=[call, other])[0] is other
    )


def test_a_superseded_review_does_not_lead_and_gives_way_to_the_same_claim_elsewhere() -> None:
    old = candidate("No treatment is supported by trials.", doc="review-2012", superseded_by="review-2016")
    new = candidate(
        "Rituximab did not improve the primary outcome.", doc="review-2016", vector=(0.0, 1.0, 0.0)
    )
    rank = {id(old): 0.80, id(new): 0.70}
    assert selection.choose_lead([old, new], rank, asked=None, treat=False)[0] is new
    same = candidate("No treatment is supported by trials.", doc="cohort", strength=3)
    rank[id(same)] = 0.5
    assert selection.keep_stronger([old, same], rank) == [same]  # weaker evidence, but current
    # A secondary source saying the same as only a superseded one: the claim is kept once.
    ai = ai_answer("No treatment is supported by trials.")
    rank[id(ai)] = 0.5
    assert len(selection.keep_stronger([old, ai], rank)) == 1


def test_a_bonus_lifts_a_sentence_into_the_bottom_line() -> None:
    """A synthesis question's facets ("screening" in a work-up) add to a sentence's claim."""
    symptom = candidate("Tremor is common in the disease.")
    advice = candidate("Every patient should be screened for lymphoma.", doc="guide", vector=(0.0, 1.0, 0.0))
    rank = {id(symptom): 0.60, id(advice): 0.50}
    assert selection.choose_lead([symptom, advice], rank, asked=None, treat=False)[0] is symptom
    lifted = selection.choose_lead([symptom, advice], rank, asked=None, treat=False, bonus={id(advice): 0.15})
    assert lifted[0] is advice


def test_a_sentence_to_avoid_leads_only_when_nothing_else_is_eligible() -> None:
    """The answerer avoids sentences on a treatment other than the one asked about."""
    other = candidate("IVIg may give short-term benefit.", doc="review", strength=5)
    asked = candidate("Plasma exchange has unproven benefit.", doc="ai", vector=(0.0, 1.0, 0.0))
    rank = {id(other): 0.80, id(asked): 0.40}  # far below: outside the lead margin
    assert selection.choose_lead([other, asked], rank, asked=None, treat=False)[0] is other
    chosen = selection.choose_lead([other, asked], rank, asked=None, treat=False, avoid={id(other)})
    assert chosen[0] is asked
    assert selection.choose_lead([other], rank, asked=None, treat=False, avoid={id(other)})[0] is other


def test_a_question_asking_for_a_value_leads_with_a_sentence_giving_it() -> None:
    likely = candidate("Rituximab was effective in some patients.")
    dose = candidate("Rituximab was given at 375 mg/m2 weekly.", vector=(0.0, 1.0, 0.0))
    rank = {id(likely): 0.9, id(dose): 0.4}
    assert selection.choose_lead([likely, dose], rank, asked="dose", treat=False)[0] is dose


def test_the_bottom_line_brings_the_caveat_that_follows_it() -> None:
    lead = candidate("Very high titres are diagnostic.", start=0)
    caveat = candidate(
        "However, intermediate titres also occur in other neuropathies.", start=40, similarity=0.35
    )
    other = candidate("Titres were measured by ELISA.", doc="lab", vector=(0.0, 1.0, 0.0))
    rank = {id(lead): 0.8, id(other): 0.7}  # the caveat alone is not eligible
    chosen = selection.choose_lead(
        [lead, other], rank, asked=None, treat=False, caveats=[lead, caveat, other]
    )
    assert chosen == [lead, caveat]


def test_a_question_whether_to_treat_gets_the_certainty_of_the_evidence() -> None:
    verdict = candidate("Rituximab improved disability at 8 months.")
    certainty = candidate(
        "The certainty of the evidence was low.",
        doc="review",
        study_type="systematic-review",
        vector=(0.0, 1.0, 0.0),
    )
    certainty = replace(certainty, certainty=True)
    rank = {id(verdict): 0.8, id(certainty): 0.5}
    assert selection.choose_lead([verdict, certainty], rank, asked=None, treat=True) == [verdict, certainty]
    assert selection.choose_lead([verdict, certainty], rank, asked=None, treat=False) == [verdict]
    # A trial rating its own evidence ("Class I") still gets the stronger source's certainty;
    # a weaker source's does not follow a stronger one's.
    trial = replace(candidate("Our trial is Class I evidence that rituximab does not help."), certainty=True)
    review = replace(certainty, strength=5)
    rank = {id(trial): 0.8, id(review): 0.5}
    assert selection.choose_lead([trial, review], rank, asked=None, treat=True) == [trial, review]
    rank = {id(trial): 0.5, id(review): 0.8}
    assert selection.choose_lead([trial, review], rank, asked=None, treat=True) == [review]
    # Strongest evidence first: a secondary lead comes after the primary certainty it gets.
    seed = ai_answer("Antibodies help guide treatment selection.", vector=(0.0, 0.0, 1.0))
    rank = {id(seed): 0.8, id(certainty): 0.5}
    assert selection.choose_lead([seed, certainty], rank, asked=None, treat=True) == [certainty, seed]


def test_evidence_is_diverse_and_bounded_per_source() -> None:
    base = candidate("Finding one.", start=0)
    twin = candidate("Finding one, again.", start=20, vector=(1.0, 0.01, 0.0))
    second = candidate("Finding two.", start=40, vector=(0.0, 1.0, 0.0))
    third = candidate("Finding three.", start=60, vector=(0.0, 0.0, 1.0))
    rank = {id(base): 0.9, id(twin): 0.85, id(second): 0.6, id(third): 0.55}
    picked = selection.choose_evidence([base, twin, second, third], rank, chosen=[base], limit=3)
    assert twin not in picked  # says what the chosen sentence says
    assert len(picked) <= selection.MAX_PER_SOURCE


def test_an_earlier_review_gives_no_evidence_once_its_update_is_quoted() -> None:
    update = candidate("Pooling two trials suggested benefit, with low certainty.", doc="review-2016")
    old = candidate(
        "At the time, the evidence rested on one trial.",
        doc="review-2012",
        superseded_by="review-2016",
        vector=(0.0, 1.0, 0.0),
    )
    other = candidate("A cohort found a response in a third.", doc="cohort", vector=(0.0, 0.0, 1.0))
    rank = {id(update): 0.9, id(old): 0.8, id(other): 0.5}
    assert old not in selection.choose_evidence([update, old, other], rank, chosen=[update], limit=3)
    # Without its update quoted, or asked about by name, it may still inform.
    assert old in selection.choose_evidence([old, other], rank, chosen=[other], limit=3)
    named = frozenset({"review-2012"})
    assert old in selection.choose_evidence([update, old, other], rank, chosen=[update], limit=3, named=named)


def test_a_synonym_group_s_two_words_are_not_joined_into_the_corpus_s_compound() -> None:

    idf = {"side-effect": 5.0, "interferon-alpha": 4.0}
    syn = Synonyms([("adverse events", "side effects")])
    found = concepts("What are the side effects of rituximab?", syn, idf, 5.0)
    assert [c.label for c in found][:1] == ["adverse events"]
    # Words no group names are still joined as the corpus writes them.
    assert "interferon-alpha" in [c.label for c in concepts("Does interferon alpha help?", syn, idf, 5.0)]


def test_framing_phrases_are_not_concepts_of_the_question() -> None:

    labels = [c.label for c in concepts("How does the neuropathy progress over time?", Synonyms(), {}, 5.0)]
    assert labels == ["neuropathy", "progress"]
    labels = [c.label for c in concepts("How long does it take to respond?", Synonyms(), {}, 5.0)]
    assert "long" in labels and "take" in labels
    # A qualifier of what is asked for: the typical features are the features.
    labels = [
        c.label for c in concepts("What are the typical clinical features of gout?", Synonyms(), {}, 5.0)
    ]
    assert labels == ["clinical", "features", "gout"]
    labels = [c.label for c in concepts("Which atypical presentations occur?", Synonyms(), {}, 5.0)]
    assert labels == ["atypical", "presentations", "occur"]
    # Reporting verbs frame what is asked about: "conclude" is no concept of IVIg's effect.
    labels = [c.label for c in concepts("What did the review conclude about IVIg?", Synonyms(), {}, 5.0)]
    assert labels == ["review", "IVIg"]
    labels = [c.label for c in concepts("Will the studies find only low amplitudes?", Synonyms(), {}, 5.0)]
    assert labels == ["studies", "find", "low", "amplitudes"]
    # "Among smokers, how many ...?" names the smokers; "among" is no concept (weighing
    # as much as an unseen word, it had a lead on the smokers refused).
    labels = [c.label for c in concepts("Among smokers, how many have the antibodies?", Synonyms(), {}, 5.0)]
    assert labels == ["smokers", "antibodies"]
    # "Are X found in healthy people?" asks whether X occur there: "found" is the question's verb.
    labels = [c.label for c in concepts("Are the antibodies found in smokers?", Synonyms(), {}, 5.0)]
    assert labels == ["antibodies", "smokers"]
    # "What titre is considered significant?" asks for a titre, not for who considers what.
    labels = [c.label for c in concepts("What titre is considered significant?", Synonyms(), {}, 5.0)]
    assert labels == ["titre", "significant"]
    # "Should I give X?" asks about X, not about what gives what.
    assert "give" not in [c.label for c in concepts("Should I give rituximab?", Synonyms(), {}, 5.0)]
    # "What does a biopsy show?" asks for findings: "show" stays.
    assert "show" in [c.label for c in concepts("What does a biopsy show?", Synonyms(), {}, 5.0)]
    # "Which findings suggest X?" asks for the findings of X: a sentence saying the authors
    # "suggested" something answers nothing; "the role of X" asks about X.
    labels = [c.label for c in concepts("Which scan findings suggest gout?", Synonyms(), {}, 5.0)]
    assert labels == ["scan", "findings", "gout"]
    labels = [c.label for c in concepts("What is the role of colchicine in gout?", Synonyms(), {}, 5.0)]
    assert labels == ["colchicine", "gout"]
    # "Should every patient get X?" asks about X: "every patient be screened" is no answer.
    labels = [c.label for c in concepts("Should every patient get colchicine?", Synonyms(), {}, 5.0)]
    assert labels == ["colchicine"]
    # Hedges frame the question: "still" and "possible" are no concepts.
    labels = [c.label for c in concepts("Is there still a need for colchicine?", Synonyms(), {}, 5.0)]
    assert labels == ["need", "colchicine"]
    labels = [c.label for c in concepts("How is the urate test done?", Synonyms(), {}, 5.0)]
    assert labels == ["urate", "test"]
    # "rule out" asks whether a test excludes the condition: no sentence says "rule".
    labels = [c.label for c in concepts("Does a normal urate rule out gout?", Synonyms(), {}, 5.0)]
    assert labels == ["normal", "urate", "gout"]


def test_supporting_sentences_must_mention_what_singles_the_question_out() -> None:
    """Concept 0 is the topic (every candidate mentions it); concept 1 the detail asked."""
    lead = candidate("Plasma exchange helped in the trial.", hits=frozenset({0, 1}), vector=(1.0, 0.0, 0.0))
    detail = candidate("Plasma exchange gave short benefit.", hits=frozenset({0, 1}), vector=(0.0, 1.0, 0.0))
    topic = candidate("The neuropathy is slowly progressive.", hits=frozenset({0}), vector=(0.0, 0.0, 1.0))
    pool = [lead, detail, topic]
    assert selection.telling_concepts(pool) == {1}
    rank = {id(c): 0.8 for c in pool}
    assert selection.choose_evidence(pool, rank, chosen=[lead], limit=3) == [detail]
    # When no concept tells the candidates apart, none is filtered out.
    alike = [lead, replace(topic, hits=frozenset({0, 1}))]
    assert selection.choose_evidence(alike, rank | {id(alike[1]): 0.8}, chosen=[lead], limit=3) == [alike[1]]


def test_a_concept_no_candidate_mentions_does_not_make_every_sentence_filler() -> None:
    """Concept 2 (say, a word the corpus never uses) has the greatest focus weight, since no
    candidate mentions it; it must not push the mentioned concepts below the share."""
    topic = [
        candidate(f"Sentence {i}.", doc=f"study{i}", hits=frozenset({0, 1}), vector=(1.0, float(i), 0.0))
        for i in range(8)
    ]
    rare = [candidate(f"Other {i}.", hits=frozenset({0}), vector=(0.0, 1.0, float(i))) for i in range(2)]
    pool = [replace(c, weights=(1.0, 1.0, 1.0)) for c in [*topic, *rare]]
    assert selection.telling_concepts(pool) == {1}
    rank = {id(c): 0.8 for c in pool}
    assert len(selection.choose_evidence(pool, rank, chosen=[pool[0]], limit=3)) == 3


def test_two_words_the_corpus_writes_hyphenated_are_one_concept() -> None:

    idf = {"interferon-alpha": 3.0, "trial": 1.0}
    found = concepts("Was interferon alpha tested in a trial?", Synonyms(), idf, 5.0)
    assert [c.label for c in found] == ["interferon-alpha", "tested", "trial"]
    sentence = "Two trials tested interferon-alpha against placebo."
    assert {found[i].label for i in concept_hits(sentence, found)} >= {"interferon-alpha"}
    # Words the corpus does not write hyphenated stay two concepts.
    assert {"interferon", "beta"} <= {c.label for c in concepts("interferon beta?", Synonyms(), idf, 5.0)}
    # Nor is a function word joined to the next one: "in-breast recurrence" in some
    # document does not make "disparities in breast cancer" ask about "in-breast".
    idf["in-breast"] = 4.0
    labels = [c.label for c in concepts("Disparities in breast cancer?", Synonyms(), idf, 5.0)]
    assert "breast" in labels and "in-breast" not in labels


def test_a_name_and_participle_compound_is_also_said_in_two_words() -> None:
    """ "rituximab-treated patients" are what "rituximab was followed by worsening in 12%
    of treated patients" speaks of; an ordinary compound needs its own spelling."""

    idf = {"rituximab-treat": 4.0, "rituximab": 2.0, "treat": 1.0, "interferon-alpha": 3.0}
    found = concepts("How many rituximab-treated patients got interferon-alpha?", Synonyms(), idf, 5.0)
    hits = concept_hits("Rituximab was followed by worsening in 12% of treated patients.", found)
    assert "rituximab-treated" in {found[i].label for i in hits}
    hits = concept_hits("Interferon was given with alpha blockers.", found)
    assert "interferon-alpha" not in {found[i].label for i in hits}


def test_a_hyphenated_word_mentions_its_parts_only_when_asked() -> None:

    found = concepts("Was interferon tested?", Synonyms(), {"interferon": 2.0}, 5.0)
    sentence = "Trials tested interferon-alpha."
    labels = lambda hits: {found[i].label for i in hits}  # noqa: E731
    assert "interferon" not in labels(concept_hits(sentence, found))
    assert "interferon" in labels(concept_hits(sentence, found, word_parts=True))


def test_an_atypical_phenotype_is_no_mention_of_the_phenotype_asked_about() -> None:

    asked = concepts("What is the phenotype of gout?", Synonyms(), {}, 5.0)
    assert concept_hits("The phenotype of gout is usually acute arthritis.", asked) == {0, 1}
    assert concept_hits("Atypical phenotypes of gout include tophi.", asked) == {1}
    # Unless the question asks about atypical ones.
    atypical = concepts("Which atypical phenotypes of gout occur?", Synonyms(), {}, 5.0)
    assert len(concept_hits("Atypical phenotypes of gout include tophi.", atypical)) == 3


def test_a_trial_s_arms_are_no_mention_of_the_arms_asked_about() -> None:

    asked = concepts("Does gout affect the arms?", Synonyms(), {}, 5.0)
    arms = label_index(asked, "arms")
    assert arms in concept_hits("Gout rarely affects the arms.", asked)
    assert arms not in concept_hits("Pain fell in both the colchicine and placebo arms.", asked)
    # Unless the question is about a trial.
    trial = concepts("Did both placebo arms of the gout trial improve?", Synonyms(), {}, 5.0)
    arms = label_index(trial, "arms")
    assert arms in concept_hits("Pain fell in both the colchicine and placebo arms.", trial)


def test_a_concept_narrowed_by_words_no_source_uses_names_another_kind() -> None:

    idf = {"nerv": 2.0, "biopsi": 3.0, "need": 2.5}
    question = "Is a bone marrow biopsy needed?"
    found = concepts(question, Synonyms(), idf, 5.0)
    kinds = unsaid_kinds(question, found, idf)
    assert {found[i].label: kind for i, kind in kinds.items()} == {"biopsy": "bone marrow biopsy"}
    # A nerve biopsy is one the sources speak of; "sural" narrows the nerve, not the biopsy.
    question = "Is a sural nerve biopsy needed?"
    found = concepts(question, Synonyms(), idf, 5.0)
    assert {found[i].label for i in unsaid_kinds(question, found, idf)} == {"nerve"}


def test_a_primary_share_of_the_same_thing_stands_in_for_a_secondary_one() -> None:
    secondary = "In patients with IgM MGUS and peripheral neuropathy, half of them have anti-MAG antibodies."
    primary = (
        "In the cohort, 44% of patients had antibodies against myelin-associated glycoprotein (anti-MAG)."
    )
    assert selection.same_measure(primary, secondary, similarity=0.63)
    assert not selection.same_measure(primary, secondary, similarity=0.3)  # too far apart in meaning
    # a share of something else: neuropathy, not antibodies; or the condition alone
    other = "Peripheral neuropathy is common in IgM monoclonal gammopathy and develops in about half of such patients."
    assert not selection.same_measure(other, secondary, similarity=0.64)
    titres = "In the cohort, 11% of patients had low anti-MAG titres."
    assert not selection.same_measure(
        titres, "Half of anti-MAG patients respond to rituximab.", similarity=0.6
    )


def test_being_present_is_no_presentation() -> None:
    """Both stem to "present": "antibodies are present in 50-70%" answered which
    presentations should prompt a test."""

    asked = concepts("What are the presentations of gout?", Synonyms(), {}, 5.0)
    shown = label_index(asked, "presentations")
    assert shown in concept_hits("Gout presentations include acute arthritis.", asked)
    assert shown in concept_hits("Patients presented with acute arthritis of gout.", asked)
    assert shown not in concept_hits("Tophi were present in 20% of patients with gout.", asked)
    # Unless the question asks whether something is present.
    present = concepts("Are tophi present in gout?", Synonyms(), {}, 5.0)
    found = label_index(present, "present")
    assert found in concept_hits("Tophi were present in 20% of patients with gout.", present)


def test_an_analysis_after_and_what_followed_are_no_time_or_follow_up() -> None:

    asked = concepts("After colchicine, should I follow urate levels?", Synonyms(), {}, 5.0)
    after = label_index(asked, "After")
    follow = label_index(asked, "follow")
    assert after in concept_hits("Urate fell after colchicine.", asked)
    assert after not in concept_hits("After adjustment for age, urate was higher.", asked)
    assert after not in concept_hits("After excluding one patient, the difference was significant.", asked)
    assert follow in concept_hits("Urate levels were followed for a year.", asked)
    assert follow not in concept_hits("Colchicine was followed by diarrhoea in 10%.", asked)


def test_a_sentence_far_in_meaning_is_eligible_only_to_elaborate_a_close_document() -> None:
    """ "Atypical phenotypes included ... 12.4%" names the question but is far from it in
    meaning; after its cohort's "17% had an atypical phenotype" it is evidence. Alone, or
    naming little of the question, it is not."""
    close = candidate(
        "About 17% of the cohort had an atypical phenotype.",
        doc="cohort",
        similarity=0.45,
        hits=frozenset({0, 1}),
    )
    elaboration = candidate(
        "Atypical phenotypes in the cohort included polyradiculoneuropathy in 12.4%.",
        doc="cohort",
        similarity=0.2,
        hits=frozenset({0, 1}),
    )
    stranger = replace(elaboration, passage=candidate("x", doc="elsewhere").passage)
    vague = replace(elaboration, hits=frozenset({0}))
    far = replace(elaboration, similarity=0.1)
    eligible, _ = selection.eligible_candidates([close, elaboration, stranger, vague, far])
    assert sorted(eligible, key=lambda c: c.similarity) == [elaboration, close]
    assert selection.elaborates(elaboration) and not selection.elaborates(close)
    assert not selection.eligible_candidates([stranger])[0]


def test_a_sentence_elaborating_a_close_document_is_never_the_bottom_line() -> None:
    """On real abstracts, 'Guidelines need to be adopted to ensure prompt ... stroke care'
    (cosine 0.27, naming 'need' and 'care') was the likeliest answer to 'Do elderly cancer
    patients have different care needs?'."""
    close = candidate("Elderly patients have needs similar to those of younger patients.", similarity=0.6)
    elaboration = candidate("Guidelines need to be adopted for stroke care.", doc="stroke", similarity=0.27)
    rank = {id(close): 0.3, id(elaboration): 0.9}
    assert selection.choose_lead([elaboration, close], rank, None, treat=False) == [close]
    assert selection.choose_lead([elaboration], rank, None, treat=False) == []
