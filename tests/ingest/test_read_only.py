"""Serving answers from a read-only data directory (a shared index on a clinic server).

The embedded Chroma needs write access even to read, so on a read-only directory
citewise answers from the generation's stored vectors with an exact search, and the
answers are the ones the writable index gives. Commands that write say the directory
is not writable. The directory is made read-only with a read-only bind mount in a
private mount namespace (``unshare``), which holds even for root.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from ingest import Embedder, Settings, build_index
from tests.ingest.namespace import run_in_mount_namespace

QUESTIONS = ["Should serum flarn be measured?", "How many patients were randomised in the quintomab trial?"]
SCRIPT = r"""
set -u
mount --bind "$HOME_DIR" "$HOME_DIR" && mount -o remount,bind,ro "$HOME_DIR" || exit 90
touch "$HOME_DIR/probe" 2>/dev/null && exit 91
"$CITEWISE" --home "$HOME_DIR" ask --jsonl "$OUT/questions.jsonl" > "$OUT/answers.jsonl" 2> "$OUT/ask.err"
echo "ask=$?"
"$CITEWISE" --home "$HOME_DIR" ingest --quiet "$CORPUS" 2> "$OUT/ingest.err"
echo "ingest=$?"
"$CITEWISE" --home "$HOME_DIR" doctor 2> "$OUT/doctor.err"
echo "doctor=$?"
"""


def strip(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k != "timings_ms"}


@pytest.mark.slow
def test_read_only_data_directory_answers_the_same(
    tmp_path: Path, small_corpus: Path, embedder: Embedder, shared_model: Embedder
) -> None:
    settings = Settings(home=tmp_path / "home")
    build_index(settings, small_corpus, embedder=embedder)
    out = tmp_path / "out"
    out.mkdir()
    (out / "questions.jsonl").write_text(
        "".join(json.dumps({"id": str(i), "question": q}) + "\n" for i, q in enumerate(QUESTIONS))
    )
    writable = CliRunner().invoke(
        main, ["--home", str(settings.home), "ask", "--jsonl", str(out / "questions.jsonl")]
    )
    assert writable.exit_code == 0, writable.output
    expected = [strip(json.loads(line)) for line in writable.stdout.splitlines()]

    done = run_in_mount_namespace(SCRIPT, HOME_DIR=str(settings.home), OUT=str(out), CORPUS=str(small_corpus))
    assert "ask=" in done.stdout, (
        f"could not make the directory read-only (exit {done.returncode}): {done.stderr}"
    )
    assert "ask=0" in done.stdout, (out / "ask.err").read_text()
    answers = [strip(json.loads(line)) for line in (out / "answers.jsonl").read_text().splitlines()]
    assert answers == expected
    assert "Traceback" not in (out / "ask.err").read_text()
    for command in ("ingest", "doctor"):
        assert f"{command}=2" in done.stdout
        message = (out / f"{command}.err").read_text()
        assert f"data directory {settings.home} is not writable" in message
