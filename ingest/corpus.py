"""Load and validate corpus documents.

A document is one file: Markdown with YAML front matter (see DESIGN.md), or a file
another loader understands (PubMed MEDLINE/XML exports, PDF or text with a sidecar
YAML; see ``ingest.loaders``). Every problem is reported with the file and field.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

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

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("must be a slug of lowercase letters, digits and '-'")
        return value

    @field_validator("pmid", mode="before")
    @classmethod
    def _pmid(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and not value.strip().isdigit():
            raise ValueError("must be digits only")
        return value

    @field_validator("markers", mode="before")
    @classmethod
    def _markers(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): v for k, v in value.items()}
        return value


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
    digest = hashlib.sha256(
        (json.dumps(front.model_dump(mode="json"), sort_keys=True) + "\n" + body).encode()
    ).hexdigest()
    return Document(meta=front, text=body, path=str(path), sha256=digest)


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
    """
    try:
        meta = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + first_line})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        # e.g. an unclosed quote fails at the end of the text; say where the quote opened.
        context, opened = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and opened is not None:
            problem += f" ({context} at line {opened.line + first_line})"
        raise CorpusError(f"{path}: malformed YAML front matter{where}: {problem}") from exc
    if not isinstance(meta, dict):
        raise CorpusError(f"{path}: front matter must be a YAML mapping of fields")
    return meta


def load_markdown(path: Path) -> Document:
    """Load one Markdown corpus file."""
    return parse_markdown(read_text(path), path)


Loader = Callable[[Path], list[Document]]


def _loaders() -> dict[str, Loader]:
    from ingest import loaders

    table: dict[str, Loader] = {suffix: (lambda p: [load_markdown(p)]) for suffix in MARKDOWN_SUFFIXES}
    table.update(loaders.LOADERS)
    return table


def corpus_files(root: Path) -> list[Path]:
    """List the files of a corpus directory that are documents (README and hidden files excluded)."""
    if not root.exists():
        raise CorpusError(f"{root}: corpus directory does not exist")
    if not root.is_dir():
        raise CorpusError(f"{root}: not a directory; pass the corpus directory")
    files = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if path.name.lower().startswith("readme") or rel == Path("lexicon.yaml"):  # see ingest.lexicon
            continue
        files.append(path)
    return files


def load_corpus(root: Path) -> list[Document]:
    """Load and validate every document under ``root``.

    All problems are collected, so a maintainer sees every broken file at once.

    Raises:
        CorpusError: any file is invalid, unsupported, or two documents share an id.
    """
    table = _loaders()
    problems: list[str] = []
    documents: list[Document] = []
    files = corpus_files(root)
    primaries = {p.with_suffix("") for p in files if p.suffix.lower() not in SIDECAR_SUFFIXES}
    for path in files:
        suffix = path.suffix.lower()
        if suffix in SIDECAR_SUFFIXES:
            if path.with_suffix("") not in primaries:
                problems.append(
                    f"{path}: metadata file with no document beside it (expected e.g. {path.with_suffix('.pdf').name})"
                )
            continue
        loader = table.get(suffix)
        if loader is None:
            supported = ", ".join(sorted(set(table) | set(SIDECAR_SUFFIXES)))
            problems.append(f"{path}: unsupported file type '{suffix or path.name}'; supported: {supported}")
            continue
        try:
            documents.extend(loader(path))
        except CorpusError as exc:
            problems.append(str(exc))
        except OSError as exc:
            problems.append(f"{path}: cannot read: {exc.strerror or exc}")
    seen: dict[str, str] = {}
    for doc in documents:
        if doc.id in seen:
            problems.append(f"{doc.path}: duplicate id '{doc.id}' (also in {seen[doc.id]})")
        seen.setdefault(doc.id, doc.path)
    if problems:
        raise CorpusError(_summarise(problems))
    if not documents:
        raise CorpusError(f"{root}: no documents found; add Markdown files with front matter")
    return documents


def _summarise(problems: list[str], limit: int = 20) -> str:
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
            parts.append(f"{path}: '{name}' {_lower_first(msg)}, got {err.get('input')!r}")
    return "\n  ".join(parts)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
