"""A damaged index: every command exits 2 naming the damage, and `citewise doctor` (or the
next `citewise ingest`) repairs it from what survives, re-embedding only what is lost.

Each case damages one piece of a real index of the test corpus (a real Chroma store on
tmp_path, the real model), then runs the real commands in-process and checks exit codes,
messages, how many texts were embedded again, and that answers come back identical.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from assistant.cli import main
from ingest import Embedder, Settings, build_index, load_generation

QUESTION = "Should serum flarn be measured?"
TRIAL = Path("research") / "test-trial.md"


def citewise(home: Path, *args: str) -> Result:
    """The real command, in-process; stdout and stderr apart."""
    return CliRunner().invoke(main, ["--home", str(home), *args])


def answer(home: Path) -> dict:
    """What must survive a repair unchanged: citations, retrieved chunks, refusal."""
    result = citewise(home, "ask", "--json", QUESTION)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    return {key: data[key] for key in ("citations", "retrieved", "refused")}


def live(home: Path) -> Path:
    index = home / "index"
    return index / (index / "CURRENT").read_text().strip()


def re_embedded(summary: str) -> int:
    found = re.search(r"(\d+) texts (?:re-)?embedded", summary)
    assert found, summary
    return int(found[1])


@pytest.fixture
def home(tmp_path: Path, small_corpus: Path, embedder: Embedder) -> Path:
    settings = Settings(home=tmp_path / "home")
    build_index(settings, small_corpus, embedder=embedder)
    return settings.home


def sentence_count(home: Path) -> int:
    return sum(len(c.sentences) for c in load_generation(Settings(home=home)).chunks)


def corrupt(name: str) -> Callable[[Path], None]:
    return lambda home: (live(home) / name).write_bytes(b'{"truncated": [1, 2')


def current_not_utf8(home: Path) -> None:
    (home / "index" / "CURRENT").write_bytes(b"\xff\xfeg\x00\x01\n")


def current_directory(home: Path) -> None:
    (home / "index" / "CURRENT").unlink()
    (home / "index" / "CURRENT").mkdir()


# (damage, what `ask` must say, texts doctor must embed again: None = every sentence,
#  whether `sources` needs the damaged piece too)
DAMAGE: dict[str, tuple[Callable[[Path], None], str, int | None, bool]] = {
    "sentences.npy deleted": (
        lambda h: (live(h) / "sentences.npy").unlink(),
        "sentences.npy is missing",
        None,
        False,
    ),
    "bm25 deleted": (lambda h: shutil.rmtree(live(h) / "bm25"), "/bm25 is unreadable", 0, False),
    "manifest corrupt": (corrupt("manifest.json"), "manifest.json is unreadable", 0, True),
    "chunks corrupt": (corrupt("chunks.jsonl"), "chunks.jsonl line 1 is not a valid chunk", 0, True),
    "CURRENT not UTF-8": (current_not_utf8, "CURRENT does not name a generation", 0, True),
    "CURRENT a directory": (current_directory, "CURRENT cannot be read (Is a directory)", 0, True),
    "CURRENT missing": (
        lambda h: (h / "index" / "CURRENT").unlink(),
        "CURRENT is missing, but generation",
        0,
        True,
    ),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_damage_exits_2_and_doctor_repairs_it_without_re_embedding(
    home: Path, shared_model: Embedder, case: str
) -> None:
    damage, message, expected, sources_too = DAMAGE[case]
    before = answer(home)
    sentences = sentence_count(home)
    damage(home)

    listed = citewise(home, "sources")
    assert listed.exit_code == (2 if sources_too else 0), listed.output
    for result in (citewise(home, "ask", QUESTION), *([listed] if sources_too else [])):
        assert result.exit_code == 2, result.output
        assert message in result.stderr and "run 'citewise doctor'" in result.stderr
        assert "Traceback" not in result.output and "unexpected error" not in result.output

    repaired = citewise(home, "doctor", "--quiet")
    assert repaired.exit_code == 0, repaired.output
    assert repaired.stdout.startswith("index repaired:")
    assert re_embedded(repaired.stdout) == (sentences if expected is None else expected)
    assert answer(home) == before
    again = citewise(home, "doctor")
    assert again.exit_code == 0 and "is healthy" in again.stdout


def test_ingest_repairs_a_damaged_index_when_nothing_changed(
    home: Path, small_corpus: Path, shared_model: Embedder
) -> None:
    before = answer(home)
    sentences = sentence_count(home)
    (live(home) / "sentences.npy").unlink()
    result = citewise(home, "ingest", "--quiet", str(small_corpus))
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("index repaired:") and "sentences.npy is missing" in result.stderr
    assert re_embedded(result.stderr) == sentences
    assert answer(home) == before


def test_ingest_of_a_changed_corpus_over_a_damaged_index(
    home: Path, small_corpus: Path, shared_model: Embedder
) -> None:
    kept = load_generation(Settings(home=home))
    guideline_sentences = sum(len(c.sentences) for c in kept.chunks_of("test-guideline"))
    stored = kept.vectors_of("test-guideline")[0]
    (live(home) / "sentences.npy").unlink()
    (live(home) / "vectors.npy").unlink()
    path = small_corpus / TRIAL
    path.write_text(path.read_text() + "\nTest fixture: one more sentence about the trial.\n")

    result = citewise(home, "ingest", "--quiet", str(small_corpus))
    assert result.exit_code == 0, result.output
    generation = load_generation(Settings(home=home))
    trial_texts = sum(1 + len(c.sentences) for c in generation.chunks_of("test-trial"))
    # The changed document is embedded; the unchanged one only loses its sentences,
    # its chunk vectors come back from the Chroma collection.
    assert re_embedded(result.stderr) == trial_texts + guideline_sentences
    assert "chunk vectors recovered from the Chroma collection" in result.stderr
    np.testing.assert_allclose(generation.vectors_of("test-guideline")[0], stored, atol=1e-6)


def test_deleted_vector_file_keeps_answering_and_is_restored_from_chroma(
    home: Path, shared_model: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    before = answer(home)
    stored = np.load(live(home) / "vectors.npy")
    (live(home) / "vectors.npy").unlink()
    assert answer(home) == before  # the Chroma collection stands in for the file
    warned = " ".join(r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    assert "vectors.npy is missing" in warned and "answering from the Chroma collection" in warned
    repaired = citewise(home, "doctor", "--quiet")
    assert repaired.exit_code == 0, repaired.output
    assert re_embedded(repaired.stdout) == 0
    assert f"{len(stored)} chunk vectors recovered from the Chroma collection" in repaired.stdout
    # Chroma keeps its own float copy: equal to the last bits of a float32.
    np.testing.assert_allclose(np.load(live(home) / "vectors.npy"), stored, atol=1e-6)


def test_lost_document_texts_point_to_ingest_which_reuses_the_vectors(
    home: Path, small_corpus: Path, shared_model: Embedder
) -> None:
    before = answer(home)
    (live(home) / "documents.json").write_text("{")
    for command in (["ask", QUESTION], ["doctor"]):
        result = citewise(home, *command)
        assert result.exit_code == 2, result.output
        assert "documents.json" in result.stderr and "citewise ingest CORPUS_DIR" in result.stderr
    result = citewise(home, "ingest", "--quiet", str(small_corpus))
    assert result.exit_code == 0, result.output
    assert re_embedded(result.stderr) == 0
    assert answer(home) == before


def test_corrupt_chroma_store_still_answers_and_doctor_rebuilds_it(
    home: Path, shared_model: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    before = answer(home)
    (home / "chroma" / "chroma.sqlite3").write_bytes(b"not a database " * 200)
    # With the embedded store, answering searches the generation's own vectors and never
    # reads Chroma, so a corrupt store changes nothing until doctor rebuilds it.
    result = citewise(home, "ask", QUESTION)
    assert result.exit_code == 0, result.output
    assert answer(home) == before

    repaired = citewise(home, "doctor", "--quiet")
    assert repaired.exit_code == 0, repaired.output
    assert "was corrupt" in repaired.stdout and re_embedded(repaired.stdout) == 0
    assert (home / "chroma.damaged" / "chroma.sqlite3").exists()
    caplog.clear()
    quiet = citewise(home, "ask", QUESTION)
    assert quiet.exit_code == 0 and "stored vectors" not in caplog.text
    assert answer(home) == before


def test_vectors_of_another_model_are_not_trusted_without_a_manifest(
    home: Path, shared_model: Embedder
) -> None:
    generation = load_generation(Settings(home=home))
    texts = generation.size + sentence_count(home)
    vectors = np.load(live(home) / "vectors.npy")
    np.save(live(home) / "vectors.npy", vectors[::-1].copy())  # right shape, wrong vectors
    (live(home) / "manifest.json").unlink()
    repaired = citewise(home, "doctor", "--quiet")
    assert repaired.exit_code == 0, repaired.output
    assert "not this model's" in repaired.stdout
    assert re_embedded(repaired.stdout) == texts
    np.testing.assert_allclose(np.load(live(home) / "vectors.npy"), vectors, atol=1e-4)


def test_doctor_without_an_index_exits_2(tmp_path: Path) -> None:
    result = citewise(tmp_path / "nothing", "doctor")
    assert result.exit_code == 2
    assert "no index in" in result.stderr and "citewise ingest" in result.stderr


def test_doctor_removes_an_unfinished_generation(home: Path, shared_model: Embedder) -> None:
    (home / "index" / "g000009.tmp").mkdir()
    (home / "index" / "g000009.tmp" / "vectors.npy").write_bytes(b"partial")
    result = citewise(home, "doctor")
    assert result.exit_code == 0, result.output
    assert "removed unfinished generation g000009.tmp" in result.stdout
    assert not (home / "index" / "g000009.tmp").exists()
