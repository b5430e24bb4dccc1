"""The corpus's own vocabulary: ``lexicon.yaml`` beside the documents.

A lexicon holds what citewise cannot learn from a corpus's text: groups of
interchangeable terms (synonyms and abbreviations the documents never define), the
corpus's treatments, tests and conditions (for follow-up questions and the statement
check), and the chat's subtitle, examples and placeholder. Every part is optional; a
corpus without the file works from what is learned from its text.

It is read and validated at ingest, stored in each index generation as
``lexicon.json``, and read back cheaply (no model, no store) by ``read_lexicon``.
The format is documented in ``corpus/README.md``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ingest.errors import CorpusError
from ingest.generation import current_generation
from ingest.settings import Settings

logger = logging.getLogger(__name__)

LEXICON_FILE = "lexicon.yaml"
STORED_FILE = "lexicon.json"
TermKind = Literal["treatment", "test", "condition"]
TERM_KINDS: tuple[TermKind, ...] = ("treatment", "test", "condition")
# Longer entries are almost certainly a paste error, not a term.
MAX_TERM_CHARS = 120


class ChatTexts(BaseModel):
    """What the chat shows before the first question."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    subtitle: str = Field(
        default="Answers from a fixed corpus of guidelines and research, every statement cited.",
        min_length=1,
        description="One line under the title.",
    )
    examples: list[str] = Field(default_factory=list, description="Example questions, clickable.")
    placeholder: str = Field(
        default="Ask a question about the indexed literature (Enter to send)",
        min_length=1,
        description="Text in the empty question box.",
    )


class Lexicon(BaseModel):
    """A corpus's vocabulary and chat texts; every field has a generic default."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    synonyms: list[list[str]] = Field(
        default_factory=list,
        description="Groups of interchangeable terms, e.g. [IVIg, intravenous immunoglobulin].",
    )
    terms: dict[TermKind, list[str]] = Field(
        default_factory=dict, description="Treatments, tests and conditions the corpus is about."
    )
    chat: ChatTexts = Field(
        default=ChatTexts(), description="The chat's subtitle, examples, placeholder (frozen)."
    )

    @field_validator("synonyms")
    @classmethod
    def _groups(cls, groups: list[list[str]]) -> list[list[str]]:
        for i, group in enumerate(groups):
            _check_terms(group, f"group {i + 1}")
            if len({t.lower() for t in group}) < 2:
                raise ValueError(f"group {i + 1} {group!r} needs at least two different terms")
        return groups

    @field_validator("terms")
    @classmethod
    def _kinds(cls, terms: dict[str, list[str]]) -> dict[str, list[str]]:
        for kind, entries in terms.items():
            _check_terms(entries, kind)
        return terms

    def term_list(self) -> tuple[str, ...]:
        """Every treatment, test and condition term, in kind order."""
        return tuple(t for kind in TERM_KINDS for t in self.terms.get(kind, ()))


def _check_terms(terms: list[str], where: str) -> None:
    for term in terms:
        if not term or len(term) > MAX_TERM_CHARS or "\n" in term:
            raise ValueError(
                f"{where}: {term!r} is not a term (empty, multi-line or over {MAX_TERM_CHARS} characters)"
            )


def load_lexicon_file(corpus_dir: Path) -> Lexicon:
    """The lexicon of ``corpus_dir`` (its ``lexicon.yaml``), or the generic default.

    Raises:
        CorpusError: the file is unreadable, not YAML, or a field is invalid (the message
            names the file and the field).
    """
    path = corpus_dir / LEXICON_FILE
    if not path.is_file():
        logger.info("%s: no lexicon; using only what is learned from the corpus text", corpus_dir)
        return Lexicon()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CorpusError(f"{path}: not valid YAML{where}: {problem}") from exc
    if data is None:
        return Lexicon()
    if not isinstance(data, dict):
        raise CorpusError(
            f"{path}: expected a mapping with synonyms, terms and chat; got {type(data).__name__}"
        )
    try:
        return Lexicon.model_validate(data)
    except ValidationError as exc:
        raise CorpusError(f"{path}: {_describe(exc)}") from exc


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "lexicon"
        message = err["msg"].removeprefix("Value error, ")
        parts.append(f"field '{field}': {message}")
    return "; ".join(parts)


def write_lexicon(lexicon: Lexicon, directory: Path) -> None:
    """Store ``lexicon`` in an index generation directory."""
    (directory / STORED_FILE).write_text(lexicon.model_dump_json(indent=1), encoding="utf-8")


def stored_lexicon(directory: Path) -> Lexicon:
    """The lexicon stored in a generation directory; the default for an index built
    before lexicons existed (or with a stored file that no longer validates)."""
    path = directory / STORED_FILE
    if not path.is_file():
        return Lexicon()
    try:
        return Lexicon.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        logger.warning("%s is unreadable (%s); using the generic lexicon", path, exc)
        return Lexicon()


def read_lexicon(settings: Settings) -> Lexicon:
    """The live index's lexicon, read cheaply (no model, no store); the generic default
    when there is no index yet."""
    directory = current_generation(settings)
    return Lexicon() if directory is None else stored_lexicon(directory)
