"""Tests for evals.retrievers: the deliberately unrelated retriever."""

from __future__ import annotations

from assistant.retrieval import HybridRetriever
from evals.retrievers import UnrelatedRetriever

QUESTION = "How many patients were randomised in the Dalakas 2009 rituximab trial?"


def test_unrelated_passages_share_nothing_with_the_best_ones(knowledge) -> None:
    unrelated = UnrelatedRetriever(kb=knowledge, top_k=8).invoke(QUESTION)
    best = HybridRetriever(kb=knowledge, mode="dense", top_k=8).as_langchain().invoke(QUESTION)
    assert len(unrelated) == 8
    assert not {d.id for d in unrelated} & {d.id for d in best}
    assert "dalakas2009-rituximab-rct" not in {d.metadata["source_id"] for d in unrelated}


def test_unrelated_documents_carry_the_metadata_the_pipeline_reads(knowledge) -> None:
    for doc in UnrelatedRetriever(kb=knowledge, top_k=3).invoke(QUESTION):
        assert knowledge.chunks[doc.metadata["row"]].id == doc.metadata["chunk_id"] == doc.id
        assert doc.metadata["score"] > 0


def test_the_order_is_fixed_for_a_question(knowledge) -> None:
    first = [d.id for d in UnrelatedRetriever(kb=knowledge).invoke(QUESTION)]
    assert first == [d.id for d in UnrelatedRetriever(kb=knowledge).invoke(QUESTION)]
