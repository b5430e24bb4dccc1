"""Loaders for corpus files other than Markdown, keyed by file suffix.

``ingest.corpus.load_corpus`` looks up a file's lowercase suffix in ``LOADERS``.
Every loader returns Documents built by ``make_document`` and reports any problem
as a ``CorpusError`` whose message starts with the file path.

- ``.nbib``, ``.medline``: PubMed MEDLINE text export ("Save", format "PubMed").
- ``.xml``: PubMed XML (``<PubmedArticleSet>``, as returned by efetch).
- ``.pdf``, ``.txt``: full text; the metadata comes from a sidecar ``<stem>.yaml``
  (or ``.yml``) beside the file, with the same fields as Markdown front matter.

Each PubMed record becomes one document with id ``pmid-<PMID>`` and its abstract
as the body. Only the parsing functions (``parse_medline``, ``parse_pubmed_xml``,
``pdf_text``, ``parse_with_sidecar``) hold logic; the ``load_*`` functions read files.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

from ingest.corpus import (
    MAX_FILE_BYTES,
    SIDECAR_SUFFIXES,
    Document,
    make_document,
    parse_yaml,
    read_text,
)
from ingest.errors import CorpusError

PUBMED_NOTE = "Abstract imported from a PubMed export; not the full publication text."
# PubMed publication types, strongest evidence label first: a record typed both
# "Review" and "Systematic Review" is a systematic review.
_STUDY_TYPES = (
    ("practice guideline", "guideline"),
    ("guideline", "guideline"),
    ("consensus development conference", "consensus"),
    ("consensus development conference, nih", "consensus"),
    ("systematic review", "systematic-review"),
    ("meta-analysis", "systematic-review"),
    ("randomized controlled trial", "rct"),
    ("observational study", "cohort"),
    ("review", "review"),
    ("case reports", "case-series"),
)
_GUIDELINE_TYPES = {"guideline", "practice guideline"}
# A MEDLINE field line: a tag of up to four letters, padded to four, then "- value".
_MEDLINE_FIELD = re.compile(r"^([A-Z]{2,4}) *-(?: (.*))?$")
_YEAR = re.compile(r"\d{4}")
_DOI_SUFFIX = " [doi]"


@dataclass(frozen=True, slots=True)
class _Article:
    """The fields of one PubMed record that a document needs, whatever the format."""

    pmid: str
    title: str
    authors: list[str]
    journal: str
    year: str
    doi: str
    types: list[str]
    sections: list[tuple[str, str]]


# How each format names the fields, so a message points at what the user sees.
_MEDLINE_NAMES = {"title": "TI", "abstract": "AB", "authors": "AU", "publication year": "DP"}
_XML_NAMES = {
    "title": "ArticleTitle",
    "abstract": "AbstractText",
    "authors": "AuthorList/Author",
    "publication year": "PubDate",
}


def parse_medline(text: str, path: Path | str) -> list[Document]:
    """Parse a PubMed MEDLINE (``.nbib``) export into one Document per record.

    Raises:
        CorpusError: a line is not a MEDLINE field, or a record lacks a PMID, title,
            abstract, author or year.
    """
    records = _medline_records(text, path)
    if not records:
        raise CorpusError(f"{path}: no PubMed records found; in PubMed use 'Save' with format 'PubMed'")
    return [
        _article_document(_medline_article(fields), path, number, _MEDLINE_NAMES)
        for number, fields in enumerate(records, start=1)
    ]


def _medline_records(text: str, path: Path | str) -> list[list[tuple[str, str]]]:
    """Split MEDLINE text into records of (tag, value); continuation lines are joined."""
    records: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            current = None
        elif line[0].isspace():
            if current is None:
                raise CorpusError(
                    f"{path}: line {number}: indented line outside a record; "
                    "continuation lines must follow a field such as 'AB  - '"
                )
            tag, value = current[-1]
            current[-1] = (tag, f"{value} {line.strip()}".strip())
        else:
            match = _MEDLINE_FIELD.match(line)
            if match is None:
                raise CorpusError(
                    f"{path}: line {number}: expected a MEDLINE field such as "
                    f"'TI  - title', got {line[:40]!r}"
                )
            if current is None:
                current = []
                records.append(current)
            current.append((match[1], (match[2] or "").strip()))
    return records


def _medline_article(fields: list[tuple[str, str]]) -> _Article:
    def values(*tags: str) -> list[str]:
        return [value for tag, value in fields if tag in tags and value]

    def first(*tags: str) -> str:
        return next(iter(values(*tags)), "")

    dois = [v for v in values("LID", "AID") if v.endswith(_DOI_SUFFIX)]
    return _Article(
        pmid=first("PMID"),
        title=first("TI"),
        authors=values("AU", "CN"),  # CN: a group author, e.g. a guideline task force
        journal=first("TA") or first("JT"),
        year=first("DP"),
        doi=dois[0].removesuffix(_DOI_SUFFIX).strip() if dois else "",
        types=values("PT"),
        sections=[("Abstract", first("AB"))] if first("AB") else [],
    )


def parse_pubmed_xml(text: str, path: Path | str) -> list[Document]:
    """Parse a PubMed XML export (``<PubmedArticleSet>``) into one Document per article.

    Raises:
        CorpusError: the XML is malformed or declares entities, the root is not a
            PubmedArticleSet, or an article lacks a PMID, title, abstract, author or year.
    """
    root = _parse_xml(text, path)
    if root.tag != "PubmedArticleSet":
        raise CorpusError(
            f"{path}: root element is <{root.tag}>, expected <PubmedArticleSet>; "
            "export the records from PubMed as XML"
        )
    documents = []
    for number, element in enumerate(root, start=1):
        if element.tag != "PubmedArticle":
            raise CorpusError(
                f"{path}: record {number} is <{element.tag}>; only <PubmedArticle> "
                "records are supported, remove it from the file"
            )
        documents.append(_article_document(_xml_article(element), path, number, _XML_NAMES))
    if not documents:
        raise CorpusError(f"{path}: no <PubmedArticle> records found")
    return documents


class _Declaration(Exception):
    """A DTD declaration was found in an XML file."""


def _parse_xml(text: str, path: Path | str) -> ET.Element:
    """Parse XML, refusing internal DTDs first so no entity is ever expanded.

    A DOCTYPE that only names PubMed's external DTD (as efetch writes it) is
    fine: neither expat nor ElementTree fetches external DTDs.
    """

    def on_doctype(name: str, sysid: Any, pubid: Any, has_internal_subset: int) -> None:
        if has_internal_subset:
            raise _Declaration

    def on_entity(*_: Any) -> None:
        raise _Declaration

    checker = expat.ParserCreate()
    checker.StartDoctypeDeclHandler = on_doctype
    checker.EntityDeclHandler = on_entity
    try:
        checker.Parse(text, True)
        return ET.fromstring(text)
    except _Declaration:
        raise CorpusError(
            f"{path}: XML declares its own DTD or entities, which are refused "
            "(they can expand without limit); export the records from PubMed again"
        ) from None
    except expat.ExpatError as exc:
        raise CorpusError(
            f"{path}: not well-formed XML (line {exc.lineno}, column {exc.offset + 1}): "
            f"{expat.ErrorString(exc.code)}"
        ) from exc
    except ET.ParseError as exc:
        line, column = exc.position
        raise CorpusError(f"{path}: XML error (line {line}, column {column + 1}): {exc}") from exc


def _xml_article(element: ET.Element) -> _Article:
    article = element.find("MedlineCitation/Article")
    if article is None:
        article = ET.Element("Article")
    doi = _xml_text(article.find("ELocationID[@EIdType='doi']")) or _xml_text(
        element.find("PubmedData/ArticleIdList/ArticleId[@IdType='doi']")
    )
    return _Article(
        pmid=_xml_text(element.find("MedlineCitation/PMID")),
        title=_xml_text(article.find("ArticleTitle")),
        authors=[a for a in map(_xml_author, article.iterfind("AuthorList/Author")) if a],
        journal=_xml_text(article.find("Journal/ISOAbbreviation"))
        or _xml_text(article.find("Journal/Title")),
        year=_xml_year(article.find("Journal/JournalIssue/PubDate")),
        doi=doi,
        types=[_xml_text(t) for t in article.iterfind("PublicationTypeList/PublicationType")],
        sections=[
            (_heading(part.get("Label") or "Abstract"), _xml_text(part))
            for part in article.iterfind("Abstract/AbstractText")
            if _xml_text(part)
        ],
    )


def _xml_text(element: ET.Element | None) -> str:
    """All text under an element, inline markup (<i>, <sup>) included, spaces collapsed."""
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _xml_author(author: ET.Element) -> str:
    """``LastName Initials`` ("Lunn MP"), or the group's CollectiveName."""
    if author.get("ValidYN") == "N":
        return ""
    name = " ".join(_xml_text(author.find(tag)) for tag in ("LastName", "Initials"))
    return name.strip() or _xml_text(author.find("CollectiveName"))


def _xml_year(pub_date: ET.Element | None) -> str:
    if pub_date is None:
        return ""
    return _xml_text(pub_date.find("Year")) or _xml_text(pub_date.find("MedlineDate"))


def _heading(label: str) -> str:
    """Turn an abstract label into a heading: "CONCLUSIONS AND RELEVANCE" -> "Conclusions and relevance"."""
    return label.capitalize() if label.isupper() else label


def _article_document(article: _Article, path: Path | str, number: int, names: Mapping[str, str]) -> Document:
    """Check one PubMed record and build its Document; messages name the record."""
    if not article.pmid:
        raise CorpusError(f"{path}: record {number} has no PMID")
    where = f"{path}: record {number} (PMID {article.pmid})"
    year = next(iter(_YEAR.findall(article.year)), "")
    fields = {
        "title": article.title,
        "abstract": article.sections,
        "authors": article.authors,
        "publication year": year,
    }
    missing = [f"{field} ({names[field]})" for field, value in fields.items() if not value]
    if missing:
        raise CorpusError(f"{where} has no {', no '.join(missing)}")
    types = {t.lower() for t in article.types}
    meta = {
        "id": f"pmid-{article.pmid}",
        "kind": "guideline" if types & _GUIDELINE_TYPES else "research",
        "title": article.title,
        "authors": article.authors,
        "year": int(year),
        "journal": article.journal or None,
        "pmid": article.pmid,
        "doi": article.doi or None,
        "study_type": next((s for name, s in _STUDY_TYPES if name in types), "other"),
        "provenance": "abstract",
        "note": PUBMED_NOTE,
    }
    body = "\n\n".join(f"## {heading}\n\n{text}" for heading, text in article.sections)
    return _make_document_for(meta, body + "\n", path, blame=where)


def _make_document_for(meta: Mapping[str, Any], body: str, path: Path | str, *, blame: str) -> Document:
    """``make_document``, with its messages pointing at ``blame`` instead of ``path``.

    ``blame`` is what the user must fix: a record inside a file, or a sidecar.
    """
    try:
        return make_document(meta, body, path)
    except CorpusError as exc:
        raise CorpusError(str(exc).replace(f"{path}: ", f"{blame}: ")) from exc


def pdf_text(data: bytes, path: Path | str) -> str:
    """Extract the text of a PDF, pages separated by blank lines.

    Raises:
        CorpusError: the PDF is damaged, encrypted with a password, or has no text
            layer (a scan).
    """
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        # Many PDFs are encrypted only to restrict printing; they open with "".
        locked = reader.is_encrypted and not reader.decrypt("")
        pages = [] if locked else [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # pypdf raises many exception types on damaged files
        raise CorpusError(
            f"{path}: cannot read the PDF ({type(exc).__name__}: {exc}); "
            "check that it opens in a PDF viewer, or save it again"
        ) from exc
    if locked:
        raise CorpusError(f"{path}: PDF is protected by a password; save an unprotected copy")
    text = tidy_text("\n\n".join(pages))
    if not text:
        raise CorpusError(
            f"{path}: PDF has no extractable text (a scanned image?); run OCR on it, "
            "or put the text in a .txt file with the same sidecar"
        )
    return _join_hyphenated(text)


def _join_hyphenated(text: str) -> str:
    """Rejoin words hyphenated across a line break: "immuno-\\nglobulin" -> "immunoglobulin".

    Only a lowercase letter on both sides counts, so "anti-\\nMAG" keeps its hyphen;
    a real hyphen at a line end between lowercase words ("long-\\nterm") is lost.
    """
    return re.sub(r"(?<=[a-z])-\n(?=[a-z])", "", text)


def tidy_text(text: str) -> str:
    """Normalise whitespace modestly, keeping lines and paragraphs.

    Line endings become ``\\n``, runs of spaces and tabs one space, spaces at the
    start and end of lines go, and more than one blank line becomes one.
    """
    text = re.sub(r"[^\S\n]+", " ", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def parse_with_sidecar(body: str, sidecar_text: str, path: Path | str, sidecar: Path | str) -> Document:
    """Build a Document from a full text and the YAML metadata of its sidecar file.

    The body gets a ``## Text`` heading when it has no ``## `` heading of its own.
    Metadata problems name the sidecar, the file to fix.
    """
    meta = parse_yaml(sidecar_text, sidecar)
    body = tidy_text(body)
    if not body:
        raise CorpusError(f"{path}: the file has no text")
    if not re.search(r"^## ", body, flags=re.MULTILINE):
        body = f"## Text\n\n{body}"
    return _make_document_for(meta, body + "\n", path, blame=str(sidecar))


def find_sidecar(path: Path) -> Path:
    """Return the metadata file beside ``path`` (``paper.pdf`` -> ``paper.yaml``).

    Raises:
        CorpusError: there is none, or both ``.yaml`` and ``.yml`` exist.
    """
    found = [path.with_suffix(s) for s in SIDECAR_SUFFIXES if path.with_suffix(s).is_file()]
    if len(found) > 1:
        raise CorpusError(f"{path}: both {found[0].name} and {found[1].name} exist; keep one")
    if not found:
        raise CorpusError(
            f"{path}: no metadata file beside it; create {path.stem}.yaml with at least "
            "id, kind, title, authors and year"
        )
    return found[0]


def load_medline(path: Path) -> list[Document]:
    """Load a PubMed MEDLINE export (``.nbib``)."""
    return parse_medline(read_text(path), path)


def load_pubmed_xml(path: Path) -> list[Document]:
    """Load a PubMed XML export."""
    return parse_pubmed_xml(read_text(path), path)


def load_pdf(path: Path) -> list[Document]:
    """Load a PDF and its sidecar metadata."""
    sidecar = find_sidecar(path)
    data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise CorpusError(f"{path}: file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}")
    return [parse_with_sidecar(pdf_text(data, path), read_text(sidecar), path, sidecar)]


def load_plain_text(path: Path) -> list[Document]:
    """Load a UTF-8 text file and its sidecar metadata."""
    sidecar = find_sidecar(path)
    return [parse_with_sidecar(read_text(path), read_text(sidecar), path, sidecar)]


LOADERS: dict[str, Callable[[Path], list[Document]]] = {
    ".nbib": load_medline,
    ".medline": load_medline,
    ".xml": load_pubmed_xml,
    ".pdf": load_pdf,
    ".txt": load_plain_text,
}
