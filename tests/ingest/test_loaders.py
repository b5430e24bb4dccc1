"""Tests for ingest.loaders: PubMed MEDLINE and XML exports, PDF and text with sidecars.

Fixture files live in tests/data/loaders/: ``good/`` is a small valid corpus in every
supported format, ``bad/`` holds one broken file per kind of problem. All records are
test fixtures (titles start "Test fixture:") and state no clinical findings.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from ingest.corpus import Document, load_corpus
from ingest.errors import CorpusError
from ingest.loaders import (
    LOADERS,
    PUBMED_NOTE,
    load_pdf,
    load_plain_text,
    parse_medline,
    parse_pubmed_xml,
    parse_with_sidecar,
    pdf_text,
    tidy_text,
)

DATA = Path(__file__).parent.parent / "data" / "loaders"
GOOD = DATA / "good"
BAD = DATA / "bad"
SIDECAR = "id: test-fixture-doc\nkind: research\ntitle: 'Test fixture'\nauthors: [Fixture A]\nyear: 2020\n"


def pdf_bytes(*pages: str, owner_password: str | None = None, user_password: str = "") -> bytes:
    """Write a PDF whose pages show the given text, one text line per line, in Helvetica."""
    writer = PdfWriter()
    for text in pages:
        page = writer.add_blank_page(width=612, height=792)
        font = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
        fonts = DictionaryObject({NameObject("/F1"): font})
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
        ops = ["BT", "/F1 11 Tf", "14 TL", "72 720 Td"]
        for line in text.splitlines():
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({escaped}) Tj T*")
        stream = DecodedStreamObject()
        stream.set_data("\n".join([*ops, "ET"]).encode("latin-1"))
        page.replace_contents(stream)
    if owner_password is not None:
        # RC4 needs no optional dependency; AES would need `cryptography`.
        writer.encrypt(user_password, owner_password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# Text of tests/data/loaders/good/test-fixture-paper.pdf (written by pdf_bytes).
FIXTURE_PDF_PAGES = (
    "Test fixture PDF, first page. It exists only to exercise the\n"
    "PDF loader of citewise; the word immuno-\nglobulin is split across lines.",
    "Test fixture PDF, second page.",
)


def nbib(*records: str) -> str:
    return "\n\n".join(records) + "\n"


RECORD = "PMID- 1\nTI  - Test fixture: t\nAB  - Test fixture abstract.\nAU  - Fixture A\nDP  - 2001"


def xml_set(article: str, doi: str = "") -> str:
    return (
        "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>7</PMID>"
        f"<Article>{article}</Article></MedlineCitation>"
        f"<PubmedData><ArticleIdList>{doi}</ArticleIdList></PubmedData>"
        "</PubmedArticle></PubmedArticleSet>"
    )


XML_ARTICLE = (
    "<Journal><JournalIssue><PubDate><Year>2005</Year></PubDate></JournalIssue>"
    "<Title>Test fixture journal</Title></Journal>"
    "<ArticleTitle>Test fixture: t</ArticleTitle>"
    "<Abstract><AbstractText>Test fixture abstract.</AbstractText></Abstract>"
    "<AuthorList><Author><LastName>Fixture</LastName><Initials>A</Initials></Author></AuthorList>"
)


@pytest.fixture
def medline_docs() -> list[Document]:
    path = GOOD / "test-fixture-records.nbib"
    return parse_medline(path.read_text(), path)


@pytest.fixture
def xml_doc() -> Document:
    path = GOOD / "test-fixture-article.xml"
    (doc,) = parse_pubmed_xml(path.read_text(), path)
    return doc


def copy_into(tmp_path: Path, *names: str, source: Path = BAD) -> Path:
    for name in names:
        shutil.copy(source / name, tmp_path / name)
    return tmp_path


# --- MEDLINE (.nbib) -------------------------------------------------------------


def test_medline_export_gives_one_document_per_record(medline_docs):
    assert [d.id for d in medline_docs] == ["pmid-90000001", "pmid-90000002"]


def test_medline_continuation_lines_are_joined(medline_docs):
    assert medline_docs[0].meta.title == (
        "Test fixture: a practice guideline record for the MEDLINE loader, with a title "
        "that continues on a second line."
    )


def test_medline_authors_are_short_forms_then_group_authors(medline_docs):
    assert medline_docs[0].meta.authors == ["Fixture AM", "Example B", "Test Fixture Working Group"]


def test_medline_journal_is_the_abbreviation(medline_docs):
    assert medline_docs[0].meta.journal == "Test Fixture J"


def test_medline_journal_falls_back_to_full_title(medline_docs):
    assert medline_docs[1].meta.journal == "Test fixture journal of loaders"


@pytest.mark.parametrize(
    ("date", "year"), [("2017 Mar", 2017), ("2019 Winter", 2019), ("2010 Sep-Oct", 2010)]
)
def test_medline_year_is_taken_from_the_publication_date(date, year):
    (doc,) = parse_medline(RECORD.replace("DP  - 2001", f"DP  - {date}"), "x.nbib")
    assert doc.meta.year == year


def test_medline_doi_comes_from_lid_or_aid(medline_docs):
    assert [d.meta.doi for d in medline_docs] == ["10.5555/test-fixture.1", "10.5555/test-fixture.2"]


def test_medline_identifier_without_doi_tag_is_not_a_doi():
    (doc,) = parse_medline(RECORD + "\nAID - TF-9 [pii]", "x.nbib")
    assert doc.meta.doi is None


def test_medline_body_is_the_abstract_under_a_heading(medline_docs):
    assert medline_docs[0].text.startswith("## Abstract\n\nTest fixture abstract. This record")


def test_medline_documents_carry_pmid_and_import_note(medline_docs):
    assert medline_docs[0].meta.pmid == "90000001"
    assert medline_docs[0].meta.note == PUBMED_NOTE


def test_medline_practice_guideline_is_a_guideline(medline_docs):
    assert (medline_docs[0].kind, medline_docs[0].meta.study_type) == ("guideline", "guideline")


def test_medline_review_is_research(medline_docs):
    assert medline_docs[1].kind == "research"


@pytest.mark.parametrize(
    ("types", "study_type"),
    [
        (["Practice Guideline"], "guideline"),
        (["GUIDELINE"], "guideline"),
        (["Consensus Development Conference"], "consensus"),
        (["Journal Article", "Review", "Systematic Review"], "systematic-review"),
        (["Meta-Analysis"], "systematic-review"),
        (["Randomized Controlled Trial"], "rct"),
        (["Review"], "review"),
        (["Case Reports"], "case-series"),
        (["Journal Article"], "other"),
        ([], "other"),
    ],
)
def test_publication_types_map_to_study_type(types, study_type):
    record = RECORD + "".join(f"\nPT  - {t}" for t in types)
    (doc,) = parse_medline(record, "x.nbib")
    assert doc.meta.study_type == study_type


def test_consensus_conference_is_research_not_guideline():
    (doc,) = parse_medline(RECORD + "\nPT  - Consensus Development Conference", "x.nbib")
    assert doc.kind == "research"


def test_medline_record_without_abstract_names_record_and_pmid():
    path = BAD / "missing-abstract.nbib"
    with pytest.raises(CorpusError) as info:
        parse_medline(path.read_text(), path)
    assert str(info.value) == f"{path}: record 2 (PMID 90000012) has no abstract (AB)"


def test_medline_record_without_title_names_the_tag():
    with pytest.raises(CorpusError, match=r"^x.nbib: record 1 \(PMID 1\) has no title \(TI\)$"):
        parse_medline(RECORD.replace("TI  - Test fixture: t\n", ""), "x.nbib")


def test_medline_record_missing_several_fields_lists_them_all():
    record = "PMID- 1\nAB  - Test fixture abstract."
    with pytest.raises(CorpusError, match=r"no title \(TI\), no authors \(AU\), no publication year \(DP\)"):
        parse_medline(record, "x.nbib")


def test_medline_record_without_pmid_names_record_number():
    with pytest.raises(CorpusError, match=r"^x.nbib: record 2 has no PMID"):
        parse_medline(nbib(RECORD, RECORD.replace("PMID- 1\n", "")), "x.nbib")


def test_medline_invalid_field_value_names_the_record():
    with pytest.raises(CorpusError, match=r"^x.nbib: record 1 \(PMID 1\): 'year' "):
        parse_medline(RECORD.replace("2001", "1700"), "x.nbib")


def test_medline_line_that_is_not_a_field_names_the_line():
    with pytest.raises(CorpusError, match=r"^x.nbib: line 3: expected a MEDLINE field"):
        parse_medline("PMID- 1\nTI  - t\nthis is not a field\n", "x.nbib")


def test_medline_indented_line_outside_a_record_is_an_error():
    with pytest.raises(CorpusError, match=r"^x.nbib: line 1: indented line outside a record"):
        parse_medline("      stray continuation\n", "x.nbib")


def test_medline_export_without_records_is_an_error():
    with pytest.raises(CorpusError, match=r"^x.nbib: no PubMed records found"):
        parse_medline("\n\n", "x.nbib")


def test_medline_windows_line_endings_are_accepted():
    (doc,) = parse_medline(RECORD.replace("\n", "\r\n"), "x.nbib")
    assert doc.meta.title == "Test fixture: t"


MEDLINE_LINES = st.sampled_from(
    [
        "PMID- 1",
        "PMID- 2",
        "PMID- x",
        "PMID- ",
        "TI  - Test fixture: t",
        "AB  - a",
        "AU  - A",
        "CN  - G",
        "DP  - 2000",
        "DP  - 1700",
        "DP  - none",
        "PT  - Review",
        "LID - x [doi]",
        "      more",
        "",
        "junk",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(MEDLINE_LINES, st.text(max_size=12)), max_size=30))
def test_medline_parser_fails_only_with_corpus_error(lines):
    try:
        documents = parse_medline("\n".join(lines), "x.nbib")
    except CorpusError as exc:
        assert str(exc).startswith("x.nbib: ")
    else:
        assert all(isinstance(d, Document) for d in documents)


# --- PubMed XML ------------------------------------------------------------------


def test_xml_with_efetch_doctype_is_accepted(xml_doc):
    assert "<!DOCTYPE PubmedArticleSet PUBLIC" in (GOOD / "test-fixture-article.xml").read_text()
    assert xml_doc.meta.title.startswith("Test fixture:")


def test_xml_article_id_and_pmid(xml_doc):
    assert (xml_doc.id, xml_doc.meta.pmid) == ("pmid-90000003", "90000003")


def test_xml_inline_markup_keeps_its_text(xml_doc):
    assert xml_doc.meta.title == "Test fixture: an italic title with IgM+ markup."


def test_xml_authors_are_last_name_initials_or_group_name(xml_doc):
    assert xml_doc.meta.authors == ["Fixture AM", "Test Fixture Working Group"]


def test_xml_journal_is_the_iso_abbreviation(xml_doc):
    assert xml_doc.meta.journal == "Test Fixture J"


def test_xml_journal_falls_back_to_title():
    (doc,) = parse_pubmed_xml(xml_set(XML_ARTICLE), "x.xml")
    assert doc.meta.journal == "Test fixture journal"


def test_xml_year_comes_from_medline_date(xml_doc):
    assert xml_doc.meta.year == 2021


def test_xml_year_comes_from_pub_date_year():
    (doc,) = parse_pubmed_xml(xml_set(XML_ARTICLE), "x.xml")
    assert doc.meta.year == 2005


def test_xml_doi_prefers_the_article_location_id(xml_doc):
    assert xml_doc.meta.doi == "10.5555/test-fixture.3"


def test_xml_doi_falls_back_to_article_id_list():
    doi = '<ArticleId IdType="doi">10.5555/tf</ArticleId>'
    (doc,) = parse_pubmed_xml(xml_set(XML_ARTICLE, doi), "x.xml")
    assert doc.meta.doi == "10.5555/tf"


def test_xml_labelled_abstract_becomes_one_section_per_label(xml_doc):
    assert xml_doc.text == (
        "## Background\n\nTest fixture background with inline markup.\n\n"
        "## Conclusions and relevance\n\nTest fixture conclusion. It states no clinical findings.\n"
    )


def test_xml_unlabelled_abstract_is_an_abstract_section():
    (doc,) = parse_pubmed_xml(xml_set(XML_ARTICLE), "x.xml")
    assert doc.text == "## Abstract\n\nTest fixture abstract.\n"


def test_xml_publication_types_set_study_type(xml_doc):
    assert (xml_doc.kind, xml_doc.meta.study_type) == ("research", "rct")


def test_xml_article_without_abstract_names_record_and_pmid():
    article = XML_ARTICLE.replace(
        "<Abstract><AbstractText>Test fixture abstract.</AbstractText></Abstract>", ""
    )
    with pytest.raises(CorpusError, match=r"^x.xml: record 1 \(PMID 7\) has no abstract \(AbstractText\)$"):
        parse_pubmed_xml(xml_set(article), "x.xml")


def test_xml_not_well_formed_names_the_line():
    path = BAD / "not-well-formed.xml"
    with pytest.raises(CorpusError, match=r"not well-formed XML \(line 6, column \d+\): mismatched tag"):
        parse_pubmed_xml(path.read_text(), path)


def test_xml_entity_declarations_are_refused():
    text = '<!DOCTYPE PubmedArticleSet [<!ENTITY a "aaaaaaaaaa">]><PubmedArticleSet>&a;</PubmedArticleSet>'
    with pytest.raises(CorpusError, match=r"^x.xml: XML declares its own DTD or entities"):
        parse_pubmed_xml(text, "x.xml")


def test_xml_other_root_element_is_refused():
    with pytest.raises(CorpusError, match=r"^x.xml: root element is <html>"):
        parse_pubmed_xml("<html/>", "x.xml")


def test_xml_book_record_is_refused():
    text = "<PubmedArticleSet><PubmedBookArticle/></PubmedArticleSet>"
    with pytest.raises(CorpusError, match=r"record 1 is <PubmedBookArticle>"):
        parse_pubmed_xml(text, "x.xml")


def test_xml_empty_article_set_is_an_error():
    with pytest.raises(CorpusError, match=r"^x.xml: no <PubmedArticle> records"):
        parse_pubmed_xml("<PubmedArticleSet/>", "x.xml")


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_xml_parser_fails_only_with_corpus_error(data):
    # Damage the fixture by cutting out a random slice.
    text = (GOOD / "test-fixture-article.xml").read_text()
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 80)))
    try:
        parse_pubmed_xml(text[:start] + text[end:], "x.xml")
    except CorpusError as exc:
        assert str(exc).startswith("x.xml: ")


# --- PDF and plain text with a sidecar ------------------------------------------


def test_fixture_pdf_text_is_extracted():
    reader = PdfReader(GOOD / "test-fixture-paper.pdf")
    assert "Test fixture PDF, first page." in reader.pages[0].extract_text()


def test_fixture_pdf_holds_the_text_it_was_written_with():
    data = (GOOD / "test-fixture-paper.pdf").read_bytes()
    assert pdf_text(data, "x.pdf") == pdf_text(pdf_bytes(*FIXTURE_PDF_PAGES), "x.pdf")


def test_pdf_pages_are_separated_by_a_blank_line():
    assert pdf_text(pdf_bytes("Page one.", "Page two."), "x.pdf") == "Page one.\n\nPage two."


def test_pdf_words_hyphenated_across_lines_are_joined():
    assert pdf_text(pdf_bytes("the immuno-\nglobulin word"), "x.pdf") == "the immunoglobulin word"


def test_pdf_hyphen_before_a_capital_is_kept():
    assert pdf_text(pdf_bytes("anti-\nMAG"), "x.pdf") == "anti-\nMAG"


def test_pdf_without_text_is_refused_as_scanned():
    with pytest.raises(CorpusError, match=r"^x.pdf: PDF has no extractable text"):
        pdf_text(pdf_bytes(""), "x.pdf")


def test_pdf_with_a_password_is_refused():
    data = pdf_bytes("Secret.", owner_password="owner", user_password="user")
    with pytest.raises(CorpusError, match=r"^x.pdf: PDF is protected by a password"):
        pdf_text(data, "x.pdf")


def test_pdf_restricted_only_by_owner_password_is_read():
    assert pdf_text(pdf_bytes("Open text.", owner_password="owner"), "x.pdf") == "Open text."


@pytest.mark.parametrize("data", [b"not a pdf", b"%PDF-1.4\n", pdf_bytes("Cut short.")[:300]])
def test_damaged_pdf_is_refused(data):
    with pytest.raises(CorpusError, match=r"^x.pdf: cannot read the PDF"):
        pdf_text(data, "x.pdf")


def test_tidy_text_collapses_spaces_and_blank_lines():
    assert tidy_text("a  \t b \r\n\r\n\r\n\n c\u00a0 d ") == "a b\n\nc d"


def test_text_without_heading_gets_a_text_heading():
    doc = parse_with_sidecar("Plain words.", SIDECAR, "x.txt", "x.yaml")
    assert doc.text == "## Text\n\nPlain words.\n"


def test_text_with_its_own_heading_keeps_it():
    doc = parse_with_sidecar("## Methods\n\nWords.", SIDECAR, "x.txt", "x.yaml")
    assert doc.text == "## Methods\n\nWords.\n"


def test_sidecar_supplies_the_metadata():
    doc = load_plain_text(GOOD / "test-fixture-notes.txt")[0]
    assert (doc.id, doc.meta.year, doc.path) == (
        "test-fixture-notes",
        2020,
        str(GOOD / "test-fixture-notes.txt"),
    )


def test_sidecar_field_error_names_the_sidecar():
    with pytest.raises(CorpusError) as info:
        load_plain_text(BAD / "bad-field.txt")
    assert str(info.value).startswith(f"{BAD / 'bad-field.yaml'}: 'year' ")


def test_empty_text_file_is_refused():
    with pytest.raises(CorpusError, match=r"^x.txt: the file has no text"):
        parse_with_sidecar(" \n\n ", SIDECAR, "x.txt", "x.yaml")


def test_missing_sidecar_asks_for_a_yaml_file(tmp_path):
    (tmp_path / "paper.pdf").write_bytes(pdf_bytes("Text."))
    with pytest.raises(CorpusError) as info:
        load_pdf(tmp_path / "paper.pdf")
    assert str(info.value) == (
        f"{tmp_path / 'paper.pdf'}: no metadata file beside it; create paper.yaml "
        "with at least id, kind, title, authors and year"
    )


def test_yml_sidecar_is_found(tmp_path):
    (tmp_path / "notes.txt").write_text("Text.")
    (tmp_path / "notes.yml").write_text(SIDECAR)
    assert load_plain_text(tmp_path / "notes.txt")[0].id == "test-fixture-doc"


def test_both_yaml_and_yml_sidecars_is_an_error(tmp_path):
    (tmp_path / "notes.txt").write_text("Text.")
    (tmp_path / "notes.yml").write_text(SIDECAR)
    (tmp_path / "notes.yaml").write_text(SIDECAR)
    with pytest.raises(CorpusError, match=r"both notes.yaml and notes.yml exist"):
        load_plain_text(tmp_path / "notes.txt")


def test_text_file_that_is_not_utf8_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_bytes(b"caf\xe9")
    (tmp_path / "notes.yaml").write_text(SIDECAR)
    with pytest.raises(CorpusError, match=r"notes.txt: not valid UTF-8"):
        load_plain_text(tmp_path / "notes.txt")


# --- through load_corpus -------------------------------------------------------------


def test_loaders_are_keyed_by_lowercase_suffix():
    assert set(LOADERS) == {".nbib", ".medline", ".xml", ".pdf", ".txt"}


def test_load_corpus_reads_every_supported_format(tmp_path):
    shutil.copytree(GOOD, tmp_path / "corpus")
    documents = load_corpus(tmp_path / "corpus")
    assert sorted(d.id for d in documents) == [
        "pmid-90000001",
        "pmid-90000002",
        "pmid-90000003",
        "test-fixture-notes",
        "test-fixture-paper",
    ]


def test_load_corpus_pdf_body_is_the_extracted_text(tmp_path):
    shutil.copytree(GOOD, tmp_path / "corpus")
    (paper,) = [d for d in load_corpus(tmp_path / "corpus") if d.id == "test-fixture-paper"]
    assert paper.text.startswith("## Text\n\nTest fixture PDF, first page.")
    assert "the word immunoglobulin is split" in paper.text


@pytest.mark.parametrize(
    ("names", "broken", "problem"),
    [
        (["missing-abstract.nbib"], "missing-abstract.nbib", "has no abstract (AB)"),
        (["not-well-formed.xml"], "not-well-formed.xml", "not well-formed XML"),
        (["no-sidecar.pdf"], "no-sidecar.pdf", "no metadata file beside it"),
        (["bad-field.txt", "bad-field.yaml"], "bad-field.yaml", "'year' "),
        (["stray.yaml"], "stray.yaml", "metadata file with no document beside it"),
    ],
)
def test_load_corpus_names_the_broken_file(tmp_path, names, broken, problem):
    corpus = copy_into(tmp_path, *names)
    with pytest.raises(CorpusError) as info:
        load_corpus(corpus)
    assert f"{corpus / broken}: " in str(info.value)
    assert problem in str(info.value)


def test_load_corpus_reports_every_broken_file_at_once(tmp_path):
    shutil.copytree(BAD, tmp_path / "corpus")
    with pytest.raises(CorpusError, match=r"^corpus has 5 problems"):
        load_corpus(tmp_path / "corpus")
