"""Eval cases and the gate: YAML files validated by pydantic models.

A case asks one question and says what a good answer contains (``required_facts``:
each fact a list of acceptable regex alternatives), what its bottom line must state
(``lead``), what counts as on topic (``topic``), what it must not contain
(``forbidden``), which documents should back it (``expected_sources``, any-of) and
whether it must be refused. Every case belongs to the ``tune`` split (thresholds,
synonyms and calibration may be chosen on it) or the ``heldout`` split (never used to
choose anything). Errors name the file and the case.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ingest import ConfigError

CASES_FILE = Path(__file__).with_name("cases.yaml")
GATE_FILE = Path(__file__).with_name("gate.yaml")

Category = Literal[
    "factual", "nuance", "paraphrase", "synthesis", "false_premise", "out_of_scope", "neighbouring"
]
CATEGORIES: tuple[str, ...] = get_args(Category)
# Out of scope (unrelated) and neighbouring (a nearby disease the corpus does not discuss as
# its subject): the cases that must be refused.
REFUSAL_CATEGORIES = frozenset({"out_of_scope", "neighbouring"})
Split = Literal["tune", "heldout"]
SPLITS: tuple[str, ...] = get_args(Split)


def _compile_all(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"invalid regex {pattern!r}: {exc}") from exc
    return patterns


class Case(BaseModel):
    """One eval question and what its answer must and must not contain."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Unique slug.")
    category: Category
    split: Split = Field(description="tune (may be tuned on) or heldout (never).")
    question: str = Field(min_length=1, max_length=2000)
    expect_refusal: bool = Field(False, description="True when the corpus does not cover the question.")
    required_facts: list[list[str]] = Field(
        default_factory=list, description="Each fact: regex alternatives, any of which must occur."
    )
    lead: list[list[str]] = Field(
        default_factory=list,
        description="Facts the bottom line (premise check and lead claims) must state; regex alternatives.",
    )
    topic: list[str] = Field(
        default_factory=list, description="Regexes: a claim matching one (or a fact) is on topic."
    )
    forbidden: list[str] = Field(default_factory=list, description="Regexes that must not occur.")
    expected_sources: list[str] = Field(
        default_factory=list, description="Source ids, any of which should be cited."
    )
    note: str | None = Field(None, description="Why the case exists, for the reader.")

    @field_validator("required_facts", "lead")
    @classmethod
    def _facts_compile(cls, facts: list[list[str]]) -> list[list[str]]:
        for alternatives in facts:
            if not alternatives:
                raise ValueError("a fact needs at least one regex alternative")
            _compile_all(alternatives)
        return facts

    @field_validator("forbidden", "topic")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        return _compile_all(patterns)

    @model_validator(mode="after")
    def _consistent(self) -> Case:
        if (self.category in REFUSAL_CATEGORIES) != self.expect_refusal:
            raise ValueError("out_of_scope and neighbouring cases, and only they, expect a refusal")
        if self.expect_refusal and (self.required_facts or self.lead or self.topic or self.expected_sources):
            raise ValueError(
                "a case that expects a refusal cannot have required_facts, lead, topic or expected_sources"
            )
        if not self.expect_refusal and not (
            self.required_facts and self.lead and self.topic and self.expected_sources
        ):
            raise ValueError("an answerable case needs required_facts, lead, topic and expected_sources")
        return self

    @property
    def facts_and_topic(self) -> list[str]:
        """Every pattern that makes a claim on topic: the topic and all fact alternatives."""
        return [*self.topic, *(p for fact in [*self.required_facts, *self.lead] for p in fact)]


class CaseFile(BaseModel):
    """The whole cases file."""

    model_config = ConfigDict(extra="forbid")

    cases: list[Case] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> CaseFile:
        seen: set[str] = set()
        for case in self.cases:
            if case.id in seen:
                raise ValueError(f"case id {case.id!r} is used twice")
            seen.add(case.id)
        return self


class Bound(BaseModel):
    """At least ``min`` and/or at most ``max``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _some_bound(self) -> Bound:
        if self.min is None and self.max is None:
            raise ValueError("a threshold needs min or max")
        return self

    def allows(self, value: float) -> bool:
        """True when ``value`` is within the bound."""
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def describe(self) -> str:
        """E.g. ``>= 0.9`` or ``<= 0``."""
        parts = [
            f">= {self.min:g}" if self.min is not None else "",
            f"<= {self.max:g}" if self.max is not None else "",
        ]
        return " and ".join(p for p in parts if p)


class Threshold(BaseModel):
    """A bound on one metric, checked on every split: ``min``/``max`` for all splits, or a
    bound per split (``tune: {min: 0.95}``, ``heldout: {min: 0.9}``). ``measured`` and
    ``date`` record the value last measured per split and when, so the file tells the truth."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float | None = None
    max: float | None = None
    tune: Bound | None = None
    heldout: Bound | None = None
    measured: dict[Split, float] | None = None
    date: str | None = None

    @model_validator(mode="after")
    def _every_split_bounded(self) -> Threshold:
        for split in SPLITS:
            self.bound(split)
        return self

    def bound(self, split: str) -> Bound:
        """The bound that applies on ``split``."""
        own = getattr(self, split, None)
        if own is not None:
            return own
        if self.min is None and self.max is None:
            raise ValueError(f"a threshold needs min or max (for every split, or for {split})")
        return Bound(min=self.min, max=self.max)

    def allows(self, value: float, split: str = "tune") -> bool:
        """True when ``value`` is within the bound for ``split``."""
        return self.bound(split).allows(value)

    def describe(self, split: str = "tune") -> str:
        """E.g. ``>= 0.9`` or ``<= 0``."""
        return self.bound(split).describe()


class Budget(BaseModel):
    """The most claims, and words of statements, an answer of one category may have."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    claims: int = Field(ge=1)
    words: int = Field(ge=1)


class Gate(BaseModel):
    """Thresholds a run must meet on each split, by metric name (see ``evals.grading``),
    and the length budget of each category of case."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    thresholds: dict[str, Threshold] = Field(min_length=1)
    budgets: dict[Category, Budget] = Field(default_factory=dict)

    def budget(self, category: str) -> Budget | None:
        """The length budget of ``category`` (None: unbounded)."""
        return self.budgets.get(category)  # type: ignore[call-overload]


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such file; pass --cases with an existing YAML file") from exc
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read it as UTF-8 YAML: {exc}") from exc


def _describe(path: Path, raw: Any, exc: ValidationError) -> str:
    """Name the case (id and position) and the field of every validation error."""
    messages = []
    for err in exc.errors():
        loc = list(err["loc"])
        where = ".".join(str(p) for p in loc) or "file"
        if len(loc) >= 2 and loc[0] == "cases" and isinstance(loc[1], int):
            item = raw["cases"][loc[1]] if isinstance(raw, dict) else None
            case_id = item.get("id") if isinstance(item, dict) else None
            field = ".".join(str(p) for p in loc[2:]) or "case"
            where = f"case {case_id!r} (#{loc[1] + 1}), {field}"
        messages.append(f"{where}: {err['msg']}")
    return f"{path}: " + "; ".join(messages) + "; fix the file and run again"


def load_cases(path: Path | None = None) -> list[Case]:
    """Load and validate the eval cases (default: the bundled ``evals/cases.yaml``).

    Raises:
        ConfigError: the file is missing, not YAML, or a case is invalid (the message
            names the case and the field).
    """
    path = path or CASES_FILE
    raw = _read_yaml(path)
    try:
        return CaseFile.model_validate(raw).cases
    except ValidationError as exc:
        raise ConfigError(_describe(path, raw, exc)) from exc


def load_gate(path: Path | None = None) -> Gate:
    """Load the gate thresholds (default: the bundled ``evals/gate.yaml``).

    Raises:
        ConfigError: the file is missing or invalid.
    """
    path = path or GATE_FILE
    raw = _read_yaml(path)
    try:
        return Gate.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(path, raw, exc)) from exc


def check_sources(cases: list[Case], known: set[str], path: Path | None = None) -> None:
    """Every expected source must be a document of the index.

    Raises:
        ConfigError: naming the case and the unknown source id.
    """
    problems = [
        f"case {case.id!r}: expected source {source!r} is not in the index"
        for case in cases
        for source in case.expected_sources
        if source not in known
    ]
    if problems:
        raise ConfigError(
            f"{path or CASES_FILE}: " + "; ".join(problems) + "; check the ids with 'citewise sources'"
        )
