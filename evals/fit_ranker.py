"""Fit the sentence ranker (``assistant.ranker``) on the tune eval cases, check it on held-out.

Every candidate sentence the extractive answerer considers for a tune case is labelled 1
when it states one of the case's required or lead facts (any regex alternative matches),
else 0, and a regularised logistic regression is fitted to those labels. The held-out
cases are only scored: the report gives the area under the ROC curve and how often the
top-ranked sentence states a fact, on both splits.

    python -m evals.fit_ranker [--home DIR] [--l2 1.0] [--write]

``--write`` stores the weights in ``assistant/ranker.json`` (commit it with the report).
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant import Assistant, ranker
from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.premise import split_premise
from assistant.questions import split_question
from evals.cases import Case, load_cases
from ingest import Settings

L2_CHOICES = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)


@dataclass
class Examples:
    """Feature rows, labels, and which question each row belongs to."""

    x: list[np.ndarray]
    y: list[np.ndarray]

    def stacked(self) -> tuple[np.ndarray, np.ndarray]:
        """All rows and labels as two arrays."""
        return np.vstack(self.x), np.concatenate(self.y)


def label(text: str, case: Case) -> float:
    """1.0 when ``text`` states one of the case's facts."""
    patterns = [p for fact in [*case.required_facts, *case.lead] for p in fact]
    return float(any(re.search(p, text, re.IGNORECASE) for p in patterns))


def examples(assistant: Assistant, cases: Sequence[Case]) -> Examples:
    """Labelled candidate sentences of the answerable ``cases``, one group per question part."""
    answerer = ExtractiveAnswerer(assistant.kb, min_support=0.0)
    out = Examples([], [])
    for case in cases:
        if case.expect_refusal:
            continue
        passages = assistant.retrieve(case.question)
        premise, core = split_premise(case.question)
        for part in split_question(core):
            text = f"{part} {premise}" if premise else part
            candidates = answerer.candidates(text, passages)
            if not candidates:
                continue
            out.x.append(ranker.feature_matrix(candidates, answerer._question(part)))
            out.y.append(np.asarray([label(c.text, case) for c in candidates]))
    return out


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve: the chance a positive outranks a negative (ties half)."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    if not len(pos) or not len(neg):
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def top1(groups: Examples, weights: np.ndarray) -> float:
    """How often the highest-scoring sentence of a question states a fact."""
    hits = [float(y[int(np.argmax(x @ weights))]) for x, y in zip(groups.x, groups.y, strict=True) if y.any()]
    return sum(hits) / len(hits) if hits else float("nan")


def report(name: str, groups: Examples, weights: np.ndarray) -> str:
    """One line of fit quality."""
    x, y = groups.stacked()
    return f"{name}: {len(y)} sentences ({int(y.sum())} positive), AUC {auc(x @ weights, y):.3f}, top-1 {top1(groups, weights):.3f}"


def cross_validated(groups: Examples, l2: float, folds: int = 5) -> float:
    """Mean top-1 over ``folds`` splits of the question groups (fit on the rest each time)."""
    scores = []
    for k in range(folds):
        train = Examples(
            [x for i, x in enumerate(groups.x) if i % folds != k],
            [y for i, y in enumerate(groups.y) if i % folds != k],
        )
        test = Examples(
            [x for i, x in enumerate(groups.x) if i % folds == k],
            [y for i, y in enumerate(groups.y) if i % folds == k],
        )
        scores.append(top1(test, ranker.fit(*train.stacked(), l2=l2)))
    return float(np.nanmean(scores))


def main(argv: Sequence[str] | None = None) -> None:
    """Fit on tune, report on both splits, optionally write the weights."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--home", help="Data directory with the index of the bundled corpus.")
    parser.add_argument(
        "--l2", type=float, help="L2 penalty (default: chosen by 5-fold cross-validation on the tune split)."
    )
    parser.add_argument("--write", action="store_true", help="Write assistant/ranker.json.")
    args = parser.parse_args(argv)
    assistant = Assistant(Settings.from_env(home=args.home))
    cases = load_cases()
    tune = examples(assistant, [c for c in cases if c.split == "tune"])
    heldout = examples(assistant, [c for c in cases if c.split == "heldout"])
    if args.l2 is None:
        validated = {l2: cross_validated(tune, l2) for l2 in L2_CHOICES}
        print(
            "cross-validated top-1 on tune by L2: "
            + ", ".join(f"{k:g}: {v:.3f}" for k, v in validated.items())
        )
        args.l2 = max(validated, key=lambda k: (validated[k], k))
    weights = ranker.fit(*tune.stacked(), l2=args.l2)
    print(f"L2 = {args.l2:g}")
    print(report("tune", tune, weights))
    print(report("heldout", heldout, weights))
    named = dict(zip(ranker.FEATURES, (round(float(w), 4) for w in weights), strict=True))
    print(json.dumps(named, indent=2))
    if args.write:
        data = {
            "fitted_on": "tune split of evals/cases.yaml over the bundled corpus (python -m evals.fit_ranker)",
            "l2": args.l2,
            "weights": named,
        }
        ranker.WEIGHTS_FILE.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"written {ranker.WEIGHTS_FILE}")


if __name__ == "__main__":
    main()
