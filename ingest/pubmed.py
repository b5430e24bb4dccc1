"""PubMed exports, read one record at a time: MEDLINE text (``.nbib``) and XML.

An export of many thousands of records is streamed: the file is read line by line
(MEDLINE) or in blocks (XML, with each finished ``<PubmedArticle>`` dropped from the
tree), and each record becomes a Document as soon as it is complete, so memory holds
one record's text, never the whole file.

Each record becomes one document with id ``pmid-<PMID>`` and its abstract as the body.
Problems are ``CorpusError``s naming the file, the record number and the PMID; they
never quote the file's content.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

from ingest.corpus import Document, make_document
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
_DOI = re.compile(r"^10\.[0-9][0-9.]*/\S+$")
_DOI_SUFFIX = " [doi]"
# One record is a few kB; a "record" this long means the file is not an export.
MAX_RECORD_CHARS = 1_000_000
XML_BLOCK_BYTES = 1 << 16  # 64 kB: the tree built from one block is all that is held


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


# --- MEDLINE ---------------------------------------------------------------------------


def parse_medline(text: str, path: Path | str) -> list[Document]:
    """Parse a PubMed MEDLINE (``.nbib``) export into one Document per record.

    Raises:
        CorpusError: a line is not a MEDLINE field, or a record lacks a PMID, title,
            abstract, author or year.
    """
    return list(iter_medline(text.split("\n"), path))


def load_medline(path: Path) -> Iterator[Document]:
    """Stream the records of a MEDLINE export file."""
    with open(path, "rb") as fh:
        yield from iter_medline(_utf8_lines(fh, path), path)


def _utf8_lines(lines: Iterable[bytes], path: Path) -> Iterator[str]:
    """Decode a file line by line, naming the byte offset of the first non-UTF-8 byte."""
    offset = 0
    for number, raw in enumerate(lines, start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise CorpusError(
                f"{path}: not valid UTF-8 (line {number}, byte {offset + exc.start}); save the file as UTF-8"
            ) from exc
        offset += len(raw)
        yield line


def iter_medline(lines: Iterable[str], path: Path | str) -> Iterator[Document]:
    """Documents from MEDLINE lines, each yielded as soon as its record ends."""
    number = 0
    for number, fields in enumerate(_medline_records(lines, path), start=1):
        yield _article_document(_medline_article(fields), path, number, _MEDLINE_NAMES)
    if number == 0:
        raise CorpusError(f"{path}: no PubMed records found; in PubMed use 'Save' with format 'PubMed'")


def _medline_records(lines: Iterable[str], path: Path | str) -> Iterator[list[tuple[str, str]]]:
    """Split MEDLINE lines into records of (tag, value); continuation lines are joined."""
    current: list[tuple[str, str]] | None = None
    size = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            if current:
                yield current
            current, size = None, 0
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
                    f"{path}: line {number}: expected a MEDLINE field such as 'TI  - title' "
                    "(a tag of 2-4 capital letters, spaces, then '- '); in PubMed use 'Save' with format 'PubMed'"
                )
            if current is None:
                current = []
            current.append((match[1], (match[2] or "").strip()))
        size += len(line)
        if size > MAX_RECORD_CHARS:
            raise CorpusError(f"{path}: line {number}: a record longer than {MAX_RECORD_CHARS:,} characters")
    if current:
        yield current


def _medline_article(fields: list[tuple[str, str]]) -> _Article:
    def values(*tags: str) -> list[str]:
        return [value for tag, value in fields if tag in tags and value]

    def first(*tags: str) -> str:
        return next(iter(values(*tags)), "")

    dois = [v.removesuffix(_DOI_SUFFIX).strip() for v in values("LID", "AID") if v.endswith(_DOI_SUFFIX)]
    return _Article(
        pmid=first("PMID"),
        title=first("TI"),
        authors=values("AU", "CN"),  # CN: a group author, e.g. a guideline task force
        journal=first("TA") or first("JT"),
        year=first("DP"),
        doi=next((d for d in dois if _DOI.match(d)), ""),
        types=values("PT"),
        sections=[("Abstract", first("AB"))] if first("AB") else [],
    )


# --- XML -------------------------------------------------------------------------------


def parse_pubmed_xml(text: str, path: Path | str) -> list[Document]:
    """Parse a PubMed XML export (``<PubmedArticleSet>``) into one Document per article.

    Raises:
        CorpusError: the XML is malformed or declares entities, the root is not a
            PubmedArticleSet, or an article lacks a PMID, title, abstract, author or year.
    """
    return list(iter_pubmed_xml([text], path))


def load_pubmed_xml(path: Path) -> Iterator[Document]:
    """Stream the articles of a PubMed XML export file."""
    with open(path, "rb") as fh:
        yield from iter_pubmed_xml(iter(lambda: fh.read(XML_BLOCK_BYTES), b""), path)


class _Declaration(Exception):
    """A DTD declaration was found in an XML file."""


def iter_pubmed_xml(blocks: Iterable[str | bytes], path: Path | str) -> Iterator[Document]:
    """Documents from XML blocks, each yielded when its ``</PubmedArticle>`` is read.

    Each block goes through a checking parser first, which refuses an internal DTD or
    an entity declaration before the tree-building parser sees it, so no entity is
    ever expanded. A DOCTYPE that only names PubMed's external DTD (as efetch writes
    it) is fine: neither parser fetches external DTDs.
    """
    checker = _declaration_checker()
    parser: Any = ET.XMLPullParser(events=("start", "end"))
    walk = _ArticleWalk(path)
    end: str | bytes = b""
    try:
        for block in blocks:
            end = block[:0]  # "" or b"": expat must not mix text and bytes
            checker.Parse(block, False)
            parser.feed(block)
            yield from walk.documents(parser.read_events())
        checker.Parse(end, True)
        parser.close()
        yield from walk.documents(parser.read_events())
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
    if walk.count == 0:
        raise CorpusError(f"{path}: no <PubmedArticle> records found")


def _declaration_checker() -> Any:
    def on_doctype(name: str, sysid: Any, pubid: Any, has_internal_subset: int) -> None:
        if has_internal_subset:
            raise _Declaration

    def on_entity(*_: Any) -> None:
        raise _Declaration

    checker = expat.ParserCreate()
    checker.StartDoctypeDeclHandler = on_doctype
    checker.EntityDeclHandler = on_entity
    return checker


class _ArticleWalk:
    """Follows start/end events: checks the root and each record, yields finished articles."""

    def __init__(self, path: Path | str) -> None:
        self.path = path
        self.depth = 0
        self.count = 0
        self.root: ET.Element | None = None

    def documents(self, events: Iterable[Any]) -> Iterator[Document]:
        for event, element in events:
            if event == "start":
                self.depth += 1
                self._check(element)
                continue
            self.depth -= 1
            if self.depth == 1 and self.root is not None:
                self.count += 1
                yield _article_document(_xml_article(element), self.path, self.count, _XML_NAMES)
                self.root.remove(element)  # done with it: memory holds one article at a time

    def _check(self, element: ET.Element) -> None:
        if self.depth == 1:
            if element.tag != "PubmedArticleSet":
                raise CorpusError(
                    f"{self.path}: root element is <{element.tag}>, expected <PubmedArticleSet>; "
                    "export the records from PubMed as XML"
                )
            self.root = element
        elif self.depth == 2 and element.tag != "PubmedArticle":
            raise CorpusError(
                f"{self.path}: record {self.count + 1} is <{element.tag}>; only <PubmedArticle> "
                "records are supported, remove it from the file"
            )


def _xml_article(element: ET.Element) -> _Article:
    article = element.find("MedlineCitation/Article")
    if article is None:
        article = ET.Element("Article")
    dois = [
        _xml_text(article.find("ELocationID[@EIdType='doi']")),
        _xml_text(element.find("PubmedData/ArticleIdList/ArticleId[@IdType='doi']")),
    ]
    return _Article(
        pmid=_xml_text(element.find("MedlineCitation/PMID")),
        title=_xml_text(article.find("ArticleTitle")),
        authors=[a for a in map(_xml_author, article.iterfind("AuthorList/Author")) if a],
        journal=_xml_text(article.find("Journal/ISOAbbreviation"))
        or _xml_text(article.find("Journal/Title")),
        year=_xml_year(article.find("Journal/JournalIssue/PubDate")),
        doi=next((d for d in dois if _DOI.match(d)), ""),
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


# --- both ------------------------------------------------------------------------------


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
    return make_document_for(meta, body + "\n", path, blame=where)


def make_document_for(meta: Mapping[str, Any], body: str, path: Path | str, *, blame: str) -> Document:
    """``make_document``, with its messages pointing at ``blame`` instead of ``path``.

    ``blame`` is what the user must fix: a record inside a file, or a sidecar.
    """
    try:
        return make_document(meta, body, path)
    except CorpusError as exc:
        raise CorpusError(str(exc).replace(f"{path}: ", f"{blame}: ")) from exc
