"""Symbolic links in a corpus: followed inside it, refused (and named) when they leave it.

A refused link's target is never opened, so no message can show what it holds: the
outside files here start with a line that must never appear in any output.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from ingest import CorpusError, Embedder, Settings, build_index, load_corpus
from tests.ingest.test_index import snapshot

SECRET = "root:$6$SECRET-HASH-THAT-MUST-NEVER-BE-PRINTED:19000:0:99999:7:::"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """Files outside the corpus, each opening with SECRET (a stand-in for /etc/shadow)."""
    folder = tmp_path / "outside"
    folder.mkdir()
    for name in ("shadow", "notes.md", "export.nbib", "meta.yaml"):
        (folder / name).write_text(f"{SECRET}\nsecond line\n", encoding="utf-8")
    return folder


def refused(corpus: Path) -> str:
    with pytest.raises(CorpusError) as caught:
        load_corpus(corpus)
    message = str(caught.value)
    assert SECRET not in message and "second line" not in message
    return message


@pytest.mark.parametrize("name", ["shadow.md", "export.nbib", "notes.md"])
def test_link_to_a_file_outside_is_refused_without_reading_it(
    small_corpus: Path, outside: Path, name: str
) -> None:
    link = small_corpus / "research" / name
    target = outside / ("shadow" if name == "shadow.md" else name)
    link.symlink_to(target)
    message = refused(small_corpus)
    assert f"{link}: symbolic link to {target}, outside the corpus" in message
    assert "links that leave the corpus are refused" in message


def test_link_to_a_folder_outside_is_refused(small_corpus: Path, outside: Path) -> None:
    (small_corpus / "more").symlink_to(outside, target_is_directory=True)
    message = refused(small_corpus)
    assert f"{small_corpus / 'more'}: symbolic link to {outside}, outside the corpus" in message


def test_sidecar_linked_outside_is_refused_and_its_document_not_loaded(
    small_corpus: Path, outside: Path
) -> None:
    (small_corpus / "research" / "paper.txt").write_text("Some full text.\n")
    (small_corpus / "research" / "paper.yaml").symlink_to(outside / "meta.yaml")
    message = refused(small_corpus)
    assert "paper.yaml: symbolic link to" in message
    assert "corpus has 1 problem" in message


def test_broken_link_is_named(small_corpus: Path) -> None:
    (small_corpus / "research" / "gone.md").symlink_to(small_corpus / "nowhere.md")
    assert "gone.md: broken symbolic link" in refused(small_corpus)


def test_links_inside_the_corpus_are_followed_once(small_corpus: Path) -> None:
    # research/ lives in a hidden folder and is linked in; a link back to the root loops.
    hidden = small_corpus / ".store"
    hidden.mkdir()
    shutil.move(small_corpus / "research", hidden / "research")
    (small_corpus / "research").symlink_to(hidden / "research", target_is_directory=True)
    (small_corpus / "research" / "loop").symlink_to(small_corpus, target_is_directory=True)
    documents = load_corpus(small_corpus)
    assert sorted(d.id for d in documents) == ["test-guideline", "test-trial"]


def test_cli_refuses_the_link_and_leaves_the_index_untouched(
    tmp_path: Path, small_corpus: Path, outside: Path, embedder: Embedder
) -> None:
    settings = Settings(home=tmp_path / "home")
    build_index(settings, small_corpus, embedder=embedder)
    before = snapshot(settings)
    (small_corpus / "guidelines" / "shadow.md").symlink_to(outside / "shadow")
    result = CliRunner().invoke(main, ["--home", str(settings.home), "ingest", "--quiet", str(small_corpus)])
    assert result.exit_code == 2
    assert "symbolic link to" in result.stderr and SECRET not in result.output
    assert snapshot(settings) == before
    assert os.path.islink(small_corpus / "guidelines" / "shadow.md")
