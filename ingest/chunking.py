"""Split document text into section-aware, sentence-aligned chunks with offsets.

Everything here is pure: the token counter is passed in, so tests can use the real
tokenizer or a stand-in. Offsets are character offsets into the document body, and
``text[chunk.start:chunk.end] == chunk.text`` always holds.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

# Bump when chunk boundaries change: the index rebuilds instead of mixing old and new.
CHUNKER_VERSION = "4"
# all-MiniLM-L6-v2 reads at most 256 word pieces, [CLS] and [SEP] included. Chunks aim
# below that so a chunk is a focused passage (about 4-8 sentences of clinical prose).
MODEL_MAX_TOKENS = 256
CHUNK_TOKENS = 200

Span = tuple[int, int]
TokenCounter = Callable[[str], int]

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
# A sentence ends at . ! ? (optionally followed by closing quotes/brackets or a bracketed
# citation marker such as "[1]" or "[2, 3]") and then whitespace. Line breaks before a
# list item and blank lines end a sentence too.
_BOUNDARY = re.compile(
    r"(?<=[.!?])(?:[\"')\]]|\[[ \d,–-]+\])*(?=\s)|\n(?=[ \t]*(?:[-*+]|\d+[.)])[ \t])|\n[ \t]*\n"
)
# Abbreviations after which a period does not end a sentence.
_NO_SPLIT = re.compile(
    r"(?:\b(?:et al|e\.g|i\.e|vs|Dr|Drs|Prof|Fig|Figs|approx|ca|cf|No|Vol|pp|St|Mr|Mrs|Ms|Jr)|"
    r"\b[A-Z])\.$"
)
# "12." alone at the start of a line numbers a list item; it does not end a sentence.
_LIST_NUMBER = re.compile(r"[ \t]*\d+\.")


@dataclass(frozen=True, slots=True)
class Chunk:
    """A passage of a document, with where it sits and the sentences it holds."""

    doc_id: str
    ordinal: int
    section: str
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...]

    @property
    def id(self) -> str:
        """Stable chunk id: document id and position."""
        return f"{self.doc_id}#{self.ordinal:04d}"


def split_sections(text: str) -> list[tuple[str, int, int]]:
    """Return ``(heading, start, end)`` for each section body; heading lines are excluded.

    Text before the first heading belongs to a section named "".
    """
    sections = []
    heading, start = "", 0
    for match in _HEADING.finditer(text):
        sections.append((heading, start, match.start()))
        heading, start = match.group(2).strip(), match.end()
    sections.append((heading, start, len(text)))
    return [(h, s, e) for h, s, e in sections if text[s:e].strip()]


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Return sentence spans of ``text[start:end]``, trimmed of surrounding whitespace."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        cut = match.end() if match.group(0).strip() and not match.group(0).isspace() else match.start()
        if cut <= cursor or _NO_SPLIT.search(text[max(cursor, cut - 12) : cut]):
            continue
        if _LIST_NUMBER.fullmatch(text, text.rfind("\n", 0, cut) + 1, cut):
            continue
        spans.append((cursor, cut))
        cursor = cut
    spans.append((cursor, end))
    return [t for s, e in spans if (t := _trim(text, s, e))]


_BULLET = re.compile(r"[ \t]*(?:[-*+]|\d+[.)])[ \t]+")


def _trim(text: str, start: int, end: int, *, bullet: bool = True) -> Span | None:
    """Shrink a span past surrounding whitespace and (if ``bullet``) a leading list bullet."""
    while start < end and text[start].isspace():
        start += 1
    if bullet and (marker := _BULLET.match(text, start, end)) and marker.end() < end:
        start = marker.end()
        while start < end and text[start].isspace():
            start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def _split_long(text: str, span: Span, limit: int, count: TokenCounter) -> list[Span]:
    """Split an over-long sentence at word boundaries (or characters) into pieces that fit."""
    start, end = span
    pieces: list[Span] = []
    while start < end:
        if count(text[start:end]) <= limit:
            pieces.append((start, end))
            break
        # Binary search the longest prefix that fits, then back off to a space.
        lo, hi = start + 1, end
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if count(text[start:mid]) <= limit else (lo, mid - 1)
        space = text.rfind(" ", start + 1, lo + 1)
        cut = space if space > start else lo
        pieces.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    # A piece starting "- " or "2. " is mid-sentence, not a list item: keep its first word.
    return [t for s, e in pieces if (t := _trim(text, s, e, bullet=False))]


def chunk_text(
    text: str,
    *,
    doc_id: str,
    count_tokens: TokenCounter,
    max_tokens: int = CHUNK_TOKENS,
) -> list[Chunk]:
    """Pack the sentences of each section into chunks of at most ``max_tokens`` tokens.

    A chunk never crosses a section heading. A sentence longer than the budget is split
    at word boundaries and a warning names the document and offset.
    """
    chunks: list[Chunk] = []
    for heading, sec_start, sec_end in split_sections(text):
        group: list[Span] = []
        for sentence in split_sentences(text, sec_start, sec_end):
            pieces = [sentence]
            if count_tokens(text[sentence[0] : sentence[1]]) > max_tokens:
                logger.warning(
                    "%s: sentence at offset %d exceeds %d tokens; split", doc_id, sentence[0], max_tokens
                )
                pieces = _split_long(text, sentence, max_tokens, count_tokens)
            for piece in pieces:
                if group and count_tokens(text[group[0][0] : piece[1]]) > max_tokens:
                    chunks.append(_make_chunk(text, doc_id, len(chunks), heading, group))
                    group = []
                group.append(piece)
        if group:
            chunks.append(_make_chunk(text, doc_id, len(chunks), heading, group))
    return chunks


def _make_chunk(text: str, doc_id: str, ordinal: int, section: str, group: list[Span]) -> Chunk:
    start, end = group[0][0], group[-1][1]
    return Chunk(doc_id, ordinal, section, start, end, text[start:end], tuple(group))
