"""Hybrid retrieval: dense (Chroma) and BM25 candidates fused by reciprocal rank fusion."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from assistant.knowledge import KnowledgeBase
from assistant.passages import Passage
from ingest.store import open_client


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


class HybridRetriever(BaseRetriever):
    """LangChain retriever over the citewise index.

    ``mode`` is ``hybrid`` (dense + BM25, fused), ``dense`` or ``bm25``. Questions are
    expanded with abbreviations and synonyms (RTX -> rituximab, PLEX -> plasma exchange).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

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

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[LCDocument]:
        return [p.to_document() for p in self.retrieve(query)]


class LangChainChromaRetriever(BaseRetriever):
    """Baseline: plain ``langchain_chroma.Chroma.similarity_search`` over the same collection."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    kb: Any
    top_k: int = 8
    _chroma: Any = PrivateAttr(default=None)

    def retrieve(self, question: str) -> list[Passage]:
        """The ``top_k`` nearest passages, no expansion, no fusion."""
        kb: KnowledgeBase = self.kb
        if self._chroma is None:
            self._chroma = self._store()
        store = self._chroma
        docs = store.similarity_search(question, k=min(self.top_k, len(kb.chunks)))
        passages = []
        for rank, doc in enumerate(docs, start=1):
            row = kb.row_of.get(doc.id or "")
            if row is not None:
                passages.append(kb.passage(row, 1.0 / rank, {"langchain": rank}))
        return passages

    def _store(self) -> Any:
        from langchain_chroma import Chroma

        kb: KnowledgeBase = self.kb
        collection = kb.collection  # checks the store matches the index
        return Chroma(
            client=open_client(kb.settings),
            collection_name=collection.name,
            embedding_function=kb.embedder,
        )

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[LCDocument]:
        return [p.to_document() for p in self.retrieve(query)]


def make_retriever(kb: KnowledgeBase, mode: str, top_k: int, candidates: int, rrf_k: int) -> BaseRetriever:
    """The retriever named ``mode``: hybrid, dense, bm25 or langchain."""
    if mode == "langchain":
        return LangChainChromaRetriever(kb=kb, top_k=top_k)
    return HybridRetriever(kb=kb, mode=mode, top_k=top_k, candidates=candidates, rrf_k=rrf_k)
