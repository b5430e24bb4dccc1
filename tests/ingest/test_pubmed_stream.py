"""PubMed exports at real size: streamed record by record, duplicates skipped and named.

The exports are generated: test fixture records with made-up PMIDs (99,000,000+).
Memory is measured with tracemalloc while the records are read and dropped: it must
stay within a few MB however large the file (a loader that reads the whole file first
holds at least the file's size).
"""

from __future__ import annotations

import re
import tracemalloc
from pathlib import Path

from click.testing import CliRunner

from assistant.cli import main
from ingest import Embedder, load_corpus
from ingest.corpus import MAX_FILE_BYTES
from ingest.loaders import load_medline, load_pubmed_xml
from ingest.scan import read_corpus

# One record's objects, one XML block's tree, and what the first validation compiles.
STREAMING_PEAK = 4 << 20
ABSTRACT = (
    "Test fixture abstract number {i}. It exists only to exercise the streaming PubMed loader "
    "and states no clinical finding; its words vary a little, record {i} of many. " * 3
)


def medline_record(i: int, doi: str | None = None) -> str:
    doi_line = f"LID - {doi} [doi]\n" if doi else ""
    return (
        f"PMID- {99_000_000 + i}\nTI  - Test fixture: streamed record {i}\n{doi_line}"
        f"AB  - {ABSTRACT.format(i=i)}\nAU  - Fixture A\nDP  - 2020\nPT  - Journal Article\n\n"
    )


def xml_article(i: int) -> str:
    return (
        f"<PubmedArticle><MedlineCitation><PMID>{99_000_000 + i}</PMID><Article>"
        "<Journal><JournalIssue><PubDate><Year>2020</Year></PubDate></JournalIssue></Journal>"
        f"<ArticleTitle>Test fixture: streamed article {i}</ArticleTitle>"
        f"<Abstract><AbstractText>{ABSTRACT.format(i=i)}</AbstractText></Abstract>"
        "<AuthorList><Author><LastName>Fixture</LastName><Initials>A</Initials></Author></AuthorList>"
        "</Article></MedlineCitation></PubmedArticle>\n"
    )


def peak_while_reading(documents) -> tuple[int, int]:
    """(records read, peak traced bytes) while every document is read and dropped."""
    tracemalloc.start()
    try:
        count = sum(1 for _ in documents)
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_medline_export_larger_than_the_file_limit_is_streamed(tmp_path: Path) -> None:
    path = tmp_path / "big.nbib"
    records = 0
    with open(path, "w", encoding="utf-8") as fh:
        while fh.tell() <= MAX_FILE_BYTES + (1 << 20):
            fh.write(medline_record(records))
            records += 1
    count, peak = peak_while_reading(load_medline(path))
    assert count == records > 30_000
    assert peak < STREAMING_PEAK < path.stat().st_size // 4, f"peak {peak:,} bytes"


def test_a_pubmed_xml_export_is_streamed(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" ?>\n<PubmedArticleSet>\n')
        for i in range(12_000):
            fh.write(xml_article(i))
        fh.write("</PubmedArticleSet>\n")
    count, peak = peak_while_reading(load_pubmed_xml(path))
    assert count == 12_000
    assert peak < STREAMING_PEAK < path.stat().st_size // 2, f"peak {peak:,} bytes"


def test_records_already_in_the_corpus_are_skipped_and_named(tmp_path: Path, small_corpus: Path) -> None:
    # test-trial.md has pmid "1"; the first export repeats it as a record, and the second
    # export repeats a record of the first and shares a DOI with another.
    exports = small_corpus / "exports"
    exports.mkdir()
    (exports / "a.nbib").write_text(
        medline_record(1, doi="10.5555/test-fixture.dup")
        + medline_record(2)
        + medline_record(0).replace("PMID- 99000000", "PMID- 1")
    )
    (exports / "b.nbib").write_text(medline_record(2) + medline_record(3, doi="10.5555/TEST-FIXTURE.DUP"))
    corpus = read_corpus(small_corpus)
    ids = sorted(d.id for d in corpus.documents)
    assert ids == ["pmid-99000001", "pmid-99000002", "test-guideline", "test-trial"]
    assert len(corpus.skipped) == 3
    skipped = "\n".join(corpus.skipped)
    assert (
        f"{exports / 'a.nbib'}: pmid-1 (PMID 1, already in " in skipped
        and "test-trial.md as test-trial)" in skipped
    )
    assert f"{exports / 'b.nbib'}: pmid-99000002 (PMID 99000002, already in {exports / 'a.nbib'}" in skipped
    assert "pmid-99000003 (DOI 10.5555/test-fixture.dup, already in" in skipped
    assert len(load_corpus(small_corpus)) == 4


def test_ingest_names_the_skipped_duplicates_and_shows_an_eta(
    tmp_path: Path, small_corpus: Path, shared_model: Embedder
) -> None:
    (small_corpus / "a.nbib").write_text(medline_record(5) + medline_record(6))
    (small_corpus / "b.nbib").write_text(medline_record(6))
    result = CliRunner().invoke(main, ["--home", str(tmp_path / "home"), "ingest", str(small_corpus)])
    assert result.exit_code == 0, result.output
    assert "4 documents" in result.stderr
    assert "skipped 1 duplicate PubMed records (same PMID or DOI):" in result.stderr
    assert f"{small_corpus / 'b.nbib'}: pmid-99000006 (PMID 99000006, already in" in result.stderr
    # tqdm's bar: done/total, elapsed<remaining (the ETA), rate.
    assert re.search(r"embedding: +\d+%\|.*\| \d+/\d+ \[\d+:\d\d<\d+:\d\d", result.stderr)
