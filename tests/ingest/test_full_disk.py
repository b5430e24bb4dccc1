"""A full disk during an ingest: exit 2, nothing left behind, the old index answers as before.

The write is made to fail with ENOSPC at each stage of writing a generation (vector
files, BM25, the Chroma collection, the CURRENT pointer) by raising the error the
operating system would raise there. One test fills a real, small tmpfs instead, in a
private mount namespace (``unshare``), and runs the installed command in it.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from assistant.cli import main
from ingest import Embedder, Settings, build_index, store
from ingest.embedding import model_cache
from tests.ingest.namespace import run_in_mount_namespace
from tests.ingest.test_index import snapshot

QUESTION = "Should serum flarn be measured?"


def citewise(home: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--home", str(home), *args])


def disk_full(*_: object, **__: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class FullCollection:
    """Stands in for Chroma's add when its SQLite file cannot grow (what Chroma raises then)."""

    @staticmethod
    def add(*_: object, **__: object) -> None:
        raise RuntimeError("error returned from database: (code: 13) database or disk is full")


def fail_chroma_add(monkeypatch: pytest.MonkeyPatch) -> None:
    real = store.create_collection

    def create(client: object, name: str) -> object:
        collection = real(client, name)
        monkeypatch.setattr(collection, "add", FullCollection.add)
        return collection

    monkeypatch.setattr(store, "create_collection", create)


STAGES: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "vector files": lambda mp: mp.setattr("ingest.vectors.os.posix_fallocate", disk_full),
    "bm25": lambda mp: mp.setattr("ingest.lexical.build_bm25", disk_full),
    "chroma": fail_chroma_add,
    "CURRENT": lambda mp: mp.setattr("ingest.datadir._atomic_write", disk_full),
}


@pytest.fixture
def home(tmp_path: Path, small_corpus: Path, embedder: Embedder) -> Path:
    settings = Settings(home=tmp_path / "home")
    build_index(settings, small_corpus, embedder=embedder)
    return settings.home


def collections(home: Path) -> list[str]:
    return sorted(store.list_collections(store.open_client(Settings(home=home))))


@pytest.mark.parametrize("stage", list(STAGES))
def test_full_disk_exits_2_and_leaves_the_old_index_answering(
    home: Path, small_corpus: Path, shared_model: Embedder, monkeypatch: pytest.MonkeyPatch, stage: str
) -> None:
    before_answer = citewise(home, "ask", "--json", QUESTION)
    before_files, before_collections = snapshot(Settings(home=home)), collections(home)
    trial = small_corpus / "research" / "test-trial.md"
    trial.write_text(trial.read_text() + "\nTest fixture: a sentence that never gets indexed.\n")

    with monkeypatch.context() as patch:
        STAGES[stage](patch)
        result = citewise(home, "ingest", "--quiet", str(small_corpus))

    assert result.exit_code == 2, result.output
    assert "No space left on device" in result.stderr or "disk is full" in result.stderr
    assert "the previous index is unchanged and still answers" in result.stderr
    assert "Traceback" not in result.output and "unexpected error" not in result.output
    assert not list((home / "index").glob("g*.tmp"))
    assert sorted(p.name for p in (home / "index").glob("g0*")) == ["g000001"]
    assert collections(home) == before_collections
    assert snapshot(Settings(home=home)) == before_files
    after = citewise(home, "ask", "--json", QUESTION)
    assert after.exit_code == 0, after.output
    drop = ("timings_ms",)
    strip = lambda text: {k: v for k, v in json.loads(text).items() if k not in drop}  # noqa: E731
    assert strip(after.stdout) == strip(before_answer.stdout)
    # With room again, the same ingest completes.
    assert citewise(home, "ingest", "--quiet", str(small_corpus)).exit_code == 0


# Mounts a small tmpfs over the data directory (its files copied in, so every path
# stays the same), fills it, then ingests a changed corpus and asks. Runs in a private
# mount namespace, so the mount is never seen outside and the original stays as it was.
TMPFS_SCRIPT = r"""
set -u
cp -a "$HOME_DIR/." "$OUT/copy"
mount -t tmpfs -o size=160m citewise-test "$HOME_DIR"
cp -a "$OUT/copy/." "$HOME_DIR/"
free=$(df --output=avail -B1 "$HOME_DIR" | tail -1)
head -c $((free - 48 * 1024)) /dev/zero > "$HOME_DIR/filler" 2>/dev/null
"$CITEWISE" --home "$HOME_DIR" ingest --quiet "$CORPUS" 2> "$OUT/ingest.err"
echo "ingest=$?"
ls "$HOME_DIR/index" > "$OUT/index.ls"
"$CITEWISE" --home "$HOME_DIR" ask --json "$QUESTION" > "$OUT/answer.json" 2> "$OUT/ask.err"
echo "ask=$?"
"""


@pytest.mark.slow
def test_a_real_full_tmpfs(tmp_path: Path, home: Path, small_corpus: Path, embedder: Embedder) -> None:
    # The data directory as a user's first ingest leaves it, with the exported model.
    assert embedder.cache_dir is not None
    shutil.copytree(embedder.cache_dir, model_cache(home))
    expected = citewise(home, "ask", "--json", QUESTION)
    trial = small_corpus / "research" / "test-trial.md"
    trial.write_text(trial.read_text() + "\nTest fixture: a sentence that needs room on the disk.\n")
    (tmp_path / "out" / "copy").mkdir(parents=True)
    done = run_in_mount_namespace(
        TMPFS_SCRIPT,
        HOME_DIR=str(home),
        CORPUS=str(small_corpus),
        OUT=str(tmp_path / "out"),
        QUESTION=QUESTION,
    )
    assert "ingest=" in done.stdout, f"could not set up the tmpfs: {done.stderr[-2000:]}"
    ingest_err = (tmp_path / "out" / "ingest.err").read_text()
    assert "ingest=2" in done.stdout, ingest_err
    assert "No space left on device" in ingest_err or "disk is full" in ingest_err
    assert "previous index is unchanged" in ingest_err
    assert (tmp_path / "out" / "index.ls").read_text().split() == ["CURRENT", "LOCK", "OWNER", "g000001"]
    assert "ask=0" in done.stdout, (tmp_path / "out" / "ask.err").read_text()
    answer = json.loads((tmp_path / "out" / "answer.json").read_text())
    assert answer["citations"] == json.loads(expected.stdout)["citations"]
