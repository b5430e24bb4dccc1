"""Loading the index, and picking up a newer one after an ingest."""

from __future__ import annotations

from assistant.chat import Engine
from assistant.knowledge import KnowledgeBase
from ingest import Settings, build_index

QUESTION = "How many patients improved on quintomab in the Fixture 2021 trial?"


def test_a_finished_ingest_makes_the_loaded_index_stale(small_corpus, embedder, tmp_path) -> None:
    settings = Settings(home=tmp_path / "home")
    build_index(settings, small_corpus, embedder=embedder)
    kb = KnowledgeBase(settings, embedder)
    assert not kb.is_stale()
    doc = small_corpus / "research" / "test-trial.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace("12 of 20", "14 of 20"), encoding="utf-8")
    build_index(settings, small_corpus, embedder=embedder)
    assert kb.is_stale()


def test_the_chat_engine_answers_from_the_new_index_after_an_ingest(small_corpus, embedder, tmp_path) -> None:
    settings = Settings(home=tmp_path / "home")
    build_index(settings, small_corpus, embedder=embedder)
    engine = Engine(settings)
    before = engine.ask(QUESTION)
    assert "12 of 20" in before.answer
    doc = small_corpus / "research" / "test-trial.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace("12 of 20", "14 of 20"), encoding="utf-8")
    build_index(settings, small_corpus, embedder=embedder)
    after = engine.ask(QUESTION)
    assert "14 of 20" in after.answer and "12 of 20" not in after.answer
