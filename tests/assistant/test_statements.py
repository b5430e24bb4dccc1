"""The statement check (assistant/statements.py): each rule, then the calibration set."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.pipeline import MIN_STATEMENT_SIMILARITY
from assistant.statements import flipped_negation, numbers_in, unsupported_reason

SET = Path(__file__).resolve().parents[1] / "data" / "statement_check.yaml"
TERMS = ("rituximab", "RTX", "IVIg", "intravenous immunoglobulin", "CIDP", "anti-MAG")
QUOTE = "In the trial, 4 of 13 patients on rituximab improved versus 0 of 13 on placebo, which was not significant."


@pytest.mark.parametrize(
    ("statement", "quote", "reason"),
    [
        ("8 of 13 improved on rituximab.", QUOTE, "states 8"),
        ("Four of 13 improved on rituximab, not significantly.", QUOTE, None),
        ("Six weekly infusions were given.", "Four weekly infusions were given.", "states 6"),
        ("It is Class III evidence.", "It is Class I evidence.", "states 3"),
        ("The dose was 375 mg.", "The dose was 375 mg/m² weekly.", None),
        ("Walking took 10 seconds.", "Walking time fell by 10 percent.", "value in second"),
        ("4 of 13 on rituximab improved versus 0 of 13, which was significant.", QUOTE, "negation"),
        ("The score did not improve.", "The score improved.", "negation"),
        (
            "IVIg may give only short-term benefit.",
            "The review, whose results were not checked, found IVIg may give only short-term benefit.",
            None,
        ),
        (
            "The walking time rose with rituximab.",
            "The walking time fell with rituximab.",
            "direction of its source ('rose')",
        ),
        ("Patients fared best.", "Patients fared worst.", "direction of its source ('best')"),
        ("4 of 13 on IVIg improved versus 0 of 13, not significantly.", QUOTE, "names ivig"),
        ("4 of 13 rituximab-treated patients improved, not significantly.", QUOTE, None),
        ("Cyclophosphamide was given weekly.", "Rituximab was given weekly.", "cyclophosphamide"),
        (
            "A nerve biopsy is advised for everyone.",
            "Screening for malignancy is advised for everyone.",
            "biopsy",
        ),
        ("Rituximab always helps, 4 of 13 improving.", "Rituximab helped 4 of 13 patients.", "says 'alway'"),
        (
            "Patients respond to immune therapy.",
            "Only some patients respond to immune therapy.",
            "drops its source's qualification",
        ),
        (
            "Rituximab-treated patients had a clinical response.",
            "31.5% of rituximab-treated patients had a clinical response.",
            "leaves out how many",
        ),
        ("About a third of patients responded.", "31.5% of patients responded.", None),
        ("About half of patients responded.", "31.5% of patients responded.", "says 'half'"),
        (
            "Rituximab helped 4 of 13 patients " + "in that small open trial " * 6 + ".",
            "Rituximab helped 4 of 13 patients.",
            "longer than its source",
        ),
    ],
)
def test_each_rule(statement: str, quote: str, reason: str | None) -> None:
    found = unsupported_reason(statement, [quote], terms=TERMS)
    if reason is None:
        assert found is None, found
    else:
        assert found is not None and reason in found, found


def test_number_words_and_thousands_separators_are_numbers() -> None:
    assert numbers_in("four of thirteen, 10,000 BTU, Class II") == {"4", "13", "10000", "2"}


def test_leaving_out_a_negated_clause_is_not_a_flip_but_keeping_it_unnegated_is() -> None:
    assert not flipped_negation("4 of 13 improved on rituximab.", QUOTE)
    assert flipped_negation("4 of 13 improved on rituximab, which was significant.", QUOTE)


def test_a_statement_below_the_similarity_threshold_is_unsupported() -> None:
    reason = unsupported_reason("x", ["y"], similarity=0.2, min_similarity=MIN_STATEMENT_SIMILARITY)
    assert reason is not None and "not close enough" in reason


def rows(split: str) -> list[tuple[str, str, str]]:
    out = []
    for item in yaml.safe_load(SET.read_text())["items"]:
        if item["split"] == split:
            out += [("paraphrase", p, item["quote"]) for p in item["paraphrases"]]
            out += [(c["kind"], c["statement"], item["quote"]) for c in item["corrupted"]]
    return out


def verdicts(knowledge, split: str) -> tuple[list[str], list[str]]:
    """The false drops and the missed corruptions of one split, checked as the pipeline checks."""
    false_drops, missed = [], []
    for kind, statement, quote in rows(split):
        assert quote in " ".join(knowledge.texts.values()), f"not a corpus sentence: {quote}"
        similarity = float(knowledge.embed(statement) @ knowledge.embed(quote))
        reason = unsupported_reason(
            statement,
            [quote],
            terms=knowledge.vocabulary,
            similarity=similarity,
            min_similarity=MIN_STATEMENT_SIMILARITY,
        )
        if kind == "paraphrase" and reason:
            false_drops.append(f"{statement} ({reason})")
        if kind != "paraphrase" and not reason:
            missed.append(f"{kind}: {statement}")
    return false_drops, missed


def test_on_tune_items_every_paraphrase_is_kept_and_nearly_every_corruption_caught(knowledge) -> None:
    false_drops, missed = verdicts(knowledge, "tune")
    assert false_drops == []
    # One known miss: "half of patients ... at 10 years" re-binds a figure the sentence
    # gives for 15 years; no rule here relates numbers to what they measure.
    assert len(missed) <= 1, missed


def test_on_heldout_items_the_check_holds(knowledge) -> None:
    false_drops, missed = verdicts(knowledge, "heldout")
    assert len(false_drops) <= 1, false_drops
    assert len(missed) <= 1, missed
