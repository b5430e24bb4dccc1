"""Tests for ingest.chunking: sentence splitting and section-aware chunks with offsets.

The property tests draw Markdown-ish documents (headings, bullets, numbered items,
sentences with abbreviations, decimals and citation markers, long words, unicode,
blank lines) and check what every chunking must satisfy, with the model's real
tokenizer and with a plain whitespace counter.
"""

from __future__ import annotations

import logging
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import TokenCounter
from ingest.chunking import CHUNK_TOKENS, Chunk, chunk_text, split_sections, split_sentences

PROPERTY_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# A heading line as CommonMark-ish Markdown writes it; decided here, not by the chunker.
HEADING_LINE = re.compile(r"^#{1,6}[ \t]+\S.*$", re.MULTILINE)


def count_words(text: str) -> int:
    """A stand-in token counter: whitespace-separated words."""
    return len(text.split())


_REAL_COUNTER: list[TokenCounter] = []


def real_counter() -> TokenCounter:
    """The model's tokenizer, loaded once (hypothesis forbids function-scoped fixtures)."""
    if not _REAL_COUNTER:
        _REAL_COUNTER.append(TokenCounter())
    return _REAL_COUNTER[0]


# --- strategies ------------------------------------------------------------------------

WORDS = st.sampled_from(
    [
        "patients",
        "IgM",
        "anti-MAG",
        "neuropathy",
        "rituximab",
        "et al.",
        "e.g.",
        "i.e.",
        "vs.",
        "Fig. 2",
        "2.5 mg",
        "(p < 0.05)",
        "[1]",
        "[2, 3]",
        "Dr.",
        "J.",
        "naïve",
        "α-synuclein",
        "β2",
        "神经病",
        "—",
        "🙂",
        "x\u00a0y",
        "-",
        "12)",
        "3.",
        "##",
        "immunoglobulinmacroglobulinaemiaparaproteinaemicdemyelinating",
    ]
)
LONG_WORD = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Z", "Cc")), min_size=20, max_size=90
)
PLAIN_WORD = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=12
)


@st.composite
def sentences(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.one_of(WORDS, PLAIN_WORD, LONG_WORD), min_size=1, max_size=40))
    end = draw(st.sampled_from([".", "!", "?", '."', ".)", ".[4]", "", ":"]))
    return " ".join(words) + end


@st.composite
def lines(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["heading", "bullet", "numbered", "paragraph", "blank", "raw"]))
    if kind == "heading":
        return (
            "#" * draw(st.integers(1, 6)) + " " + draw(PLAIN_WORD) + draw(st.sampled_from(["", " ##", " x"]))
        )
    if kind == "bullet":
        return draw(st.sampled_from(["- ", "* ", "+ ", "  - "])) + draw(sentences())
    if kind == "numbered":
        return f"{draw(st.integers(1, 20))}{draw(st.sampled_from(['.', ')']))} " + draw(sentences())
    if kind == "blank":
        return draw(st.sampled_from(["", " ", "\t"]))
    if kind == "raw":
        return draw(st.text(st.sampled_from("ab #-*.!?\t1)[]é \u00a0"), max_size=30))
    return " ".join(draw(st.lists(sentences(), min_size=1, max_size=6)))


markdown = st.lists(lines(), min_size=1, max_size=25).map("\n".join)
anything = st.text(max_size=400)


# --- checks every chunking must pass ---------------------------------------------------


def check_chunks(text: str, chunks: list[Chunk], count, max_tokens: int) -> None:
    """Assert offsets, coverage, the token limit, section boundaries and sentence spans."""
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert len({c.id for c in chunks}) == len(chunks)
    for previous, chunk in zip(chunks, chunks[1:], strict=False):
        assert previous.end <= chunk.start, "chunks overlap or are out of order"
    for chunk in chunks:
        assert chunk.text == text[chunk.start : chunk.end]
        assert chunk.text and chunk.text == chunk.text.strip()
        assert count(chunk.text) <= max_tokens, f"{chunk.id} has {count(chunk.text)} tokens > {max_tokens}"
        check_sentence_spans(chunk)
    check_sections(text, chunks)
    check_coverage(text, chunks, count, max_tokens)


def check_sentence_spans(chunk: Chunk) -> None:
    spans = chunk.sentences
    assert spans, f"{chunk.id} has no sentences"
    assert spans[0][0] == chunk.start and spans[-1][1] == chunk.end
    for start, end in spans:
        assert chunk.start <= start < end <= chunk.end
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert end <= start, f"{chunk.id}: sentence spans overlap"


def check_sections(text: str, chunks: list[Chunk]) -> None:
    """No chunk touches a heading line; each chunk lies inside the section it names."""
    for heading in HEADING_LINE.finditer(text):
        for chunk in chunks:
            assert chunk.end <= heading.start() or chunk.start >= heading.end(), (
                f"{chunk.id} crosses heading {heading.group(0)!r}"
            )
    sections = split_sections(text)
    for chunk in chunks:
        owners = [h for h, s, e in sections if s <= chunk.start and chunk.end <= e]
        assert owners == [chunk.section]


def check_coverage(text: str, chunks: list[Chunk], count, max_tokens: int) -> None:
    """Every sentence that fits lies inside one chunk; every character of a longer one is chunked."""
    covered = bytearray(len(text))
    for chunk in chunks:
        covered[chunk.start : chunk.end] = b"\x01" * (chunk.end - chunk.start)
    for _, sec_start, sec_end in split_sections(text):
        for start, end in split_sentences(text, sec_start, sec_end):
            if count(text[start:end]) <= max_tokens:
                assert any(c.start <= start and end <= c.end for c in chunks), (
                    f"sentence {text[start:end]!r} is in no chunk"
                )
            missing = [i for i in range(start, end) if not covered[i] and not text[i].isspace()]
            assert not missing, (
                f"characters {[text[i] for i in missing]} of {text[start:end]!r} are in no chunk"
            )


# --- property tests --------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(text=markdown, max_tokens=st.integers(8, 80))
def test_markdown_chunks_hold_with_the_model_tokenizer(text: str, max_tokens: int) -> None:
    counter = real_counter()
    chunks = chunk_text(text, doc_id="doc", count_tokens=counter, max_tokens=max_tokens)
    check_chunks(text, chunks, counter, max_tokens)


@PROPERTY_SETTINGS
@given(text=markdown, max_tokens=st.integers(1, 40))
def test_markdown_chunks_hold_with_a_word_counter(text: str, max_tokens: int) -> None:
    chunks = chunk_text(text, doc_id="doc", count_tokens=count_words, max_tokens=max_tokens)
    check_chunks(text, chunks, count_words, max_tokens)


@settings(max_examples=80, deadline=None)
@given(text=anything, max_tokens=st.integers(1, 30))
def test_arbitrary_text_chunks_hold(text: str, max_tokens: int) -> None:
    chunks = chunk_text(text, doc_id="doc", count_tokens=count_words, max_tokens=max_tokens)
    check_chunks(text, chunks, count_words, max_tokens)


@settings(max_examples=40, deadline=None)
@given(text=markdown, max_tokens=st.integers(4, 60))
def test_chunking_is_deterministic(text: str, max_tokens: int) -> None:
    counter = real_counter()
    first = chunk_text(text, doc_id="doc", count_tokens=counter, max_tokens=max_tokens)
    again = chunk_text(text, doc_id="doc", count_tokens=TokenCounter(), max_tokens=max_tokens)
    assert first == again


@settings(max_examples=60, deadline=None)
@given(text=markdown)
def test_sentence_spans_are_trimmed_ordered_and_inside_the_range(text: str) -> None:
    for _, start, end in split_sections(text):
        spans = split_sentences(text, start, end)
        for s, e in spans:
            assert start <= s < e <= end
            assert text[s:e] == text[s:e].strip()
        for (_, e), (s, _) in zip(spans, spans[1:], strict=False):
            assert e <= s


# --- examples --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Smith et al. reported it. Then more.", ["Smith et al. reported it.", "Then more."]),
        ("Use e.g. rituximab first. Next one.", ["Use e.g. rituximab first.", "Next one."]),
        ("That is i.e. the dose. Done.", ["That is i.e. the dose.", "Done."]),
        ("IVIg vs. placebo was tested. Done.", ["IVIg vs. placebo was tested.", "Done."]),
        ("Give 2.5 mg daily. Then stop.", ["Give 2.5 mg daily.", "Then stop."]),
        ("See Fig. 2 for details. Next.", ["See Fig. 2 for details.", "Next."]),
        ("Dr. Latov wrote it. He left.", ["Dr. Latov wrote it.", "He left."]),
        ("J. Smith said so. Ok.", ["J. Smith said so.", "Ok."]),
        ("Is it? Yes! No.", ["Is it?", "Yes!", "No."]),
        ('He said "stop." Then left.', ['He said "stop."', "Then left."]),
        ("Titres fell (p < 0.05). Next.", ["Titres fell (p < 0.05).", "Next."]),
        ("It works [1]. Next one [2, 3]. Last.", ["It works [1].", "Next one [2, 3].", "Last."]),
        ("It works.[1] Next one.[2, 3] Last.", ["It works.[1]", "Next one.[2, 3]", "Last."]),
        ("Para one.\n\nPara two", ["Para one.", "Para two"]),
        ("Line one\nstill the same sentence.", ["Line one\nstill the same sentence."]),
    ],
)
def test_split_sentences_examples(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in split_sentences(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Options:\n- rituximab\n- IVIg", ["Options:", "rituximab", "IVIg"]),
        ("Options:\n* rituximab\n+ IVIg", ["Options:", "rituximab", "IVIg"]),
        ("Steps:\n1. test IgM\n2. test anti-MAG", ["Steps:", "test IgM", "test anti-MAG"]),
        ("Steps:\n1) test IgM\n2) test anti-MAG", ["Steps:", "test IgM", "test anti-MAG"]),
        ("- first item\n- second item", ["first item", "second item"]),
    ],
)
def test_list_items_are_sentences_without_their_bullets(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in split_sentences(text)] == expected


def test_split_sentences_respects_the_range() -> None:
    text = "Skip me. Keep this. And this. Skip me too."
    start = text.index("Keep")
    end = text.index("Skip me too")
    assert [text[s:e] for s, e in split_sentences(text, start, end)] == ["Keep this.", "And this."]


def test_blank_text_has_no_sentences_and_no_chunks() -> None:
    assert split_sentences(" \n\t ") == []
    assert chunk_text("\n\n  \n", doc_id="doc", count_tokens=count_words) == []


def test_sections_take_their_heading_names() -> None:
    text = "Preamble text.\n\n## Methods\n\nWe did it.\n\n### Results ##\n\nIt worked.\n"
    chunks = chunk_text(text, doc_id="doc", count_tokens=count_words)
    assert [(c.section, c.text) for c in chunks] == [
        ("", "Preamble text."),
        ("Methods", "We did it."),
        ("Results", "It worked."),
    ]


def test_a_heading_with_an_empty_section_yields_no_chunk() -> None:
    text = "## Empty\n\n## Full\nSomething here."
    assert [c.section for c in chunk_text(text, doc_id="doc", count_tokens=count_words)] == ["Full"]


def test_sentences_are_packed_up_to_the_limit() -> None:
    text = " ".join(f"Sentence number {i} has six words." for i in range(10))
    chunks = chunk_text(text, doc_id="doc", count_tokens=count_words, max_tokens=20)
    # Six words each: three sentences (18 words) fit, a fourth would make 24.
    assert [len(c.sentences) for c in chunks] == [3, 3, 3, 1]


def test_chunk_ids_name_document_and_position() -> None:
    chunks = chunk_text("One. Two. Three.", doc_id="lunn2016", count_tokens=count_words, max_tokens=1)
    assert [c.id for c in chunks] == ["lunn2016#0000", "lunn2016#0001", "lunn2016#0002"]


def test_default_limit_leaves_room_within_the_model_window() -> None:
    counter = real_counter()
    text = " ".join(["The panel recommends rituximab for disabling anti-MAG neuropathy."] * 80)
    chunks = chunk_text(text, doc_id="doc", count_tokens=counter)
    assert len(chunks) > 1
    assert all(counter(c.text) <= CHUNK_TOKENS for c in chunks)


def test_over_long_sentence_is_split_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    text = "Short one. " + " ".join(f"word{i}" for i in range(50)) + ". After."
    with caplog.at_level(logging.WARNING, logger="ingest.chunking"):
        chunks = chunk_text(text, doc_id="long-doc", count_tokens=count_words, max_tokens=8)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [f"long-doc: sentence at offset {text.index('word0')} exceeds 8 tokens; split"]
    assert all(count_words(c.text) <= 8 for c in chunks)
    assert "".join(c.text for c in chunks).replace(" ", "") == text.replace(" ", "")


def test_a_word_longer_than_the_limit_is_cut_by_characters() -> None:
    counter = real_counter()
    word = "-".join(["flarn"] * 400)  # hundreds of word pieces, no space to cut at
    chunks = chunk_text(word, doc_id="doc", count_tokens=counter, max_tokens=50)
    assert len(chunks) > 1
    assert "".join(c.text for c in chunks) == word
    assert all(counter(c.text) <= 50 for c in chunks)


def test_no_warning_when_every_sentence_fits(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ingest.chunking"):
        chunk_text("A short sentence. Another one.", doc_id="doc", count_tokens=count_words, max_tokens=8)
    assert not caplog.records
