"""Opt-in audit log: one JSON line per answer.

The log contains question text, which may be sensitive; it is written only when
``--audit-log`` / ``CITEWISE_AUDIT_LOG`` is set. Each line is written with a single
``write`` on a file opened with O_APPEND under an exclusive ``flock``, so concurrent
writers (threads or processes) never interleave lines.

Every JSON line citewise writes is pure ASCII (``jsonl_line``): a question may hold
U+2028 or U+2029, which JSON allows raw inside strings but which ``str.splitlines()``
and JavaScript readers take for line breaks, so they are written as ``\u2028``.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from pathlib import Path

from assistant.answer import Answer


def audit_record(answer: Answer) -> dict:
    """The fields logged for one answer."""
    return {
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "id": answer.id,
        "question": answer.question,
        "answerer": answer.answerer,
        "retrieved": answer.retrieved,
        "cited": answer.cited_sources,
        "refused": answer.refused,
        "timings_ms": answer.timings_ms,
    }


def write_audit_line(path: Path, answer: Answer) -> None:
    """Append one JSON line for ``answer`` to ``path``."""
    append_jsonl(path, audit_record(answer))


def jsonl_line(record: dict) -> str:
    """``record`` as one line of ASCII JSON, newline included: every non-ASCII character,
    line separators included, is escaped, so any reader splits lines correctly."""
    return json.dumps(record, ensure_ascii=True) + "\n"


def append_jsonl(path: Path, record: dict) -> None:
    """Append ``record`` as one JSON line: one ``write`` under ``flock`` on an O_APPEND
    file (mode 0600, since lines may hold question text), so lines never interleave."""
    line = jsonl_line(record).encode("ascii")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
