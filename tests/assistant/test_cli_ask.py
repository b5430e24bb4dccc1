"""`citewise ask`: Markdown, --json, --jsonl, and exit codes, through the real CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main

PREVALENCE = "What proportion of patients with IgM MGUS and neuropathy have anti-MAG antibodies?"


def run(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", "--home", str(home), *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=180,
    )


@pytest.fixture(scope="module")
def home(index_settings) -> Path:
    return index_settings.home


def test_markdown_answer_on_stdout(home: Path) -> None:
    result = run(home, "ask", PREVALENCE)
    assert result.returncode == 0, result.stderr
    assert "**Bottom line:**" in result.stdout and "### Sources" in result.stdout
    assert re.search(r"\bhalf\b|\b44%", result.stdout)  # the share, from the seed or the cohort


def test_json_answer_is_one_object(home: Path) -> None:
    result = run(home, "ask", "--json", PREVALENCE)
    data = json.loads(result.stdout)
    assert data["refused"] is False and data["citations"]


def test_jsonl_batch_keeps_ids_and_reports_bad_lines_in_place(home: Path) -> None:
    lines = "\n".join(
        [
            json.dumps({"id": "a", "question": PREVALENCE}),
            "not json",
            json.dumps({"id": "c", "question": ""}),
            json.dumps({"id": 4, "question": "What is the capital of France?"}),
        ]
    )
    result = run(home, "ask", "--jsonl", "-", stdin=lines)
    assert result.returncode == 2, result.stderr  # every line answered, two of them with an error
    assert "2 of 4 lines could not be answered" in result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("id") for o in out] == ["a", None, "c", "4"]
    assert out[0]["refused"] is False
    assert "error" in out[1] and out[1]["line"] == 2
    assert "empty" in out[2]["error"]
    assert out[3]["refused"] is True


@pytest.mark.parametrize(("question", "message"), [("   ", "empty"), ("y" * 2001, "limit is 2,000")])
def test_bad_question_exits_2(home: Path, question: str, message: str) -> None:
    result = CliRunner().invoke(main, ["--home", str(home), "ask", question])
    assert result.exit_code == 2 and message in result.output


def test_missing_index_says_to_run_ingest(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--home", str(tmp_path / "empty"), "ask", "Does rituximab help?"])
    assert result.exit_code == 2
    assert "citewise ingest" in result.output


def test_unknown_answerer_is_rejected(home: Path) -> None:
    result = CliRunner().invoke(main, ["--home", str(home), "ask", "--answerer", "oracle", "q"])
    assert result.exit_code == 2 and "oracle" in result.output


def test_question_and_jsonl_together_is_a_usage_error(home: Path) -> None:
    result = CliRunner().invoke(main, ["--home", str(home), "ask", "--jsonl", "-", "q"], input="")
    assert result.exit_code == 2 and "either" in result.output
