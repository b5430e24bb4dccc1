"""The PubMedQA suite's gate: thresholds per metric, each with its last measurement.

``evals/gate-pubmedqa.yaml`` maps a metric of ``evals.pubmedqa_metrics`` to a bound
(``min`` and/or ``max``), the value last measured on each split and the date of that
measurement. Every bound applies to the tune and to the held-out split alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from evals.pubmedqa import SPLITS
from evals.pubmedqa_metrics import METRIC_NAMES, Summary
from ingest import ConfigError

GATE_FILE = Path(__file__).with_name("gate-pubmedqa.yaml")


class Bound(BaseModel):
    """At least ``min`` and/or at most ``max``, with the value last measured and when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float | None = None
    max: float | None = None
    measured: dict[str, float] = Field(description="The last measurement, by split (tune, heldout).")
    date: dt.date = Field(description="When it was measured.")

    @model_validator(mode="after")
    def _some_bound(self) -> Bound:
        if self.min is None and self.max is None:
            raise ValueError("a threshold needs min or max")
        return self

    def allows(self, value: float | None) -> bool:
        """True when ``value`` is measured and within the bound."""
        if value is None:
            return False
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def describe(self) -> str:
        """E.g. ``>= 0.9`` or ``<= 0.05``."""
        parts = [
            f">= {self.min:g}" if self.min is not None else "",
            f"<= {self.max:g}" if self.max is not None else "",
        ]
        return " and ".join(p for p in parts if p)


class PubmedqaGate(BaseModel):
    """Bounds by metric name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    thresholds: dict[str, Bound] = Field(min_length=1)

    @field_validator("thresholds")
    @classmethod
    def _known_metrics(cls, thresholds: dict[str, Bound]) -> dict[str, Bound]:
        unknown = sorted(set(thresholds) - set(METRIC_NAMES))
        if unknown:
            raise ValueError(f"unknown metric {', '.join(unknown)}; known: {', '.join(METRIC_NAMES)}")
        return thresholds


def load_gate(path: Path | None = None) -> PubmedqaGate:
    """Load the gate (default: the bundled ``evals/gate-pubmedqa.yaml``).

    Raises:
        ConfigError: the file is missing, not YAML, or a threshold is invalid.
    """
    path = path or GATE_FILE
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such file; pass --gate with an existing YAML file") from exc
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read it as UTF-8 YAML: {exc}") from exc
    try:
        return PubmedqaGate.model_validate({"thresholds": raw})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'][1:]) or 'file'}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{path}: {problems}; fix the file and run again") from exc


def check_gate(summaries: Mapping[str, Summary], gate: PubmedqaGate) -> list[str]:
    """Every bound missed, on each split, as a line such as
    ``FAIL cited (heldout): 0.812 (needs >= 0.85)``; empty when the gate passes."""
    failures = []
    for split in SPLITS:
        summary = summaries.get(split, {})
        for metric, bound in gate.thresholds.items():
            value = summary.get(metric)
            if not bound.allows(value):
                shown = "n/a" if value is None else f"{value:.3f}"
                failures.append(f"FAIL {metric} ({split}): {shown} (needs {bound.describe()})")
    return failures
