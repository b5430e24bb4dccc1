"""Tests for ingest.index: generations, incremental re-ingest, mismatch and cleanup.

Everything is real: the embedding model (shared per run), an embedded Chroma store and
the index files on ``tmp_path``.
"""

from __future__ import annotations

import fcntl
import json
from pathlib import Path

import numpy as np
import pytest

from ingest import (
    CHUNKER_VERSION,
    MODEL_NAME,
    ConfigError,
    Embedder,
    IndexBusyError,
    IndexMismatchError,
    IndexNotFoundError,
    IngestReport,
    Settings,
    build_index,
    current_generation,
    load_generation,
    store,
)
from ingest.generation import LoadedGeneration

TRIAL = Path("research") / "test-trial.md"
GUIDELINE = Path("guidelines") / "test-guideline.md"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")


def ingest(settings: Settings, corpus: Path, embedder: Embedder) -> IngestReport:
    return build_index(settings, corpus, embedder=embedder)


def snapshot(settings: Settings) -> dict[str, bytes]:
    """Bytes of CURRENT and of every file of the live generation."""
    live = current_generation(settings)
    assert live is not None
    files = {"CURRENT": (settings.index_dir / "CURRENT").read_bytes()}
    files.update({str(p.relative_to(live.parent)): p.read_bytes() for p in live.rglob("*") if p.is_file()})
    return files


def live_collection(settings: Settings, generation: LoadedGeneration):
    client = store.open_client(settings)
    return store.get_collection(client, generation.manifest["store"]["collection"])


def texts_of(generation: LoadedGeneration, doc_id: str) -> int:
    """Texts embedded for one document: each chunk and each of its sentences."""
    return sum(1 + len(c.sentences) for c in generation.chunks_of(doc_id))


def append_sentence(corpus: Path, relative: Path, sentence: str) -> None:
    path = corpus / relative
    path.write_text(path.read_text(encoding="utf-8") + "\n" + sentence + "\n", encoding="utf-8")


def owned_collections(settings: Settings) -> list[str]:
    owner = (settings.index_dir / "OWNER").read_text().strip()
    client = store.open_client(settings)
    return sorted(
        n for n in store.list_collections(client) if n.startswith(f"{store.COLLECTION_PREFIX}{owner}")
    )


def generation_dirs(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.index_dir.glob("g*"))


def test_first_ingest_writes_a_complete_generation(settings: Settings, small_corpus: Path, embedder) -> None:
    report = ingest(settings, small_corpus, embedder)
    generation = load_generation(settings)
    assert (report.documents, report.added, report.changed) == (2, 2, True)
    assert report.generation == generation.generation == "g000001"
    assert report.chunks == generation.size == generation.manifest["counts"]["chunks"]
    sentences = sum(len(c.sentences) for c in generation.chunks)
    assert report.embedded_texts == generation.size + sentences
    manifest = generation.manifest
    assert (manifest["model"], manifest["dimension"], manifest["chunker_version"]) == (
        MODEL_NAME,
        Embedder.dimension,
        CHUNKER_VERSION,
    )
    # The stored vectors are the model's embeddings of exactly these chunk texts.
    for doc_id in ("test-guideline", "test-trial"):
        chunk_vectors, sentence_vectors = generation.vectors_of(doc_id)
        chunks = generation.chunks_of(doc_id)
        text = generation.documents[doc_id]["text"]
        np.testing.assert_allclose(chunk_vectors, embedder.encode([c.text for c in chunks]), atol=1e-4)
        sentence_texts = [text[s:e] for c in chunks for s, e in c.sentences]
        np.testing.assert_allclose(sentence_vectors, embedder.encode(sentence_texts), atol=1e-4)
    stored = live_collection(settings, generation).get(include=["embeddings", "metadatas"])
    assert sorted(stored["ids"]) == sorted(c.id for c in generation.chunks)


def assert_answers(settings: Settings, embedder: Embedder) -> None:
    """The live collection returns, first, the chunk that holds the answer, with true offsets."""
    generation = load_generation(settings)
    collection = live_collection(settings, generation)
    for question, doc_id, needle in [
        ("How many patients were randomised in the quintomab trial?", "test-trial", "randomised 40 patients"),
        ("Should serum flarn be measured?", "test-guideline", "serum flarn level"),
    ]:
        hits = collection.query(query_embeddings=embedder.encode([question]), n_results=1)
        meta, text = hits["metadatas"][0][0], hits["documents"][0][0]
        assert meta["doc_id"] == doc_id and needle in text
        assert generation.documents[doc_id]["text"][meta["start"] : meta["end"]] == text


def test_live_collection_answers_questions(settings: Settings, small_corpus: Path, embedder) -> None:
    ingest(settings, small_corpus, embedder)
    assert_answers(settings, embedder)


def test_unchanged_corpus_embeds_nothing_and_writes_nothing(
    settings: Settings, small_corpus: Path, embedder
) -> None:
    first = ingest(settings, small_corpus, embedder)
    before = snapshot(settings)
    again = ingest(settings, small_corpus, embedder)
    assert (again.embedded_texts, again.changed, again.generation) == (0, False, first.generation)
    assert (again.unchanged, again.added, again.updated, again.removed) == (2, 0, 0, 0)
    assert again.chunks == first.chunks
    assert snapshot(settings) == before
    assert "already up to date" in again.summary()


def test_changed_document_alone_is_re_embedded(settings: Settings, small_corpus: Path, embedder) -> None:
    ingest(settings, small_corpus, embedder)
    old = load_generation(settings)
    old_guideline = old.vectors_of("test-guideline")
    append_sentence(small_corpus, TRIAL, "Test fixture: a follow-up visit took place after one year.")
    report = ingest(settings, small_corpus, embedder)
    new = load_generation(settings)
    assert (report.updated, report.unchanged, report.added, report.removed) == (1, 1, 0, 0)
    assert report.changed and report.generation != old.generation
    assert report.embedded_texts == texts_of(new, "test-trial")
    assert report.embedded_texts < texts_of(new, "test-trial") + texts_of(new, "test-guideline")
    # The unchanged document's vectors are carried over, the changed one's are fresh.
    for kept, previous in zip(new.vectors_of("test-guideline"), old_guideline, strict=True):
        assert np.array_equal(kept, previous)
    trial_chunks = new.chunks_of("test-trial")
    assert "follow-up visit" in trial_chunks[-1].text
    np.testing.assert_allclose(
        new.vectors_of("test-trial")[0], embedder.encode([c.text for c in trial_chunks]), atol=1e-4
    )
    assert live_collection(settings, new).count() == new.size


def test_deleted_document_leaves_the_index(settings: Settings, small_corpus: Path, embedder) -> None:
    ingest(settings, small_corpus, embedder)
    (small_corpus / TRIAL).unlink()
    report = ingest(settings, small_corpus, embedder)
    generation = load_generation(settings)
    assert (report.removed, report.documents, report.embedded_texts) == (1, 1, 0)
    assert list(generation.documents) == ["test-guideline"]
    assert {c.doc_id for c in generation.chunks} == {"test-guideline"}
    collection = live_collection(settings, generation)
    assert collection.count() == generation.size == report.chunks
    assert collection.get(where={"doc_id": "test-trial"})["ids"] == []
    assert len(np.load(generation.directory / "vectors.npy")) == generation.size


def test_added_document_alone_is_embedded(settings: Settings, small_corpus: Path, embedder) -> None:
    trial = (small_corpus / TRIAL).read_text(encoding="utf-8")
    (small_corpus / TRIAL).unlink()
    ingest(settings, small_corpus, embedder)
    (small_corpus / TRIAL).write_text(trial, encoding="utf-8")
    report = ingest(settings, small_corpus, embedder)
    generation = load_generation(settings)
    assert (report.added, report.unchanged, report.documents) == (1, 1, 2)
    assert report.embedded_texts == texts_of(generation, "test-trial")
    assert live_collection(settings, generation).count() == generation.size


@pytest.mark.parametrize(
    ("field", "value"),
    [("model", "other-embedding-model"), ("dimension", 768), ("chunker_version", "0")],
)
def test_index_from_another_model_or_chunker_is_refused_then_rebuilt(
    settings: Settings, small_corpus: Path, embedder, field: str, value: object
) -> None:
    first = ingest(settings, small_corpus, embedder)
    manifest_path = settings.index_dir / first.generation / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    original = manifest[field]
    manifest[field] = value
    manifest_path.write_text(json.dumps(manifest))

    with pytest.raises(IndexMismatchError) as caught:
        load_generation(settings)
    message = str(caught.value)
    assert "citewise ingest" in message and str(settings.home) in message
    assert str(value) in message

    report = ingest(settings, small_corpus, embedder)
    assert report.changed and report.generation != first.generation
    assert (report.updated, report.unchanged) == (2, 0)
    assert report.embedded_texts == first.embedded_texts
    rebuilt = load_generation(settings)
    assert rebuilt.manifest[field] == original


def test_old_generations_and_collections_are_cleaned_up(
    settings: Settings, small_corpus: Path, embedder
) -> None:
    ingest(settings, small_corpus, embedder)
    client = store.open_client(settings)
    owner = (settings.index_dir / "OWNER").read_text().strip()
    # Leftovers of an ingest that was killed, and another index sharing the store.
    (settings.index_dir / "g000042.tmp").mkdir()
    (settings.index_dir / "g000042.tmp" / "chunks.jsonl").write_text("partial")
    store.create_collection(client, f"{store.COLLECTION_PREFIX}{owner}-g000042")
    store.create_collection(client, f"{store.COLLECTION_PREFIX}someoneelse-g000001")
    for n in range(3):
        append_sentence(small_corpus, GUIDELINE, f"Test fixture: revision {n} of the guideline.")
        report = ingest(settings, small_corpus, embedder)
        assert report.changed
    assert generation_dirs(settings) == [report.generation] == ["g000004"]
    assert owned_collections(settings) == [load_generation(settings).manifest["store"]["collection"]]
    names = store.list_collections(store.open_client(settings))
    assert f"{store.COLLECTION_PREFIX}someoneelse-g000001" in names


def test_unfinished_generation_is_removed_even_when_nothing_changed(
    settings: Settings, small_corpus: Path, embedder
) -> None:
    first = ingest(settings, small_corpus, embedder)
    (settings.index_dir / "g000002.tmp").mkdir()
    report = ingest(settings, small_corpus, embedder)
    assert not report.changed
    assert generation_dirs(settings) == [first.generation]


def test_interrupted_ingest_leaves_the_previous_index_usable(
    settings: Settings, small_corpus: Path, embedder
) -> None:
    ingest(settings, small_corpus, embedder)
    before = snapshot(settings)

    class Interrupt:
        def update(self, n: int) -> None:
            raise KeyboardInterrupt

        def close(self) -> None:
            pass

    append_sentence(small_corpus, TRIAL, "Test fixture: this sentence is never indexed.")
    with pytest.raises(KeyboardInterrupt):
        build_index(settings, small_corpus, embedder=embedder, progress=lambda total, desc: Interrupt())
    assert snapshot(settings) == before
    generation = load_generation(settings)
    assert live_collection(settings, generation).count() == generation.size
    report = ingest(settings, small_corpus, embedder)
    assert report.changed and report.updated == 1


def test_missing_collection_is_restored(settings: Settings, small_corpus: Path, embedder) -> None:
    ingest(settings, small_corpus, embedder)
    old = load_generation(settings)
    store.open_client(settings).delete_collection(old.manifest["store"]["collection"])
    report = ingest(settings, small_corpus, embedder)
    assert report.embedded_texts == 0  # vectors come from the generation's files
    assert report.changed and report.generation != old.generation
    assert report.summary().startswith("index repaired:")
    assert (
        f"repaired: the Chroma collection {old.manifest['store']['collection']} was missing"
        in report.summary()
    )
    generation = load_generation(settings)
    assert live_collection(settings, generation).count() == generation.size == old.size
    assert_answers(settings, embedder)


def test_unreadable_chunk_file_is_rebuilt_without_embedding(
    settings: Settings, small_corpus: Path, embedder
) -> None:
    first = ingest(settings, small_corpus, embedder)
    before = load_generation(settings)
    stored = {doc_id: before.vectors_of(doc_id) for doc_id in ("test-guideline", "test-trial")}
    (settings.index_dir / first.generation / "chunks.jsonl").write_text("{not json")
    report = ingest(settings, small_corpus, embedder)
    # The manifest proves the chunker, so re-chunking the stored texts gives the same rows.
    assert report.changed and report.embedded_texts == 0
    assert "chunks.jsonl is unreadable" in report.summary()
    after = load_generation(settings)
    assert after.chunks == before.chunks
    for doc_id, vectors in stored.items():
        for kept, old in zip(after.vectors_of(doc_id), vectors, strict=True):
            assert np.array_equal(kept, old)


def test_ingest_refuses_while_another_holds_the_lock(
    settings: Settings, small_corpus: Path, embedder
) -> None:
    ingest(settings, small_corpus, embedder)
    before = snapshot(settings)
    append_sentence(small_corpus, TRIAL, "Test fixture: a change that must wait.")
    with open(settings.index_dir / "LOCK", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(IndexBusyError, match="another 'citewise ingest' is writing"):
            ingest(settings, small_corpus, embedder)
    assert snapshot(settings) == before


def test_uncreatable_data_directory_is_a_config_error(tmp_path: Path, small_corpus: Path, embedder) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("a regular file, so nothing can be created beneath it")
    home = blocker / "sub"
    with pytest.raises(ConfigError, match="set CITEWISE_HOME to a writable directory") as caught:
        build_index(Settings(home=home), small_corpus, embedder=embedder)
    assert f"data directory {home} is not writable" in str(caught.value)


def test_no_index_yet(settings: Settings) -> None:
    assert current_generation(settings) is None
    with pytest.raises(IndexNotFoundError, match="run 'citewise ingest' first"):
        load_generation(settings)
