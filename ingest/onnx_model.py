"""all-MiniLM-L6-v2 through ONNX Runtime and ``tokenizers``: no torch at query time.

Importing torch and sentence-transformers costs 4-8 s on a small machine, most of a
cold ``citewise ask``. The same network runs in ONNX Runtime (installed with chromadb)
once its weights are exported to ONNX. The export needs torch, so it happens once: at
the first ingest, or at the first query when no ingest has exported it, and is cached
under ``CITEWISE_HOME/models`` in a file named for the SHA-256 of the shipped weights,
so new weights never meet an old export.

The exported graph includes sentence-transformers' mean pooling and L2 normalisation,
so it returns the vectors ``SentenceTransformer.encode(normalize_embeddings=True)``
does; on the bundled corpus they agree to a cosine of at least 0.99999 (the test
``tests/ingest/test_onnx.py`` holds this).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ingest.errors import ConfigError

logger = logging.getLogger(__name__)

# Bump when the exported graph changes (inputs, pooling, opset), so old exports are not reused.
EXPORT_VERSION = 1
OPSET = 17
# sentence_bert_config.json of the model: longer inputs are truncated, as SentenceTransformer does.
MAX_TOKENS = 256
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_STAMPS = "weights-sha256.json"


def weights_digest(model_dir: Path, cache_dir: Path) -> str:
    """SHA-256 of the shipped weights, remembered per (path, size, mtime) in ``cache_dir``
    so a cold start does not hash 90 MB."""
    weights = model_dir / "model.safetensors"
    stat = weights.stat()
    key = f"{weights.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    stamps_file = cache_dir / _STAMPS
    try:
        stamps = json.loads(stamps_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stamps = {}
    if key not in stamps:
        digest = hashlib.sha256()
        with open(weights, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        stamps[key] = digest.hexdigest()
        _atomic_write(stamps_file, json.dumps(stamps, indent=1).encode())
    return str(stamps[key])


def exported_path(model_dir: Path, cache_dir: Path) -> Path:
    """Where the ONNX export of the weights in ``model_dir`` lives (or will live)."""
    digest = weights_digest(model_dir, cache_dir)
    return cache_dir / f"all-MiniLM-L6-v2-{digest[:16]}-v{EXPORT_VERSION}.onnx"


def ensure_exported(model_dir: Path, cache_dir: Path) -> Path:
    """The ONNX file for ``model_dir``'s weights, exporting it first if needed.

    Raises:
        ConfigError: ``cache_dir`` is not writable, or the export failed.
    """
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        target = exported_path(model_dir, cache_dir)
    except OSError as exc:
        raise ConfigError(
            f"cannot write the model cache {cache_dir} ({exc.strerror or exc}); "
            "set CITEWISE_HOME to a writable directory"
        ) from exc
    if not target.exists():
        logger.info("exporting the embedding model to ONNX (once): %s", target)
        export_onnx(model_dir, target)
    return target


def export_onnx(model_dir: Path, target: Path) -> None:
    """Export the transformer with mean pooling and normalisation to ``target`` (atomic)."""
    import torch
    from transformers import AutoModel

    class Pooled(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    model = Pooled(AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval())
    dummy = tuple(torch.ones(2, 8, dtype=torch.long) for _ in _INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in _INPUTS} | {"embedding": {0: "batch"}}
    fd, tmp = tempfile.mkstemp(prefix=target.name, suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
            torch.onnx.export(
                model,
                dummy,
                tmp,
                dynamo=False,  # the TorchScript exporter needs only the onnx package
                input_names=list(_INPUTS),
                output_names=["embedding"],
                dynamic_axes=axes,
                opset_version=OPSET,
            )
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache may be shared
        os.replace(tmp, target)
    except Exception as exc:
        raise ConfigError(f"exporting the embedding model to ONNX failed: {exc}") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)


class OnnxEncoder:
    """Embeds batches of texts with ONNX Runtime; the tokenizer is the model's own."""

    def __init__(self, onnx_file: Path, model_dir: Path, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.log_severity_level = 3
        # Idle workers spin by default, waiting for more work: measured on 2 shared cores,
        # that doubled the CPU time of a query (34 vs 17 ms) and made it slower, not faster.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # tokenizer.json pads and truncates to 128; the model was trained with 256.
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def __call__(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return np.asarray(self._session.run(None, feeds)[0], dtype=np.float32)


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
