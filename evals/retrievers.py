"""A deliberately bad retriever, so that the gate is seen to fail.

``citewise eval --retriever shuffled`` answers every question from the passages the
dense retriever ranks *last* for it: text from the corpus, but unrelated to the
question. A suite that still passed with these passages would be measuring nothing.
"""

from __future__ import annotations

import random
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.langchain_api import to_document


class UnrelatedRetriever(BaseRetriever):
    """Returns the ``top_k`` chunks least similar to the question, in a seeded shuffled order."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    kb: Any
    top_k: int = 8
    seed: int = 20240607

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[LCDocument]:
        kb = self.kb
        ranked = kb.dense(kb.embed(query), len(kb.chunks))  # every chunk, most similar first
        last = ranked[-self.top_k :]
        random.Random(self.seed).shuffle(last)
        return [to_document(kb.passage(row, 1.0 / (i + 1))) for i, row in enumerate(last)]
