"""The real ``citewise ingest`` and ``citewise sources`` commands, in-process and as a subprocess.

Every bad corpus file (tests/data/bad/cases.yaml) must exit 2 with a message naming the
file and field, and leave the index built before it byte-for-byte untouched and usable.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from assistant.cli import main
from ingest import Embedder, Settings, build_index, load_corpus, load_generation
from tests.ingest.test_index import assert_answers, snapshot

BAD = Path(__file__).parent.parent / "data" / "bad"
BAD_CASES = yaml.safe_load((BAD / "cases.yaml").read_text(encoding="utf-8"))
CITEWISE = Path(sys.executable).parent / "citewise"


def citewise(home: Path, *args: str) -> Result:
    """Run the real command in-process, stdout and stderr kept apart."""
    return CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)


@pytest.fixture
def indexed(tmp_path: Path, small_corpus: Path, embedder: Embedder) -> Settings:
    """A real index of the small corpus, built before the command under test runs."""
    settings = Settings(home=tmp_path / "home")
    build_index(settings, small_corpus, embedder=embedder)
    return settings


@pytest.mark.parametrize("case", BAD_CASES, ids=[c["name"] for c in BAD_CASES])
def test_bad_corpus_file_exits_2_and_leaves_the_index_untouched(
    indexed: Settings, small_corpus: Path, embedder: Embedder, case: dict
) -> None:
    before = snapshot(indexed)
    target = small_corpus / case["target"]
    shutil.copyfile(BAD / case["file"], target)

    result = citewise(indexed.home, "ingest", "--quiet", str(small_corpus))

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: corpus has 1 problem; the index was not changed:")
    assert str(target) in result.stderr
    for fragment in case["expect"]:
        assert fragment in result.stderr
    assert "Traceback" not in result.output
    assert snapshot(indexed) == before
    assert_answers(indexed, embedder)
    listed = json.loads(citewise(indexed.home, "sources", "--json").stdout)
    assert [row["id"] for row in listed] == ["test-guideline", "test-trial"]


def test_bad_file_through_the_installed_command(indexed: Settings, small_corpus: Path) -> None:
    before = snapshot(indexed)
    target = small_corpus / "research" / "notes.docx"
    shutil.copyfile(BAD / "notes.docx", target)
    done = subprocess.run(
        [str(CITEWISE), "--home", str(indexed.home), "ingest", str(small_corpus)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert f"{target}: unsupported file type '.docx'" in done.stderr
    assert done.stdout == ""
    assert snapshot(indexed) == before


def test_uncreatable_data_directory_exits_2(tmp_path: Path, small_corpus: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("a regular file: no directory can be created beneath it")
    home = blocker / "sub"
    result = citewise(home, "ingest", "--quiet", str(small_corpus))
    assert result.exit_code == 2
    assert f"data directory {home} is not writable" in result.stderr
    assert "CITEWISE_HOME" in result.stderr
    assert not home.exists()


def test_missing_corpus_directory_exits_2(tmp_path: Path) -> None:
    result = citewise(tmp_path / "home", "ingest", str(tmp_path / "no-corpus"))
    assert result.exit_code == 2
    assert f"{tmp_path / 'no-corpus'}: corpus directory does not exist" in result.stderr


def test_ingest_then_reingest_reports_on_stderr(tmp_path: Path, small_corpus: Path) -> None:
    home = tmp_path / "home"
    first = citewise(home, "ingest", str(small_corpus))
    assert first.exit_code == 0, first.output
    assert first.stdout == ""
    assert "index updated: 2 documents" in first.stderr
    assert "embedding" in first.stderr  # the progress bar
    generation = load_generation(Settings(home=home))
    assert f"{generation.size} chunks" in first.stderr

    again = citewise(home, "ingest", "--quiet", str(small_corpus))
    assert again.exit_code == 0
    assert "index already up to date" in again.stderr and "0 texts embedded" in again.stderr
    assert load_generation(Settings(home=home)).generation == generation.generation


def test_sources_lists_id_kind_year_title_and_chunks(indexed: Settings, small_corpus: Path) -> None:
    generation = load_generation(indexed)
    documents = {d.id: d for d in load_corpus(small_corpus)}

    listed = citewise(indexed.home, "sources", "--json")
    assert listed.exit_code == 0
    rows = json.loads(listed.stdout)
    assert [r["id"] for r in rows] == sorted(documents)
    for row in rows:
        meta = documents[row["id"]].meta
        assert (row["kind"], row["year"], row["title"]) == (meta.kind, meta.year, meta.title)
        assert row["study_type"] == meta.study_type
        assert row["chunks"] == len(generation.chunks_of(row["id"])) > 0

    table = citewise(indexed.home, "sources")
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert len(lines) == len(rows)
    for line, row in zip(lines, rows, strict=True):
        assert line.split()[:3] == [row["id"], row["kind"], str(row["year"])]
        assert f"{row['chunks']} chunks" in line and row["title"][:40] in line
    assert f"{len(rows)} documents, {generation.size} chunks" in table.stderr


def test_sources_through_the_installed_command(indexed: Settings) -> None:
    done = subprocess.run(
        [str(CITEWISE), "--home", str(indexed.home), "sources", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert [row["id"] for row in json.loads(done.stdout)] == ["test-guideline", "test-trial"]


def test_sources_without_an_index_exits_2(tmp_path: Path) -> None:
    result = citewise(tmp_path / "empty-home", "sources")
    assert result.exit_code == 2
    assert "no index in" in result.stderr and "run 'citewise ingest' first" in result.stderr


def test_sources_on_an_index_from_another_model_exits_2(indexed: Settings) -> None:
    live = load_generation(indexed).directory / "manifest.json"
    manifest = json.loads(live.read_text())
    manifest["model"] = "other-embedding-model"
    live.write_text(json.dumps(manifest))
    result = citewise(indexed.home, "sources")
    assert result.exit_code == 2
    assert "other-embedding-model" in result.stderr and "run 'citewise ingest'" in result.stderr
