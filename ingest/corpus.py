"""Load and validate corpus documents.

A document is one file: Markdown with YAML front matter (see DESIGN.md), or a file
another loader understands (PubMed MEDLINE/XML exports, PDF or text with a sidecar
YAML; see ``ingest.loaders``). Every problem is reported with the file and field.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ingest.errors import CorpusError

Kind = Literal["guideline", "research"]
StudyType = Literal[
    "guideline",
    "consensus",
    "systematic-review",
    "rct",
    "cohort",
    "diagnostic",
    "review",
    "case-series",
    "secondary",
    "other",
]
# Whose words the body is: the publication's own text, its abstract, or a summary
# written for the corpus. Shown beside every quote, so a reader knows what they read.
Provenance = Literal["full-text", "abstract", "summary"]
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# A DOI: "10.", a registrant code, "/", then a suffix without spaces.
_DOI = re.compile(r"^10\.[0-9][0-9.]*/\S+$")
MARKDOWN_SUFFIXES = (".md", ".markdown")
SIDECAR_SUFFIXES = (".yaml", ".yml")
# Largest single corpus file accepted; a bigger one is almost certainly a mistake.
MAX_FILE_BYTES = 20 * 1024 * 1024


class FrontMatter(BaseModel):
    """Bibliographic metadata of a document, as written in its front matter."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(description="Unique slug, [a-z0-9-].")
    kind: Kind = Field(description="guideline | research")
    title: str = Field(min_length=1)
    authors: list[str] = Field(min_length=1)
    year: int = Field(ge=1800, le=2100)
    journal: str | None = None
    volume_pages: str | None = None
    pmid: str | None = None
    doi: str | None = None
    url: str | None = None
    study_type: StudyType | None = None
    provenance: Provenance | None = None
    note: str | None = None
    markers: dict[str, str | None] | None = None
    superseded_by: str | None = Field(
        None, description="Id of the corpus document that replaces this one (a review's update)."
    )

    @field_validator("id", "superseded_by")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        if value is not None and not _ID.match(value):
            raise ValueError("must be a slug of lowercase letters, digits and '-'")
        return value

    @field_validator("pmid", mode="before")
    @classmethod
    def _pmid(cls, value: Any) -> Any:
        # An unquoted decimal PMID reads as an int; "0x1F" or "0123" stay text (see _StrictLoader).
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**12:
            value = str(value)
        if isinstance(value, str) and not (value.strip().isascii() and value.strip().isdigit()):
            raise ValueError("must be digits only")
        return value

    @field_validator("authors")
    @classmethod
    def _authors(cls, value: list[str]) -> list[str]:
        if any(not author for author in value):
            raise ValueError("must not contain an empty name")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        # Shown as a link in the chat: only web addresses, never javascript: or data:.
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme.lower() not in ("http", "https") or not parts.netloc or _unsafe(value):
                raise ValueError("must be a web address starting with http:// or https://")
        return value

    @field_validator("doi")
    @classmethod
    def _doi(cls, value: str | None) -> str | None:
        if value is not None and not _DOI.match(value):
            raise ValueError("must be a DOI such as 10.1002/ana.21577 (without https://doi.org/)")
        return value

    @field_validator("markers", mode="before")
    @classmethod
    def _markers(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        for key in value:
            if isinstance(key, bool) or not isinstance(key, str | int):
                raise ValueError("keys must be reference numbers such as 1 or '1'")
        return {str(k): v for k, v in value.items()}


def _unsafe(text: str) -> bool:
    """True when ``text`` holds whitespace or control characters (never in a valid URL)."""
    return any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text)


def document_sha256(meta: Mapping[str, Any], body: str) -> str:
    """Content hash of a document: its metadata (as JSON) and its body.

    ``meta`` is ``FrontMatter.model_dump(mode="json")``, as stored in ``documents.json``,
    so a damaged index can recompute the hash of what it holds.
    """
    return hashlib.sha256((json.dumps(dict(meta), sort_keys=True) + "\n" + body).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Document:
    """A validated corpus document: its body text and metadata."""

    meta: FrontMatter
    text: str
    path: str
    sha256: str = field(default="")

    @property
    def id(self) -> str:
        """The document id."""
        return self.meta.id

    @property
    def kind(self) -> str:
        """``guideline`` or ``research``."""
        return self.meta.kind


def make_document(meta: Mapping[str, Any], body: str, path: Path | str) -> Document:
    """Validate metadata and body into a Document; every loader ends here.

    Raises:
        CorpusError: a field is missing or invalid, or the body is empty.
    """
    try:
        front = FrontMatter.model_validate(dict(meta))
    except ValidationError as exc:
        raise CorpusError(_describe(path, exc)) from exc
    if not body.strip():
        raise CorpusError(f"{path}: the document body is empty; add the text after the front matter")
    return Document(
        meta=front, text=body, path=str(path), sha256=document_sha256(front.model_dump(mode="json"), body)
    )


def read_text(path: Path) -> str:
    """Read a UTF-8 text file, naming the file and byte offset when it is not UTF-8."""
    data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise CorpusError(f"{path}: file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{path}: not valid UTF-8 (byte {exc.start}: {data[exc.start : exc.start + 1]!r}); "
            "save the file as UTF-8"
        ) from exc


def parse_markdown(text: str, path: Path | str) -> Document:
    """Split front matter from body and validate both."""
    text = text.replace("\r\n", "\n")
    if not text.startswith("---\n"):
        raise CorpusError(f"{path}: missing YAML front matter; the file must start with a '---' line")
    end = text.find("\n---\n", 3)
    if end == -1 and text.endswith("\n---"):
        end = len(text) - 4
    if end == -1:
        raise CorpusError(f"{path}: front matter is not closed; add a '---' line after it")
    meta = parse_yaml(text[4:end], path, first_line=2)
    return make_document(meta, text[end + 5 :], path)


def parse_yaml(text: str, path: Path | str, first_line: int = 1) -> dict[str, Any]:
    """Parse a YAML mapping, naming the file and line on a syntax error.

    ``first_line`` is the line of the file on which ``text`` starts (2 after a '---').
    Scalars follow YAML 1.2 (see ``_StrictLoader``): ``0x1F``, ``yes`` or ``2020-01-01``
    stay text rather than turning silently into 31, True or a date.
    """
    try:
        meta = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + first_line})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        # e.g. an unclosed quote fails at the end of the text; say where the quote opened.
        context, opened = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and opened is not None:
            problem += f" ({context} at line {opened.line + first_line})"
        raise CorpusError(f"{path}: malformed YAML front matter{where}: {problem}") from exc
    except RecursionError as exc:
        raise CorpusError(f"{path}: YAML front matter is nested too deeply; use plain fields") from exc
    if not isinstance(meta, dict):
        raise CorpusError(f"{path}: front matter must be a YAML mapping of fields")
    return meta


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 core-schema scalars.

    YAML 1.1, which PyYAML implements, reads ``0x1F`` and ``0o37`` as 31, ``0755`` as
    octal, ``1_000`` as 1000, ``1:20`` as 80, ``yes``/``on`` as True and ``2020-01-01``
    as a date. Here only plain decimals are numbers and only true/false booleans, so a
    PMID or a year means what it says or is refused with a message.
    """


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if not tag.endswith((":bool", ":int", ":float", ":timestamp"))]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)


def load_markdown(path: Path) -> Document:
    """Load one Markdown corpus file; its id must equal its file name."""
    document = parse_markdown(read_text(path), path)
    if document.id != path.stem:
        raise CorpusError(
            f"{path}: 'id' is {document.id!r} but the file is named {path.name}; the id must equal "
            f"the file name without {path.suffix} (rename the file to {document.id}{path.suffix}, or change the id)"
        )
    return document


def corpus_files(root: Path) -> list[Path]:
    """List the files of a corpus directory that are documents (README and hidden files excluded).

    Raises:
        CorpusError: the directory is missing, or holds a link that leaves it.
    """
    from ingest.scan import scan_corpus

    files, problems = scan_corpus(root)
    if problems:
        raise CorpusError(summarise(problems))
    return files


def load_corpus(root: Path) -> list[Document]:
    """Load and validate every document under ``root`` (see ``ingest.scan.read_corpus``).

    Raises:
        CorpusError: any file is invalid, unsupported, or two documents share an id.
    """
    from ingest.scan import read_corpus

    return read_corpus(root).documents


def summarise(problems: list[str], limit: int = 20) -> str:
    """Every problem of a corpus in one message, at most ``limit`` of them listed."""
    head = problems[:limit]
    more = f"\n... and {len(problems) - limit} more" if len(problems) > limit else ""
    noun = "problem" if len(problems) == 1 else "problems"
    return (
        f"corpus has {len(problems)} {noun}; the index was not changed:\n"
        + "\n".join(f"  {p}" for p in head)
        + more
    )


def _describe(path: Path | str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"]) or "front matter"
        if err["type"] == "missing":
            parts.append(f"{path}: missing required field '{name}'")
        elif err["type"] == "extra_forbidden":
            allowed = ", ".join(FrontMatter.model_fields)
            parts.append(f"{path}: unknown field '{name}' (allowed: {allowed})")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            parts.append(f"{path}: '{name}' {_lower_first(msg)}, got {preview(err.get('input'))}")
    return "\n  ".join(parts)


def preview(value: Any, limit: int = 80) -> str:
    """A short description of a value for a message.

    Never walks into a container: YAML aliases can make a few lines of front matter
    stand for billions of nested items ("billion laughs"), which a repr would expand.
    """
    if isinstance(value, str):
        return repr(value if len(value) <= limit else value[:limit] + "...")
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return repr(value) if value.bit_length() < 64 else f"a {value.bit_length()}-bit number"
    if isinstance(value, list | tuple | dict):
        noun = "mapping of" if isinstance(value, dict) else "list of"
        return f"a {noun} {len(value)} item{'' if len(value) == 1 else 's'}"
    return f"a {type(value).__name__}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
