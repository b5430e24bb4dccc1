"""Rank fusion, abbreviations, and the real hybrid retriever on the bundled corpus."""

from __future__ import annotations

from assistant.abbreviations import Synonyms, learn_abbreviations
from assistant.retrieval import HybridRetriever, fuse_rankings


def test_rrf_rewards_agreement_between_rankings() -> None:
    fused = fuse_rankings([[1, 2, 3], [3, 1, 4]], k=60)
    assert [row for row, _ in fused][:2] == [1, 3]
    assert abs(dict(fused)[1] - (1 / 61 + 1 / 62)) < 1e-12


def test_rrf_of_nothing_is_empty() -> None:
    assert fuse_rankings([[], []]) == []


def test_definitions_are_learned_from_text() -> None:
    pairs = dict(learn_abbreviations(["Patients received plasma exchange (PE) twice."]))
    assert pairs["PE"] == "plasma exchange"


def test_expansion_goes_both_ways() -> None:
    syn = Synonyms([("RTX", "rituximab")])
    assert "rituximab" in syn.expand("Does RTX help?")
    assert "RTX" in syn.expand("Does rituximab help?")


def test_short_acronyms_match_case_sensitively() -> None:
    syn = Synonyms([("PE", "plasma exchange")])
    assert syn.expand("the pe teacher") == "the pe teacher"


def test_hybrid_retrieval_finds_the_trial_by_abbreviation(knowledge) -> None:
    retriever = HybridRetriever(kb=knowledge, top_k=5)
    docs = retriever.as_langchain().invoke("RTX placebo-controlled trial results")
    assert any(d.metadata["source_id"].startswith(("dalakas2009", "leger2013")) for d in docs)
    assert all(d.page_content == knowledge.chunks[d.metadata["row"]].text for d in docs)


def test_modes_use_their_own_rankings(knowledge) -> None:
    for mode in ("dense", "bm25"):
        passages = HybridRetriever(kb=knowledge, mode=mode, top_k=3).retrieve("plasma exchange")
        assert passages and all(set(p.ranks) == {mode} for p in passages)


def test_exact_search_returns_the_best_rows_in_order() -> None:
    import numpy as np

    from assistant.knowledge import nearest_rows

    matrix = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [0.6, 0.8]], dtype=np.float32)
    assert nearest_rows(matrix, np.array([0.0, 1.0], dtype=np.float32), 3) == [2, 1, 3]
    assert nearest_rows(matrix, np.array([1.0, 0.0], dtype=np.float32), 10) == [0, 1, 3, 2]
    assert nearest_rows(matrix[:0], np.array([1.0, 0.0], dtype=np.float32), 3) == []


def test_exact_search_agrees_with_the_chroma_collection(knowledge) -> None:
    for question in ("Does rituximab help?", "anti-MAG antibody titres and ELISA", "plasma exchange"):
        vector = knowledge.embed(question)
        hits = knowledge.collection.query(query_embeddings=[vector.tolist()], n_results=10, include=[])
        by_chroma = [knowledge.row_of[i] for i in hits["ids"][0]]
        assert knowledge.dense(vector, 10) == by_chroma
