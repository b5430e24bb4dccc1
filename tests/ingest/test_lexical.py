"""BM25 over chunk texts (ingest.lexical): the real bm25s index on tmp_path."""

from __future__ import annotations

from pathlib import Path

from ingest.lexical import Bm25Index, build_bm25

CHUNKS = [
    "Zorbel syndrome is a slowly progressive neuropathy; Zorbel syndrome is rare.",
    "In Zorbel syndrome, quintomab helped some patients with Zorbel syndrome.",
    "Zorbel syndrome patients should be screened for a marrow disorder.",
    "Flarn titres were high in Zorbel syndrome.",
    "Krell neuropathy can resemble it on nerve conduction studies.",
]


def index(tmp_path: Path) -> Bm25Index:
    build_bm25(CHUNKS, tmp_path / "bm25")
    return Bm25Index(tmp_path / "bm25", len(CHUNKS))


def test_the_stems_most_chunks_contain_are_common(tmp_path: Path) -> None:
    assert {"zorbel", "syndrom"} <= index(tmp_path).common
    assert "screen" not in index(tmp_path).common


def test_a_telling_search_ranks_by_the_words_few_chunks_contain(tmp_path: Path) -> None:
    bm25 = index(tmp_path)
    question = "What should Zorbel syndrome patients be screened for in Zorbel syndrome?"
    rows, _ = bm25.search(question, 5, telling=True)
    assert rows[0] == 2  # the chunk with the rare word, not those repeating the name
    assert 0 not in rows  # the name alone finds nothing
    plain, _ = bm25.search(question, 5)
    assert 0 in plain
    none, _ = bm25.search("Zorbel syndrome?", 5, telling=True)
    assert len(none) == 0  # nothing but common words: no telling search
