"""The opt-in audit log: one complete JSON line per answer, even with concurrent writers.

Lines here are made much longer than a pipe buffer or a stdio buffer (tens of kB), so
a writer that split a line over several ``write`` calls would interleave with others.
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import threading
from pathlib import Path

from assistant.answer import Answer
from assistant.audit import write_audit_line
from ingest import Settings

BIN = Path(sys.executable).parent
THREADS = 8
LINES_PER_THREAD = 40
PROCESSES = 3
LINES_PER_PROCESS = 150
# Each child process writes from several threads too, started by this script.
CHILD = """
import sys, threading
from pathlib import Path
from assistant.answer import Answer
from assistant.audit import write_audit_line

path, tag, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
def big_answer(n):
    return Answer(id=f"{tag}-{n}", question=(tag + " ") * 400, answer="",
                  retrieved=[f"{tag}-chunk#{i:04d}" for i in range(1500)])
def work(offset):
    for n in range(offset, count, 3):
        write_audit_line(path, big_answer(n))
threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
for t in threads: t.start()
for t in threads: t.join()
"""


def big_answer(tag: str, n: int) -> Answer:
    """An answer whose audit line is ~40 kB, with content derived from its id."""
    return Answer(
        id=f"{tag}-{n}",
        question=(tag + " ") * 400,
        answer="",
        retrieved=[f"{tag}-chunk#{i:04d}" for i in range(1500)],
    )


def read_records(path: Path) -> list[dict]:
    """Every line of the log, parsed (fails on any line that is not one JSON object)."""
    raw = path.read_bytes()
    assert raw.endswith(b"\n")
    return [json.loads(line) for line in raw.decode("utf-8").split("\n")[:-1]]


def assert_intact(record: dict) -> None:
    """A record's content matches what its writer put in it."""
    tag = record["id"].rsplit("-", 1)[0]
    assert record["question"] == (tag + " ") * 400
    assert record["retrieved"] == [f"{tag}-chunk#{i:04d}" for i in range(1500)]


def test_threads_and_processes_never_interleave_lines(tmp_path: Path):
    log = tmp_path / "audit" / "log.jsonl"
    children = [
        subprocess.Popen([sys.executable, "-c", CHILD, str(log), f"proc{p}", str(LINES_PER_PROCESS)])
        for p in range(PROCESSES)
    ]

    def work(t: int) -> None:
        for n in range(LINES_PER_THREAD):
            write_audit_line(log, big_answer(f"thread{t}", n))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for child in children:
        assert child.wait(timeout=120) == 0

    records = read_records(log)
    assert len(records) == THREADS * LINES_PER_THREAD + PROCESSES * LINES_PER_PROCESS
    assert len({r["id"] for r in records}) == len(records)
    for record in records:
        assert_intact(record)
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_assistant_writes_one_line_per_answer_when_enabled(tmp_path: Path, assistant):
    from assistant import Assistant

    log = tmp_path / "audit.jsonl"
    audited = Assistant(assistant.settings.with_(audit_log=log), assistant.kb)
    answered = audited.ask("Does rituximab help anti-MAG neuropathy?", id="q1")
    refused = audited.ask("What is the capital of France?", id="q2")

    first, second = read_records(log)
    assert first["id"] == "q1"
    assert first["question"] == answered.question
    assert first["retrieved"] == answered.retrieved
    assert first["cited"] == answered.cited_sources != []
    assert first["refused"] is False
    assert first["answerer"] == "extractive"
    assert set(first["timings_ms"]) >= {"retrieve", "answer", "total"}
    assert (second["id"], second["refused"], second["cited"]) == ("q2", refused.refused, [])


def test_audit_log_is_off_by_default(assistant):
    home = assistant.settings.home
    before = sorted(p for p in home.rglob("*") if p.is_file())
    assistant.ask("Does rituximab help anti-MAG neuropathy?")
    assert assistant.settings.audit_log is None
    assert Settings.from_env({}).audit_log is None
    assert sorted(p for p in home.rglob("*") if p.is_file()) == before


def test_audit_log_setting_comes_from_the_environment(tmp_path: Path):
    settings = Settings.from_env(
        {"CITEWISE_AUDIT_LOG": str(tmp_path / "a.jsonl"), "CITEWISE_HOME": str(tmp_path)}
    )
    assert settings.audit_log == tmp_path / "a.jsonl"


def test_cli_ask_with_audit_log_writes_one_valid_line(tmp_path: Path, index_settings: Settings):
    log = tmp_path / "audit.jsonl"
    question = "Is IVIg recommended for anti-MAG neuropathy?"
    result = subprocess.run(
        [
            str(BIN / "citewise"),
            "--home",
            str(index_settings.home),
            "ask",
            "--json",
            "--audit-log",
            str(log),
            question,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    (record,) = read_records(log)
    assert record["question"] == question
    assert record["refused"] == printed["refused"]
    assert record["retrieved"] == printed["retrieved"]
    assert record["cited"] == list(dict.fromkeys(c["source_id"] for c in printed["citations"]))
    assert record["timings_ms"] == printed["timings_ms"]


def test_line_separators_in_a_record_are_escaped_so_readers_see_one_line(tmp_path: Path) -> None:
    """U+2028/U+2029 are line breaks to str.splitlines() and JavaScript: the audit log and
    feedback.jsonl (both written by append_jsonl) must never contain them raw."""
    from assistant.audit import append_jsonl

    path = tmp_path / "log.jsonl"
    append_jsonl(path, {"question": "first\u2028second\u2029third é"})
    append_jsonl(path, {"question": "next"})
    raw = path.read_bytes()
    assert raw.isascii()
    lines = raw.decode("ascii").splitlines()
    assert len(lines) == 2
    assert json.loads(lines[0])["question"] == "first\u2028second\u2029third é"
