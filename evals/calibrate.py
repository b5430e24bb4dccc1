"""Fit the refusal threshold of one corpus: ``citewise calibrate``.

For each calibration question this retrieves passages and asks the extractive answerer
for its scored candidate sentences, and takes the *support* that decides refusal
(``assistant.selection.support``: the best score, similarity plus weighted concept
coverage, among sentences that could be quoted and, when the question asks for a number,
dose or duration, that provide one; a compound question is as strong as its best part).
``MIN_SUPPORT`` is then put where it makes the fewest mistakes on those questions,
counting an out-of-scope question answered as worse than an in-scope one refused
(``ANSWERED_COST``): a wrong medical answer is worse than a short one. Among equally good
thresholds it takes the middle of the widest gap.

The questions are, in order of preference: the corpus's own eval cases (``--cases``; the
``tune`` split only, never ``heldout``), a suite's tune questions (``--suite pubmedqa``),
or questions generated from the corpus (each document's opening sentence asked back as a
question, in scope; unrelated clinical questions, out of scope).
The result is stored with the index (``assistant.calibration``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant import Assistant
from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.calibration import Calibration, save_calibration
from assistant.premise import split_premise
from assistant.questions import asked_type, split_question
from assistant.selection import support
from evals.cases import Case, check_sources, load_cases

# An out-of-scope question answered costs this many in-scope questions refused.
ANSWERED_COST = 2.0
# Out-of-scope probes for a corpus with no cases of its own: clinical questions on many
# unrelated topics; those whose words the corpus uses are left out (see `generated`).
OFF_TOPIC = (
    "What is the first-line treatment for community-acquired pneumonia in adults?",
    "How is acute appendicitis diagnosed in children?",
    "What is the target blood pressure in chronic kidney disease?",
    "Which antiemetic is safest in the first trimester of pregnancy?",
    "How long should anticoagulation continue after a provoked deep vein thrombosis?",
    "What is the recommended screening interval for colorectal cancer?",
    "How is otitis media with effusion managed in toddlers?",
    "What dose of vitamin D prevents fractures in older women?",
    "Does cognitive behavioural therapy help chronic insomnia?",
    "What are the indications for tonsillectomy?",
    "How is gout flare treated in a patient on warfarin?",
    "What is the capital of France?",
)


@dataclass(frozen=True, slots=True)
class Probe:
    """One calibration question and the support the answerer finds for it."""

    question: str
    in_scope: bool
    support: float


def probe(assistant: Assistant, answerer: ExtractiveAnswerer, question: str, in_scope: bool) -> Probe:
    """Score one question the way the extractive answerer decides refusal."""
    passages = assistant.retrieve(question)
    premise, core = split_premise(question)
    best = 0.0
    for part in split_question(core):
        text = f"{part} {premise}" if premise else part
        best = max(best, support(answerer.candidates(text, passages), asked_type(part)))
    return Probe(question, in_scope, best)


def errors_at(probes: Sequence[Probe], threshold: float) -> tuple[int, int]:
    """(in-scope questions refused, out-of-scope questions answered) at ``threshold``."""
    refused = sum(1 for p in probes if p.in_scope and p.support < threshold)
    answered = sum(1 for p in probes if not p.in_scope and p.support >= threshold)
    return refused, answered


def fit_threshold(probes: Sequence[Probe], cost: float = ANSWERED_COST) -> float:
    """The threshold with the least weighted error; the middle of the widest gap among ties.

    Candidate thresholds sit halfway between neighbouring supports. E.g. in-scope supports
    [0.9, 0.8] and out-of-scope [0.6, 0.85] give candidates 0.7, 0.825, 0.875; 0.875 makes
    one mistake (0.8 refused, cost 1), 0.825 one (0.85 answered, cost 2): 0.875 wins.

    Raises:
        ValueError: no probes.
    """
    if not probes:
        raise ValueError("no calibration questions")
    values = sorted({p.support for p in probes})
    cuts = [
        values[0] - 0.01,
        *((a + b) / 2 for a, b in zip(values, values[1:], strict=False)),
        values[-1] + 0.01,
    ]

    def loss(t: float) -> float:
        refused, answered = errors_at(probes, t)
        return refused + cost * answered

    least = min(loss(t) for t in cuts)
    best = [t for t in cuts if loss(t) == least]
    gaps = {t: min((abs(t - v) for v in values), default=0.0) for t in best}
    return max(best, key=lambda t: gaps[t])


def calibrate(
    assistant: Assistant, questions: Sequence[tuple[str, bool]], fitted_on: str
) -> tuple[Calibration, list[Probe]]:
    """Fit the threshold to ``questions`` (text, in scope?) and describe the fit."""
    answerer = ExtractiveAnswerer(assistant.kb, min_support=0.0)
    # A question the topic check refuses is decided whatever the threshold: leave it out.
    probes = [
        probe(assistant, answerer, q, inside) for q, inside in questions if assistant.kb.off_topic(q) is None
    ]
    threshold = round(fit_threshold(probes), 4)
    refused, answered = errors_at(probes, threshold)
    inside = sum(p.in_scope for p in probes)
    outside = len(probes) - inside
    calibration = Calibration(
        min_support=threshold,
        corpus_sha256=assistant.kb.manifest["corpus_sha256"],
        fitted_on=fitted_on,
        in_scope_refused=round(refused / inside, 4) if inside else None,
        out_of_scope_answered=round(answered / outside, 4) if outside else None,
    )
    return calibration, probes


def case_questions(cases: Sequence[Case]) -> list[tuple[str, bool]]:
    """The tune cases as calibration questions (held-out cases are never used)."""
    return [(c.question, not c.expect_refusal) for c in cases if c.split == "tune"]


def generated(assistant: Assistant, limit: int = 40) -> list[tuple[str, bool]]:
    """Questions made from the corpus itself: each document's opening sentence as an
    in-scope question, and the unrelated questions whose rarer words it never uses."""
    kb = assistant.kb
    openings: list[str] = []
    for doc_id in list(kb.texts)[:limit]:
        first = next((c for c in kb.chunks if c.doc_id == doc_id), None)
        if first and first.sentences:
            s, e = first.sentences[0]
            openings.append(f"What is known about this: {kb.texts[doc_id][s:e].rstrip('.')}?")
    idf, _ = kb.idf
    outside = [q for q in OFF_TOPIC if kb.off_topic(q) is not None or _unknown_share(q, idf) >= 0.5]
    return [*((q, True) for q in openings), *((q, False) for q in outside)]


def _unknown_share(question: str, idf: dict[str, float]) -> float:
    from assistant.lexicon import stems

    words = [w for w in stems(question) if len(w) > 3]
    return sum(1 for w in words if w not in idf) / len(words) if words else 1.0


def run(
    assistant: Assistant,
    cases_file: Path | None,
    questions: Sequence[tuple[str, bool]] | None = None,
    fitted_on: str | None = None,
    echo: Callable[[str], object] = print,
) -> Calibration:
    """``citewise calibrate``: choose the questions, fit, store with the index, report."""
    if questions is None:
        cases = _usable_cases(assistant, cases_file)
        if cases:
            questions, fitted_on = case_questions(cases), f"{len(case_questions(cases))} tune cases"
        else:
            questions = generated(assistant)
            fitted_on = f"{len(questions)} questions generated from the corpus"
    calibration, probes = calibrate(assistant, questions, fitted_on or f"{len(questions)} questions")
    path = save_calibration(assistant.settings.index_dir, calibration)
    echo(render(calibration, probes))
    echo(f"calibration stored in {path}")
    return calibration


def _usable_cases(assistant: Assistant, cases_file: Path | None) -> list[Case]:
    """The eval cases that fit this index: the given file, or the bundled cases when every
    source they name is in the index (i.e. the index is the bundled corpus)."""
    cases = load_cases(cases_file)
    known = set(assistant.kb.texts)
    if cases_file is not None:
        check_sources(cases, known, cases_file)
        return cases
    return cases if all(s in known for c in cases for s in c.expected_sources) else []


def render(calibration: Calibration, probes: Sequence[Probe]) -> str:
    """Markdown: the threshold, the mistakes it makes, and every probe by support."""
    inside = [p.support for p in probes if p.in_scope]
    outside = [p.support for p in probes if not p.in_scope]
    lines = [
        f"MIN_SUPPORT = {calibration.min_support:.4f}, fitted on {calibration.fitted_on}.",
        "",
        "| group | questions | support min | max | wrongly decided |",
        "|---|---|---|---|---|",
    ]
    refused, answered = errors_at(probes, calibration.min_support)
    for label, group, wrong in (("in scope", inside, refused), ("out of scope", outside, answered)):
        if group:
            lines.append(f"| {label} | {len(group)} | {min(group):.3f} | {max(group):.3f} | {wrong} |")
    lines += ["", "| support | in scope | decided | question |", "|---|---|---|---|"]
    for p in sorted(probes, key=lambda p: -p.support):
        decided = "answer" if p.support >= calibration.min_support else "refuse"
        mark = "" if (decided == "answer") == p.in_scope else " ✗"
        lines.append(
            f"| {p.support:.3f} | {'yes' if p.in_scope else 'no'} | {decided}{mark} | {p.question} |"
        )
    return "\n".join(lines)
