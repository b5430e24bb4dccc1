"""How likely a candidate sentence is to answer the question: a small logistic model.

Hand-set weights between similarity, concept coverage, section, evidence level and the
rest did not transfer from one question to the next, so the weights are fitted instead:
``python -m evals.fit_ranker`` labels every candidate sentence of the *tune* eval cases
(does it state one of the case's facts?), fits a regularised logistic regression, checks
it on the held-out cases, and writes ``ranker.json`` beside this module. Every feature is
about sentence shape, retrieval and the question's form, never about one corpus's topic.

Pure functions: the features of a candidate, and scores from a weight vector.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant import sentences
from assistant.questions import provides, states_count

if TYPE_CHECKING:
    from assistant.selection import Candidate

WEIGHTS_FILE = Path(__file__).with_name("ranker.json")
FEATURES: tuple[str, ...] = (
    "bias",
    "similarity",  # cosine with the question
    "similarity_gap",  # how far below the most similar candidate
    "coverage",  # weighted share of the question's concepts mentioned
    "focus",  # the same, weighted by how few candidates mention each concept
    "focus_gap",  # how far below the best focus coverage
    "section",  # +1 results/advice, -1 background/methods
    "verdict",  # states an outcome, verdict or recommendation
    "certainty",  # says how certain the evidence is
    "strength",  # steps above secondary on the evidence ladder, / 6
    "secondary",  # secondary text
    "value",  # gives the kind of value the question asks for
    "no_value",  # the question asks for a value and the sentence gives none
    "counted",  # gives a number of what "how many ...?" counts
    "named",  # from the study the question names
    "other_named",  # the question names a study, and this is another one
    "passage_rank",  # 1 / (1 + position of its passage in the retrieval)
    "opening",  # the first sentence of its document
    "length",  # words / 40
    "continues",  # continues the sentence before it ("... also ...")
)


@dataclass(frozen=True, slots=True)
class Question:
    """What the features need to know about the question."""

    asked: str | None = None  # dose, duration, number or None
    counted: tuple[str, ...] = ()  # stems of what "how many ...?" counts
    named: frozenset[str] = field(default_factory=frozenset)  # source ids the question names


def feature_matrix(
    candidates: list[Candidate], question: Question, reference: list[Candidate] | None = None
) -> np.ndarray:
    """One row of ``FEATURES`` per candidate (features relative to the others are taken
    within ``reference``, by default ``candidates``)."""
    if not candidates:
        return np.zeros((0, len(FEATURES)))
    from assistant.selection import focus_weights, weighted

    reference = reference or candidates
    focus = focus_weights(reference)
    focused = [weighted(c.hits, focus) for c in candidates]
    best_sim = max(c.similarity for c in reference)
    best_focus = max(weighted(c.hits, focus) for c in reference)
    rows = []
    for c, f in zip(candidates, focused, strict=True):
        gives = provides(c.text, question.asked) if question.asked else False
        source = c.passage.source.id
        rows.append(
            (
                1.0,
                c.similarity,
                best_sim - c.similarity,
                c.coverage,
                f,
                best_focus - f,
                float(c.section),
                float(c.verdict),
                float(c.certainty),
                c.strength / 6,
                float(c.secondary),
                float(gives),
                float(question.asked is not None and not gives),
                float(bool(question.counted) and states_count(c.text, question.counted)),
                float(source in question.named),
                float(bool(question.named) and source not in question.named),
                1.0 / (1 + c.order),
                float(c.opening),
                len(c.text.split()) / 40,
                float(sentences.continues(c.text)),
            )
        )
    return np.asarray(rows, dtype=float)


def scores(
    candidates: list[Candidate],
    question: Question,
    weights: np.ndarray | None = None,
    reference: list[Candidate] | None = None,
) -> dict[int, float]:
    """The log-odds that each candidate (by ``id``) states what the question asks
    (relative features taken within ``reference``, by default ``candidates``)."""
    w = load_weights() if weights is None else weights
    logits = feature_matrix(candidates, question, reference) @ w
    return {id(c): float(v) for c, v in zip(candidates, logits, strict=True)}


def probability(logit: float) -> float:
    """The logistic function."""
    return 1.0 / (1.0 + np.exp(-logit))


@cache
def load_weights(path: Path = WEIGHTS_FILE) -> np.ndarray:
    """The fitted weights, in ``FEATURES`` order (a missing feature weighs 0).

    Raises:
        ValueError: the file names a feature this version does not know.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    unknown = set(data["weights"]) - set(FEATURES)
    if unknown:
        raise ValueError(
            f"{path}: unknown ranker features {sorted(unknown)}; refit with python -m evals.fit_ranker"
        )
    return np.asarray([data["weights"].get(name, 0.0) for name in FEATURES], dtype=float)


def fit(x: np.ndarray, y: np.ndarray, *, l2: float = 1.0, iterations: int = 50) -> np.ndarray:
    """Logistic regression by Newton's method with an L2 penalty (the bias is not penalised).

    Args:
        x: one row of features per example.
        y: 1 for a sentence that states a fact, else 0.
        l2: penalty on the squared weights.
    """
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        gradient = x.T @ (p - y) + penalty * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return w
