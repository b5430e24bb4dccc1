"""Hybrid retrieval: dense (Chroma) and BM25 candidates fused by reciprocal rank fusion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant.knowledge import KnowledgeBase
from assistant.passages import Passage


def fuse_rankings(rankings: Sequence[Sequence[int]], k: int = 60) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: score(d) = sum over rankings of 1 / (k + rank), rank from 1.

    Cormack, Clarke & Buettcher (2009), https://doi.org/10.1145/1571941.1572114. Ties keep
    the order of first appearance. E.g. with k=60, a chunk ranked 1st and 3rd scores
    1/61 + 1/63 = 0.0323.
    """
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])


@dataclass
class HybridRetriever:
    """Retrieval over the citewise index: ``retrieve(question) -> list[Passage]``.

    ``mode`` is ``hybrid`` (dense + BM25, fused), ``dense`` or ``bm25``. Questions are
    expanded with abbreviations and synonyms (RTX -> rituximab, PLEX -> plasma exchange).
    A plain class, so that answering never imports LangChain (a second of start-up);
    ``as_langchain()`` gives the LangChain ``BaseRetriever`` view of it.
    """

    kb: Any
    mode: str = "hybrid"
    top_k: int = 8
    candidates: int = 40
    rrf_k: int = 60
    guaranteed: int = 3

    def retrieve(self, question: str) -> list[Passage]:
        """The ``top_k`` best passages for ``question``."""
        kb: KnowledgeBase = self.kb
        expanded = kb.synonyms.expand(question)
        rankings: dict[str, list[int]] = {}
        if self.mode in ("hybrid", "dense"):
            rankings["dense"] = kb.dense(kb.embed(expanded), self.candidates)
        if self.mode in ("hybrid", "bm25"):
            rankings["bm25"] = kb.lexical(expanded, self.candidates)
        fused = fuse_rankings(list(rankings.values()), self.rrf_k)
        # Each retriever's own best few always reach the answerer: fusion favours chunks
        # that both rank moderately, and can bury one that only BM25 (say, an acronym
        # the model does not know) or only the model (a paraphrase) ranks first.
        keep = {row for ranking in rankings.values() for row in ranking[: self.guaranteed]}
        first = [pair for pair in fused if pair[0] in keep] + [pair for pair in fused if pair[0] not in keep]
        chosen = {row for row, _ in first[: self.top_k]}
        fused = [pair for pair in fused if pair[0] in chosen]
        positions = {name: {row: i + 1 for i, row in enumerate(r)} for name, r in rankings.items()}
        return [
            kb.passage(row, score, {name: pos[row] for name, pos in positions.items() if row in pos})
            for row, score in fused
        ]

    def as_langchain(self) -> Any:
        """This retriever as a LangChain ``BaseRetriever`` returning ``Document``s."""
        from assistant.langchain_api import PassageRetriever

        return PassageRetriever(inner=self)


def make_retriever(kb: KnowledgeBase, mode: str, top_k: int, candidates: int, rrf_k: int) -> Any:
    """The retriever named ``mode``: hybrid, dense, bm25 or langchain (the plain
    ``langchain_chroma`` baseline). Each has ``retrieve(question) -> list[Passage]``."""
    if mode == "langchain":
        from assistant.langchain_api import LangChainChromaRetriever

        return LangChainChromaRetriever(kb=kb, top_k=top_k)
    return HybridRetriever(kb=kb, mode=mode, top_k=top_k, candidates=candidates, rrf_k=rrf_k)
