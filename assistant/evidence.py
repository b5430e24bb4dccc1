"""Evidence levels: how strong a source is, from its study type. Pure data and functions.

The order follows DESIGN.md: guideline/consensus > systematic review > RCT >
cohort/diagnostic study > narrative review > case series > secondary (AI-written
answers, catalogue pages, news summaries). ``other`` (a primary source of a kind not
listed) sits with case series; a source with no study type is judged by its ``kind``.

    >>> evidence_level("rct", "research")
    3
    >>> evidence_label("secondary", "research")
    'Secondary source'
"""

from __future__ import annotations

from typing import NamedTuple


class Level(NamedTuple):
    """One rung of the evidence ladder: its rank (1 is strongest) and its labels."""

    rank: int
    label: str  # what a clinician reads on the badge
    group: (
        str  # the legend's group: guideline, systematic-review, rct, cohort, review, case-series, secondary
    )


LEVELS: dict[str, Level] = {
    "guideline": Level(1, "Guideline", "guideline"),
    "consensus": Level(1, "Consensus statement", "guideline"),
    "systematic-review": Level(2, "Systematic review", "systematic-review"),
    "rct": Level(3, "Randomised trial", "rct"),
    "cohort": Level(4, "Cohort study", "cohort"),
    "diagnostic": Level(4, "Diagnostic study", "cohort"),
    "review": Level(5, "Narrative review", "review"),
    "case-series": Level(6, "Case series", "case-series"),
    "other": Level(6, "Other primary study", "case-series"),
    "secondary": Level(7, "Secondary source", "secondary"),
}
# The legend shown beside the badges, strongest first.
LEGEND: tuple[tuple[str, str], ...] = (
    ("guideline", "Guideline or consensus statement"),
    ("systematic-review", "Systematic review or meta-analysis"),
    ("rct", "Randomised controlled trial"),
    ("cohort", "Cohort or diagnostic-accuracy study"),
    ("review", "Narrative review"),
    ("case-series", "Case series or other primary study"),
    ("secondary", "Secondary text: AI-written answer, catalogue page or news summary"),
)
SECONDARY = "secondary"


def level_of(study_type: str | None, kind: str) -> Level:
    """The evidence level of a source; without a study type, a guideline document counts
    as a guideline and anything else as an unclassified primary study."""
    if study_type in LEVELS:
        return LEVELS[study_type]
    return LEVELS["guideline"] if kind == "guideline" else LEVELS["other"]


def evidence_level(study_type: str | None, kind: str) -> int:
    """Rank of the source's evidence, 1 (guideline/consensus) to 7 (secondary)."""
    return level_of(study_type, kind).rank


def evidence_label(study_type: str | None, kind: str) -> str:
    """The badge text, e.g. "Systematic review"."""
    return level_of(study_type, kind).label


def is_guideline(study_type: str | None, kind: str) -> bool:
    """True for guidelines and consensus statements: what "From the Guidelines" holds."""
    return level_of(study_type, kind).group == "guideline"


def is_secondary(study_type: str | None) -> bool:
    """True for secondary text, which is quoted only for what no primary source states."""
    return study_type == SECONDARY
