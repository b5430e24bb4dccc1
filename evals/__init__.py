"""The eval suite: cases (YAML), metrics, the runner and its reports, the CI gate."""

from evals.cases import Case, Gate, load_cases, load_gate
from evals.grading import CaseResult, Report, check_gate, grade_case, summarise
from evals.runner import build_assistant, main, run_suite

__all__ = [
    "Case",
    "CaseResult",
    "Gate",
    "Report",
    "build_assistant",
    "check_gate",
    "grade_case",
    "load_cases",
    "load_gate",
    "main",
    "run_suite",
    "summarise",
]
