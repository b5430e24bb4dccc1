"""Feedback on chat answers: a thumbs vote or a comment, one JSON line each.

Lines go to ``<home>/feedback.jsonl``. Each holds what a maintainer needs to replay the
answer and see what the reader saw: the answer id, the question and the query searched,
the corpus hash, the answerer and top_k, and the claims by number (claim 1 is the first
statement of the answer; each with its [n], source, chunk and offsets).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from assistant.audit import append_jsonl
from ingest import InvalidQuestionError, Settings

FEEDBACK_FILE = "feedback.jsonl"
MAX_COMMENT_CHARS = 2000


def claims_of(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The answer's claims by number, as recorded with feedback."""
    return [
        {
            "claim": i,
            "n": c["n"],
            "role": c.get("role", "evidence"),
            "source_id": c["source_id"],
            "chunk_id": c["chunk_id"],
            "start": c["start"],
            "end": c["end"],
        }
        for i, c in enumerate(answer["citations"], start=1)
    ]


def feedback_record(turn: dict[str, Any], *, vote: str | None, comment: str | None = None) -> dict[str, Any]:
    """The JSON line for one vote (``"up"``/``"down"``) or comment on the answer of ``turn``."""
    answer = turn["answer"]
    return {
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "answer_id": answer.get("id"),
        "vote": vote,
        "comment": comment,
        "question": turn["question"],
        "query": turn["query"],
        "corpus_sha256": answer.get("index", {}).get("corpus_sha256"),
        "answerer": answer["answerer"],
        "top_k": turn.get("top_k"),
        "refused": answer["refused"],
        "claims": claims_of(answer),
        "cited": list(dict.fromkeys(c["source_id"] for c in answer["citations"])),
        "dropped_claims": answer.get("dropped_claims", 0),
        "answer": answer["answer"],
        "index": answer["index"],
    }


def clean_comment(comment: Any) -> str:
    """The comment stripped; an InvalidQuestionError when it is empty or too long."""
    text = comment.strip() if isinstance(comment, str) else ""
    if not text:
        raise InvalidQuestionError("the comment is empty; write what is wrong or missing in the answer")
    if len(text) > MAX_COMMENT_CHARS:
        raise InvalidQuestionError(
            f"the comment is {len(text):,} characters long; the limit is {MAX_COMMENT_CHARS:,}"
        )
    return text


def turn_at(turns: list[dict[str, Any]], index: Any) -> dict[str, Any] | None:
    """The turn whose answer is chat message ``index`` (None for a user message or no answer)."""
    return next((t for t in turns if t["message_index"] == index), None)


def record_vote(settings: Settings, turns: list[dict[str, Any]], index: Any, liked: Any) -> bool:
    """Append the vote on the answer at chat ``index``; False when there is nothing to record."""
    turn = turn_at(turns, index)
    if turn is None or not isinstance(liked, bool):  # a vote withdrawn, or a user message
        return False
    append_jsonl(settings.home / FEEDBACK_FILE, feedback_record(turn, vote="up" if liked else "down"))
    return True


def record_comment(settings: Settings, turn: dict[str, Any], comment: Any) -> None:
    """Append a comment on the answer of ``turn``.

    Raises:
        InvalidQuestionError: the comment is empty or too long.
    """
    append_jsonl(
        settings.home / FEEDBACK_FILE, feedback_record(turn, vote=None, comment=clean_comment(comment))
    )
