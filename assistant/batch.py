"""``citewise ask --jsonl``: answer a file of questions, one JSON line in, one out.

Input is read as bytes, line by line, so one bad line (not UTF-8, not JSON, nested
100,000 deep, far too long) gets an error object on its own output line and every
other line is still answered. Output lines are ASCII JSON (``assistant.audit.jsonl_line``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from assistant.audit import jsonl_line
from ingest.errors import CitewiseError, InvalidQuestionError

# A line holds one short question; anything this long is a mistake, not a question.
MAX_LINE_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class BatchSummary:
    """How many lines were answered, and how many got an error object."""

    answered: int
    failed: int


def question_text(value: Any) -> str:
    """``value`` if it is text that can be encoded, else an InvalidQuestionError.

    Undecodable bytes in a command-line argument reach Python as lone surrogates
    (U+DC80-U+DCFF), and JSON can spell any lone surrogate ("\\ud800"); neither can be
    tokenised or written out, so they are refused here, with the position.
    """
    if not isinstance(value, str):
        return value  # validate_question names the wrong type
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidQuestionError(
            f"the question is not valid text (character {exc.start + 1} is an undecodable byte or a "
            "lone surrogate); check the encoding of your terminal or file, which must be UTF-8"
        ) from exc
    return value


def answer_lines(assistant: Any, stream: BinaryIO, write: Callable[[str], None]) -> BatchSummary:
    """Answer each line ``{"id": ..., "question": ...}`` of ``stream``; ``write`` gets one
    JSON line per input line that is not blank: the answer, or an error object
    ``{"id": ..., "line": n, "error": "..."}``."""
    answered = failed = 0
    number = 0
    while raw := stream.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while (rest := stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                pass  # skip the rest of the overlong line
            write(_error(None, number, f"line {number} is longer than {MAX_LINE_BYTES:,} bytes"))
            failed += 1
            continue
        if not raw.strip():
            continue
        item_id: Any = None
        try:
            item = _parse(raw, number)
            item_id = _item_id(item)
            if "question" not in item:
                raise InvalidQuestionError(f'line {number} has no "question"')
            answer = assistant.ask(question_text(item["question"]), id=item_id)
            write(jsonl_line(answer.model_dump(mode="json")))
            answered += 1
        except CitewiseError as exc:
            write(_error(item_id, number, str(exc)))
            failed += 1
    return BatchSummary(answered, failed)


def _parse(raw: bytes, number: int) -> dict[str, Any]:
    """One input line as a JSON object, or an InvalidQuestionError saying why not."""
    try:
        text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidQuestionError(
            f"line {number} is not valid UTF-8 (byte {exc.start + 1}); save the file as UTF-8"
        ) from exc
    try:
        item = json.loads(text)
    except RecursionError as exc:
        raise InvalidQuestionError(f"line {number} is nested too deeply to be a question") from exc
    except ValueError as exc:
        raise InvalidQuestionError(f"line {number} is not JSON ({exc})") from exc
    if not isinstance(item, dict):
        raise InvalidQuestionError(
            f'line {number} must be a JSON object such as {{"id": "q1", "question": "..."}}'
        )
    return item


def _item_id(item: dict[str, Any]) -> str | None:
    """The line's id as text: a string or a number; anything else is refused."""
    value = item.get("id")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidQuestionError(f'"id" must be a string or a number, got {type(value).__name__}')
    return question_text(str(value))


def _error(item_id: str | None, number: int, message: str) -> str:
    return jsonl_line({"id": item_id, "line": number, "error": message})
