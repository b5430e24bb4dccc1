"""Shared real components: the embedding model, real indexes on temporary disks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest import Embedder, Settings, build_index

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SMALL_CORPUS = Path(__file__).resolve().parent / "data" / "corpus"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the user's data directory (llm's pattern)."""
    monkeypatch.setenv("CITEWISE_HOME", str(tmp_path_factory.mktemp("home")))
    for var in (
        "CITEWISE_CHROMA_URL",
        "CITEWISE_ANSWERER",
        "CITEWISE_RETRIEVER",
        "CITEWISE_AUDIT_LOG",
        "CITEWISE_AUTH",
    ):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    """The real all-MiniLM-L6-v2 as citewise runs it (ONNX Runtime, exported from the
    shipped weights into a fresh cache once per run), loaded once per run."""
    model = Embedder(cache_dir=tmp_path_factory.mktemp("models"))
    model.warm_up()
    return model


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The bundled corpus (read-only: copy it before changing anything)."""
    return CORPUS


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """A writable copy of the two-document test corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(SMALL_CORPUS, target)
    return target


@pytest.fixture(scope="session")
def index_settings(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """Settings pointing at a real index of the bundled corpus (built once; read-only)."""
    settings = Settings(home=tmp_path_factory.mktemp("corpus-index"))
    build_index(settings, CORPUS, embedder=embedder)
    return settings


@pytest.fixture(scope="session")
def knowledge(index_settings: Settings, embedder: Embedder):
    """The loaded index of the bundled corpus."""
    from assistant.knowledge import KnowledgeBase

    return KnowledgeBase(index_settings, embedder)


@pytest.fixture(scope="session")
def assistant(index_settings: Settings, knowledge):
    """The extractive assistant over the bundled corpus."""
    from assistant.pipeline import Assistant

    return Assistant(index_settings, knowledge)
