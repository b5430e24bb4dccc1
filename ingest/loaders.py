"""Loaders for corpus files other than Markdown, keyed by file suffix.

``ingest.corpus.load_corpus`` looks up a file's lowercase suffix in ``LOADERS``.
Every loader returns Documents built by ``make_document`` and reports any problem
as a ``CorpusError`` whose message starts with the file path.

- ``.nbib``, ``.medline``: PubMed MEDLINE text export ("Save", format "PubMed").
- ``.xml``: PubMed XML (``<PubmedArticleSet>``, as returned by efetch).
  Both are streamed record by record; see ``ingest.pubmed``.
- ``.pdf``, ``.txt``: full text; the metadata comes from a sidecar ``<stem>.yaml``
  (or ``.yml``) beside the file, with the same fields as Markdown front matter.

Only the parsing functions (``pdf_text``, ``parse_with_sidecar``, and the PubMed
parsers) hold logic; the ``load_*`` functions read files.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from ingest.corpus import (
    MAX_FILE_BYTES,
    SIDECAR_SUFFIXES,
    Document,
    parse_yaml,
    read_text,
)
from ingest.errors import CorpusError
from ingest.pubmed import (
    PUBMED_NOTE,
    load_medline,
    load_pubmed_xml,
    make_document_for,
    parse_medline,
    parse_pubmed_xml,
)


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
    return make_document_for(meta, body + "\n", path, blame=str(sidecar))


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


LOADERS: dict[str, Callable[[Path], Iterable[Document]]] = {
    ".nbib": load_medline,
    ".medline": load_medline,
    ".xml": load_pubmed_xml,
    ".pdf": load_pdf,
    ".txt": load_plain_text,
}

__all__ = [
    "LOADERS",
    "PUBMED_NOTE",
    "find_sidecar",
    "load_medline",
    "load_pdf",
    "load_plain_text",
    "load_pubmed_xml",
    "parse_medline",
    "parse_pubmed_xml",
    "parse_with_sidecar",
    "pdf_text",
    "tidy_text",
]
