"""citewise as LangChain sees it: the pipeline as a ``Runnable``, retrievers as
``BaseRetriever``s returning ``Document``s, the embedder as ``Embeddings``
(``EmbedderEmbeddings``).

Answering itself never imports this module: importing LangChain costs about a second
and a half, most of a cold ``citewise ask``. It is loaded when a LangChain view is asked
for (``Assistant.chain``, ``HybridRetriever.as_langchain()``) or by the LangChain
baseline retriever of the evals and benches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import ConfigDict, PrivateAttr

from assistant.knowledge import KnowledgeBase
from assistant.passages import Passage
from ingest.embedding import Embedder
from ingest.store import open_client

if TYPE_CHECKING:
    from assistant.pipeline import Assistant


class EmbedderEmbeddings(Embeddings):
    """The citewise embedder as a LangChain ``Embeddings`` (the async methods are
    LangChain's defaults, which run these in an executor)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed documents."""
        return self.embedder.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        """Embed one query."""
        return self.embedder.embed_query(text)


def to_document(passage: Passage) -> LCDocument:
    """A passage as a LangChain Document with its citation metadata."""
    return LCDocument(page_content=passage.text, id=passage.chunk_id, metadata=passage.metadata())


class PassageRetriever(BaseRetriever):
    """Any citewise retriever (``retrieve(question) -> list[Passage]``) as a LangChain one."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    inner: Any

    def retrieve(self, question: str) -> list[Passage]:
        """The inner retriever's passages."""
        passages: list[Passage] = self.inner.retrieve(question)
        return passages

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[LCDocument]:
        return [to_document(p) for p in self.retrieve(query)]


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
            embedding_function=EmbedderEmbeddings(kb.embedder),
        )

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[LCDocument]:
        return [to_document(p) for p in self.retrieve(query)]


def pipeline_runnable(assistant: Assistant) -> Runnable:
    """The assistant's three steps (retrieve, answer, check) as one LangChain Runnable:
    ``invoke("question") -> Answer``, with ``batch``, ``stream`` and callbacks."""
    return (
        RunnableLambda(assistant.retrieve_step, name="retrieve")
        | RunnableLambda(assistant.answer_step, name="answer")
        | RunnableLambda(assistant.check_step, name="check")
    ).with_config(run_name="citewise")
