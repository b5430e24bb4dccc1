"""The refusal constants of one corpus: fitted by ``citewise calibrate``, stored with the index.

How sure must the answerer be before it answers? That depends on the corpus: a small,
focused corpus and a thousand abstracts on every topic score questions differently. So
the threshold is fitted on each corpus's own tune questions (``evals.calibrate``) and kept
in ``<home>/index/calibration.json``, beside the index generations, so that a re-ingest
keeps it; an answer warns when the corpus has changed since.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

logger = logging.getLogger(__name__)

FILE = "calibration.json"
# What `citewise calibrate` fits on the tune split (100 cases) of the bundled anti-MAG
# corpus (evals/CALIBRATION.md, 2026-12-03); used for a corpus that has not been calibrated.
# (0.604 from 2026-12-01, before support counted a document's coverage; 0.725 before that.)
DEFAULT_MIN_SUPPORT = 0.645


class Calibration(BaseModel):
    """The fitted constants and what they were fitted on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_support: float = Field(default=DEFAULT_MIN_SUPPORT, description="Least support for answering.")
    corpus_sha256: str | None = Field(default=None, description="The corpus it was fitted on.")
    fitted_on: str = Field(default="default", description="Which questions, e.g. '40 tune cases'.")
    in_scope_refused: float | None = Field(default=None, description="On the fitting questions.")
    out_of_scope_answered: float | None = Field(default=None, description="On the fitting questions.")
    created_at: str | None = None

    @property
    def is_default(self) -> bool:
        """True when no calibration was stored for this corpus."""
        return self.corpus_sha256 is None

    def stale_for(self, corpus_sha256: str) -> bool:
        """True when it was fitted on another version of the corpus."""
        return not self.is_default and self.corpus_sha256 != corpus_sha256


def calibration_path(index_dir: Path) -> Path:
    """Where the calibration of the index in ``index_dir`` is stored."""
    return index_dir / FILE


def load_calibration(index_dir: Path) -> Calibration:
    """The stored calibration, or the default when there is none (or it is unreadable,
    which is logged: answering must not stop over it)."""
    path = calibration_path(index_dir)
    try:
        return Calibration.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Calibration()
    except (OSError, UnicodeDecodeError, ValidationError, ValueError) as exc:
        logger.warning("ignoring unreadable calibration %s (%s); run 'citewise calibrate'", path, exc)
        return Calibration()


def save_calibration(index_dir: Path, calibration: Calibration) -> Path:
    """Write the calibration atomically; returns its path."""
    path = calibration_path(index_dir)
    stamped = calibration.model_copy(
        update={"created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    )
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(stamped.model_dump(), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path
