"""Tests for evals.pubmedqa: the dataset, the fixed splits and the corpus it writes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from evals.pubmedqa import (
    HELDOUT_EVERY,
    assign_splits,
    conclusion_span,
    load_abstracts,
    make_questions,
    markdown,
    split_abstracts,
    write_corpus,
)
from ingest import load_corpus


@pytest.fixture(scope="module")
def abstracts():
    return load_abstracts()


def test_the_dataset_holds_500_abstracts_each_with_a_question_and_a_conclusion(abstracts) -> None:
    assert len(abstracts) == 500
    assert len({a.pmid for a in abstracts}) == 500
    assert all(a.question and a.conclusion and a.sections for a in abstracts)


def test_a_third_of_each_answer_label_is_held_out(abstracts) -> None:
    splits = assign_splits(abstracts)
    for label, total in Counter(a.decision for a in abstracts).items():
        held = sum(splits[a.pmid] == "heldout" for a in abstracts if a.decision == label)
        assert held == total // HELDOUT_EVERY


def test_the_split_depends_on_the_salt_only(abstracts) -> None:
    assert assign_splits(abstracts) == assign_splits(list(reversed(abstracts)))
    assert assign_splits(abstracts) != assign_splits(abstracts, salt="another")


def test_indexed_and_left_out_abstracts_are_disjoint_and_of_the_sizes_asked(abstracts) -> None:
    indexed, left_out = split_abstracts(abstracts, indexed=100, left_out=50)
    assert len(indexed) == 100 and len(left_out) == 50
    assert not {a.pmid for a in indexed} & {a.pmid for a in left_out}


def test_asking_for_more_abstracts_than_the_dataset_holds_is_an_error(abstracts) -> None:
    with pytest.raises(ValueError, match="the dataset has 500"):
        split_abstracts(abstracts, indexed=450, left_out=51)


def test_questions_name_the_left_out_ones_apart(abstracts) -> None:
    indexed, left_out = split_abstracts(abstracts, indexed=3, left_out=2)
    questions = make_questions(indexed, left_out, assign_splits(abstracts))
    assert [q.in_corpus for q in questions] == [True, True, True, False, False]
    assert [q.id for q in questions[3:]] == [f"{a.pmid}-out" for a in left_out]


def test_the_conclusion_span_is_exactly_the_conclusion(abstracts) -> None:
    abstract = abstracts[0]
    text = markdown(abstract).split("\n---\n", 1)[1]
    start, end = conclusion_span(text) or (0, 0)
    assert text[start:end] == abstract.conclusion


def test_a_document_without_a_conclusions_section_has_no_span() -> None:
    assert conclusion_span("## Results\n\nSome result.\n") is None


def test_the_written_corpus_loads_with_neutral_titles_and_drops_stale_abstracts(
    abstracts, tmp_path: Path
) -> None:
    write_corpus(abstracts[:3], tmp_path)
    write_corpus(abstracts[1:3], tmp_path)
    documents = {d.id: d for d in load_corpus(tmp_path)}
    assert set(documents) == {a.doc_id for a in abstracts[1:3]}
    for abstract in abstracts[1:3]:
        document = documents[abstract.doc_id]
        assert document.meta.title == f"PubMed abstract {abstract.pmid}"
        span = conclusion_span(document.text)
        assert span is not None and document.text[span[0] : span[1]] == abstract.conclusion
