"""`citewise ask --jsonl` and the question argument, fed broken input through the real CLI.

A bad line gets an error object on its own output line and every other line is still
answered; the batch then exits 2. Every output line is ASCII JSON, so a reader that
splits on U+2028 (``str.splitlines``, JavaScript) sees exactly one object per line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from assistant.cli import main
from ingest import Embedder, Settings, build_index
from tests.conftest import SMALL_CORPUS

GOOD = "How many patients were randomised in the quintomab trial?"
SEPARATED = "Does quintomab help\u2028patients\u2029with Zorbel syndrome?"


def batch(home: Path, data: bytes, *options: str) -> Result:
    return CliRunner().invoke(main, ["--home", str(home), "ask", *options, "--jsonl", "-"], input=data)


def line(**fields: object) -> bytes:
    return json.dumps(fields).encode() + b"\n"


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """A real index of the two-document test corpus, built once for this module."""
    settings = Settings(home=tmp_path_factory.mktemp("batch-home"))
    build_index(settings, SMALL_CORPUS, embedder=embedder)
    return settings


@pytest.fixture
def home(small_index: Settings, shared_model: Embedder) -> Path:
    return small_index.home


def test_bad_lines_get_error_objects_in_place_and_good_lines_are_answered(home: Path) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    data = b"".join(
        [
            line(id="a", question=GOOD),
            b'{"id": "b", "question": "caf\xff\xfe?"}\n',  # not UTF-8
            deep + b"\n",
            b"\n",  # blank: skipped, no output
            line(id="d", question=SEPARATED),
            b'{"id": {"nested": 1}, "question": "Is IVIg effective?"}\n',
            b'{"id": "f", "question": "\\ud800 lone surrogate"}\n',
            line(id="g"),
            b"not json\n",
            line(id=7, question="What is the capital of France?"),
        ]
    )
    result = batch(home, data)

    assert result.exit_code == 2
    assert "6 of 9 lines could not be answered" in result.stderr
    out = [json.loads(text) for text in result.stdout.splitlines()]
    assert [o.get("id") for o in out] == ["a", None, None, "d", None, "f", "g", None, "7"]
    assert [o.get("line") for o in out if "error" in o] == [2, 3, 6, 7, 8, 9]
    errors = {o["line"]: o["error"] for o in out if "error" in o}
    bad_byte = data.split(b"\n")[1].index(b"\xff") + 1
    assert f"line 2 is not valid UTF-8 (byte {bad_byte})" in errors[2]
    assert "nested too deeply" in errors[3]
    assert '"id" must be a string or a number' in errors[6]
    assert "lone surrogate" in errors[7]
    assert 'line 8 has no "question"' in errors[8]
    assert "line 9 is not JSON" in errors[9]
    answered = [o for o in out if "error" not in o]
    assert answered[0]["refused"] is False and answered[0]["citations"]
    assert answered[1]["question"] == SEPARATED.strip() and answered[1]["citations"]
    assert answered[2]["refused"] is True


def test_output_lines_are_ascii_so_line_separators_cannot_split_them(home: Path, tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    result = batch(home, line(id="u", question=SEPARATED) * 2, "--audit-log", str(audit))
    assert result.exit_code == 0, result.output
    for text in (result.stdout, audit.read_text(encoding="utf-8")):
        assert text.isascii()
        assert "\\u2028" in text and "\\u2029" in text
        records = [json.loads(row) for row in text.splitlines()]
        assert len(records) == 2 == text.count("\n")
        assert all(r["question"] == SEPARATED.strip() for r in records)


def test_an_overlong_line_is_refused_and_the_next_is_answered(home: Path) -> None:
    huge = b'{"id": "big", "question": "' + b"x" * 1_100_000 + b'"}\n'
    result = batch(home, huge + line(id="next", question=GOOD))
    assert result.exit_code == 2
    first, second = (json.loads(text) for text in result.stdout.splitlines())
    assert first["line"] == 1 and "longer than 1,000,000 bytes" in first["error"]
    assert second["id"] == "next" and second["citations"]


def test_all_good_lines_exit_0(home: Path) -> None:
    result = batch(home, line(id="only", question=GOOD))
    assert result.exit_code == 0 and result.stderr == ""
    assert json.loads(result.stdout)["id"] == "only"


def test_question_argument_with_undecodable_bytes_exits_2(small_index: Settings) -> None:
    # Through the installed command, so the bytes arrive as the OS passes them.
    done = subprocess.run(
        [
            Path(sys.executable).parent / "citewise",
            "--home",
            small_index.home,
            "ask",
            b"caf\xe9 quintomab?",
        ],
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert b"the question is not valid text (character 4" in done.stderr
    assert b"must be UTF-8" in done.stderr and b"Traceback" not in done.stderr


@pytest.mark.parametrize("question", ["caf\udce9?", "\ud83d half an emoji"])
def test_question_argument_with_a_lone_surrogate_exits_2(home: Path, question: str) -> None:
    result = CliRunner().invoke(main, ["--home", str(home), "ask", question])
    assert result.exit_code == 2
    assert "the question is not valid text" in result.stderr
