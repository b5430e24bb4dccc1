"""The PubMedQA suite's gate: thresholds per metric, each with its last measurement.

``evals/gate-pubmedqa.yaml`` has the shape of ``evals/gate.yaml`` (``evals.cases.Threshold``):
under ``thresholds``, a metric of ``evals.pubmedqa_metrics`` maps to a bound (``min``
and/or ``max`` for both splits, or ``tune:``/``heldout:`` bounds), the value last
measured on each split (``measured``) and the date of that measurement (``date``). Here
both are required, and every bound is checked on the tune and on the held-out split.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from evals.cases import SPLITS, Threshold
from evals.pubmedqa_metrics import METRIC_NAMES, Summary
from ingest import ConfigError

GATE_FILE = Path(__file__).with_name("gate-pubmedqa.yaml")


class PubmedqaGate(BaseModel):
    """Thresholds by metric name, each recording its last measurement."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    thresholds: dict[str, Threshold] = Field(min_length=1)

    @field_validator("thresholds")
    @classmethod
    def _known_and_measured(cls, thresholds: dict[str, Threshold]) -> dict[str, Threshold]:
        unknown = sorted(set(thresholds) - set(METRIC_NAMES))
        if unknown:
            raise ValueError(f"unknown metric {', '.join(unknown)}; known: {', '.join(METRIC_NAMES)}")
        for metric, threshold in thresholds.items():
            if not threshold.measured or set(threshold.measured) != set(SPLITS) or not threshold.date:
                raise ValueError(f"{metric}: give 'measured' on {' and '.join(SPLITS)}, and its 'date'")
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
        return PubmedqaGate.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'file'}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{path}: {problems}; fix the file and run again") from exc


def check_gate(summaries: Mapping[str, Summary], gate: PubmedqaGate) -> list[str]:
    """Every bound missed, on each split, as a line such as
    ``FAIL cited (heldout): 0.812 (needs >= 0.85)``; empty when the gate passes.

    A metric with nothing to measure on a split (None) misses its bound.
    """
    failures = []
    for split in SPLITS:
        summary = summaries.get(split, {})
        for metric, threshold in gate.thresholds.items():
            value = summary.get(metric)
            if value is None or not threshold.allows(value, split):
                shown = "n/a" if value is None else f"{value:.3f}"
                failures.append(f"FAIL {metric} ({split}): {shown} (needs {threshold.describe(split)})")
    return failures
