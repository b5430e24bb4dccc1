"""Refusal calibration: how well do in-scope and out-of-scope questions separate?

For each question this asks the retriever for passages and the extractive answerer for
its scored candidate sentences, and reports the *support* that decides refusal
(``assistant.answerers.extractive.support``: the best score, similarity plus weighted
concept coverage, among sentences that could be quoted and, when the question asks for a
number, dose or duration, that provide one). A compound question is answered part by
part, so its support is its best part's. ``MIN_SUPPORT`` should sit in the gap between
the groups. The eval cases calibrate; a small held-out set, never used to choose
values, checks.

    python -m evals.calibrate [--home DIR]   # Markdown tables for evals/CALIBRATION.md
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass

from assistant import Assistant
from assistant.answerers.extractive import MIN_SUPPORT, ExtractiveAnswerer, support
from assistant.questions import asked_type, split_question
from evals.cases import load_cases
from ingest import Settings

# Questions written for checking the threshold only; not eval cases, not used to pick it.
HELD_OUT: tuple[tuple[str, bool], ...] = (
    ("Is rituximab worth trying in anti-MAG neuropathy?", True),
    ("What is anti-MAG neuropathy?", True),
    ("What test should I order to diagnose anti-MAG neuropathy?", True),
    ("Does plasmapheresis help patients with anti-MAG antibodies?", True),
    ("Is nerve biopsy useful in IgM paraprotein neuropathy?", True),
    ("Are anti-MAG antibodies pathogenic?", True),
    ("What does the IWWM-8 consensus recommend?", True),
    ("How does Waldenström macroglobulinemia relate to neuropathy?", True),
    ("What is the Niermeijer prognostic model?", True),
    ("Does IVIg help DADS neuropathy?", True),
    ("Should I screen for lymphoma in IgM neuropathy?", True),
    ("What did the Svahn study find about rituximab?", True),
    ("How is CIDP treated with IVIg maintenance?", False),
    ("How is multifocal motor neuropathy treated?", False),
    ("Is rituximab safe in pregnancy?", False),
    ("How do you treat chemotherapy-induced peripheral neuropathy?", False),
    ("How is amyloid neuropathy diagnosed?", False),
    ("What are the symptoms of vitamin B12 deficiency neuropathy?", False),
    ("What is the life expectancy with multiple myeloma?", False),
    ("What causes Charcot-Marie-Tooth disease?", False),
)


@dataclass(frozen=True, slots=True)
class Probe:
    """What the answerer sees for one question."""

    label: str
    in_scope: bool
    support: float
    untyped: float  # the support if the question asked for no particular kind of value
    asks: str | None


@dataclass(frozen=True, slots=True)
class Separation:
    """The gap between the groups' refusal-test similarities, and its midpoint."""

    in_scope_min: float
    out_of_scope_max: float

    @property
    def midpoint(self) -> float:
        """Halfway between the groups."""
        return (self.in_scope_min + self.out_of_scope_max) / 2

    @property
    def separable(self) -> bool:
        """True when every in-scope question scores above every out-of-scope one."""
        return self.in_scope_min > self.out_of_scope_max


def separation(probes: Sequence[Probe]) -> Separation:
    """Lowest in-scope and highest out-of-scope similarity.

    Raises:
        ValueError: one of the groups is empty.
    """
    inside = [p.support for p in probes if p.in_scope]
    outside = [p.support for p in probes if not p.in_scope]
    if not inside or not outside:
        raise ValueError("calibration needs both in-scope and out-of-scope questions")
    return Separation(min(inside), max(outside))


def errors_at(probes: Sequence[Probe], threshold: float) -> tuple[int, int]:
    """(in-scope questions refused, out-of-scope questions answered) at ``threshold``."""
    refused_in = sum(1 for p in probes if p.in_scope and p.support < threshold)
    answered_out = sum(1 for p in probes if not p.in_scope and p.support >= threshold)
    return refused_in, answered_out


def probe(
    assistant: Assistant, answerer: ExtractiveAnswerer, label: str, question: str, in_scope: bool
) -> Probe:
    """Score one question the way the extractive answerer decides refusal."""
    docs = assistant.retriever.invoke(question)
    passages = [assistant.kb.passage(d.metadata["row"], d.metadata.get("score", 0.0)) for d in docs]
    probes = []
    for part in split_question(question):
        candidates = answerer.candidates(part, passages)
        asks = asked_type(part)
        probes.append(Probe(label, in_scope, support(candidates, asks), support(candidates, None), asks))
    return max(probes, key=lambda p: p.support)


def group_table(probes: Sequence[Probe]) -> list[str]:
    """Min/max per group (in scope, out of scope)."""
    lines = [
        "| group | questions | support min | max | untyped support min | max |",
        "|---|---|---|---|---|---|",
    ]
    for label, in_scope in (("in scope", True), ("out of scope", False)):
        group = [p for p in probes if p.in_scope == in_scope]
        sims, scores = [p.support for p in group], [p.untyped for p in group]
        lines.append(
            f"| {label} | {len(group)} | {min(sims):.3f} | {max(sims):.3f} | {min(scores):.3f} | {max(scores):.3f} |"
        )
    return lines


def render(cases: Sequence[Probe], held_out: Sequence[Probe], thresholds: Sequence[float]) -> str:
    """Markdown: group ranges, errors per threshold, and every probe."""
    gap = separation(cases)
    lines = ["### Eval cases", "", *group_table(cases), ""]
    lines.append(
        f"Lowest in-scope {gap.in_scope_min:.3f}, highest out-of-scope {gap.out_of_scope_max:.3f}: "
        f"{'separable' if gap.separable else 'overlapping'}, midpoint {gap.midpoint:.3f}. "
        f"MIN_SUPPORT now {MIN_SUPPORT}."
    )
    lines += ["", "### Held-out questions", "", *group_table(held_out), ""]
    lines += [
        "### Errors by threshold",
        "",
        "| MIN_SUPPORT | cases: in-scope refused | out-of-scope answered | held-out: in-scope refused | out-of-scope answered |",
        "|---|---|---|---|---|",
    ]
    for t in thresholds:
        (a, b), (c, d) = errors_at(cases, t), errors_at(held_out, t)
        lines.append(f"| {t:.3f} | {a} | {b} | {c} | {d} |")
    lines += [
        "",
        "### Every question",
        "",
        "| question | in scope | support | untyped support | asks |",
        "|---|---|---|---|---|",
    ]
    for p in sorted([*cases, *held_out], key=lambda p: -p.support):
        lines.append(
            f"| {p.label} | {'yes' if p.in_scope else 'no'} | {p.support:.3f} | {p.untyped:.3f} | {p.asks or '—'} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Print the calibration tables for the bundled cases and the current index."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--home", help="Data directory with the index (default: $CITEWISE_HOME).")
    args = parser.parse_args(argv)
    assistant = Assistant(Settings.from_env(home=args.home))
    answerer = ExtractiveAnswerer(assistant.kb)
    cases = [probe(assistant, answerer, c.id, c.question, not c.expect_refusal) for c in load_cases()]
    held_out = [probe(assistant, answerer, f"held-out: {q}", q, inside) for q, inside in HELD_OUT]
    print(render(cases, held_out, [0.65, 0.70, 0.72, 0.725, 0.73, 0.75, 0.80]))


if __name__ == "__main__":
    main()
