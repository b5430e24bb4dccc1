"""Errors shown to people.

Every error that a user can fix is a ``CitewiseError``; its message says what is
wrong, where, and what to do next. Only the CLI and the chat turn these into exit
codes or notices.

    CitewiseError
    ├── ConfigError           a setting or option has a bad value
    ├── CorpusError           a corpus file is malformed (names the file and field)
    ├── IndexNotFoundError    no index yet: run `citewise ingest`
    ├── IndexMismatchError    index built with another model, dimension or chunker
    ├── IndexDamagedError     a file of the live index is missing or unreadable: run `citewise doctor`
    ├── IndexWriteError       a new index could not be written (disk full, ...); the old one still answers
    ├── IndexBusyError        another ingest holds the index lock
    ├── StoreError            the vector store (embedded or Chroma server) failed
    ├── InvalidQuestionError  empty or oversized question
    └── BackendError          the LLM endpoint failed or answered garbage
"""

from __future__ import annotations


class CitewiseError(Exception):
    """Base of all errors whose message is meant for the user."""


class ConfigError(CitewiseError):
    """Raised when a setting, option or environment variable has a bad value."""


class CorpusError(CitewiseError):
    """Raised when a corpus file cannot be loaded; the message names file and field."""


class IndexNotFoundError(CitewiseError):
    """Raised when no index exists in the data directory."""


class IndexMismatchError(CitewiseError):
    """Raised when the index was built with another embedding model or chunker."""


class IndexDamagedError(CitewiseError):
    """Raised when a file of the live index generation is missing, unreadable or inconsistent.

    ``detail`` names the damaged file and what is wrong with it, without the advice.
    """

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail or message


class IndexWriteError(CitewiseError):
    """Raised when writing a new index generation fails (a full disk, a read-only directory);
    everything written is removed again and the previous generation keeps answering."""


class IndexBusyError(CitewiseError):
    """Raised when another ingest is writing the index."""


class StoreError(CitewiseError):
    """Raised when the vector store cannot be reached or fails."""


class InvalidQuestionError(CitewiseError):
    """Raised for an empty, whitespace-only or oversized question."""


class BackendError(CitewiseError):
    """Raised when the configured LLM endpoint fails or returns unusable output."""
