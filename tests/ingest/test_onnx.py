"""The ONNX Runtime embedder against sentence-transformers, and an index built one way
queried the other way."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.knowledge import KnowledgeBase
from assistant.retrieval import HybridRetriever
from ingest import ConfigError, Embedder, Settings, build_index, load_corpus, split_sentences
from ingest.embedding import model_path, resolve_device
from ingest.onnx_model import exported_path

ROOT = Path(__file__).resolve().parents[2]
# Measured on the bundled corpus: the least cosine between the two backends' vectors is
# 0.9999996 (fp32 arithmetic in a different order); 1e-5 leaves room for other CPUs.
MIN_COSINE = 1 - 1e-5
QUESTIONS = [
    "Does rituximab help anti-MAG neuropathy?",
    "What proportion of IgM MGUS neuropathy patients have anti-MAG antibodies?",
    "Is plasma exchange effective?",
    "How is anti-MAG neuropathy diagnosed?",
]


@pytest.fixture(scope="module")
def torch_embedder() -> Embedder:
    """sentence-transformers on the CPU: the reference the ONNX export must match."""
    return Embedder()


def corpus_texts(limit: int) -> list[str]:
    """Sentences and whole paragraphs of the bundled corpus, short and long."""
    texts: list[str] = []
    for doc in load_corpus(ROOT / "corpus"):
        texts += [doc.text[s:e] for s, e in split_sentences(doc.text)][:6]
        texts += [p for p in doc.text.split("\n\n") if len(p) > 400][:2]
    return texts[:limit]


def test_onnx_and_torch_vectors_agree_on_the_bundled_corpus(
    embedder: Embedder, torch_embedder: Embedder
) -> None:
    assert embedder.backend == "onnx" and torch_embedder.backend == "torch"
    texts = corpus_texts(120)
    onnx, reference = embedder.encode(texts), torch_embedder.encode(texts)
    cosines = (onnx * reference).sum(axis=1)
    assert cosines.min() >= MIN_COSINE, cosines.min()
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1, atol=1e-5)


def test_a_text_longer_than_the_model_window_is_truncated_alike(
    embedder: Embedder, torch_embedder: Embedder
) -> None:
    long = " ".join(corpus_texts(60)) * 2  # well over 256 word pieces
    assert float(embedder.encode([long])[0] @ torch_embedder.encode([long])[0]) >= MIN_COSINE


def test_an_index_built_with_torch_answers_the_same_queried_with_onnx(
    small_corpus: Path, embedder: Embedder, torch_embedder: Embedder, tmp_path: Path
) -> None:
    settings = Settings(home=tmp_path / "home")
    build_index(settings, ROOT / "corpus", embedder=torch_embedder)
    by_torch = HybridRetriever(kb=KnowledgeBase(settings, torch_embedder))
    by_onnx = HybridRetriever(kb=KnowledgeBase(settings, embedder))
    for question in QUESTIONS:
        assert [p.chunk_id for p in by_onnx.retrieve(question)] == [
            p.chunk_id for p in by_torch.retrieve(question)
        ]


def test_the_export_is_cached_by_the_weights_hash(tmp_path: Path) -> None:
    first = Embedder(cache_dir=tmp_path)
    first.warm_up()
    exported = exported_path(model_path(), tmp_path)
    assert exported.exists() and exported.stat().st_mode & 0o444 == 0o444
    stamp = exported.stat().st_mtime_ns
    Embedder(cache_dir=tmp_path).warm_up()
    assert exported.stat().st_mtime_ns == stamp  # reused, not exported again
    assert [p.name for p in tmp_path.glob("*.onnx")] == [exported.name]


def test_cuda_asked_for_on_a_machine_without_one_is_a_clear_error() -> None:
    import torch

    if torch.cuda.is_available():  # pragma: no cover - GPU machines check bench/gpu_check.sh instead
        assert resolve_device("cuda") == "cuda"
        return
    with pytest.raises(ConfigError, match="--device cuda: no CUDA GPU"):
        resolve_device("cuda")
    assert resolve_device("auto") == "cpu"


def test_ask_and_chat_never_import_torch(index_settings: Settings, embedder: Embedder) -> None:
    """A cold `citewise ask` (and the chat's modules) load ONNX Runtime, never torch; the
    ask loads no LangChain either (its import is most of a cold start)."""
    # The session's index was built with an export cached elsewhere; give this home one.
    Embedder(cache_dir=index_settings.home / "models").warm_up()
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from assistant.cli import main\n"
        f"result = CliRunner().invoke(main, ['--home', {str(index_settings.home)!r}, 'ask', 'Is IVIg effective?'])\n"
        "assert result.exit_code == 0, result.output\n"
        "print('LANGCHAIN', sorted(m for m in ('langchain_core', 'langsmith') if m in sys.modules))\n"
        "import assistant.chat\n"
        "heavy = sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEWISE_")}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "LANGCHAIN []" in done.stdout and "HEAVY []" in done.stdout
