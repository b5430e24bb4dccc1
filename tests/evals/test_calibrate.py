"""Tests for evals.calibrate: the separation arithmetic and a real probe."""

from __future__ import annotations

import pytest

from assistant.answerers.extractive import MIN_SUPPORT, ExtractiveAnswerer
from evals.calibrate import Probe, errors_at, probe, separation


def make(support: float, in_scope: bool, asks: str | None = None, untyped: float | None = None) -> Probe:
    return Probe("q", in_scope, support, support if untyped is None else untyped, asks)


def test_a_question_asking_for_a_dose_is_decided_by_its_typed_support() -> None:
    assert make(0.5, True, "dose", untyped=0.8).support == 0.5


def test_separable_groups_have_a_midpoint_between_them() -> None:
    gap = separation([make(0.7, True), make(0.9, True), make(0.3, False), make(0.5, False)])
    assert gap.separable
    assert gap.midpoint == pytest.approx(0.6)


def test_overlapping_groups_are_reported() -> None:
    assert not separation([make(0.5, True), make(0.6, False)]).separable


def test_separation_needs_both_groups() -> None:
    with pytest.raises(ValueError):
        separation([make(0.5, True)])


def test_errors_at_a_threshold_count_both_kinds() -> None:
    probes = [make(0.55, True), make(0.8, True), make(0.62, False), make(0.2, False)]
    assert errors_at(probes, 0.6) == (1, 1)
    assert errors_at(probes, 0.5) == (0, 1)


def test_the_calibrated_threshold_separates_a_clear_pair(assistant) -> None:
    answerer = ExtractiveAnswerer(assistant.kb)
    inside = probe(
        assistant, answerer, "in", "How many patients were in the Dalakas 2009 rituximab trial?", True
    )
    outside = probe(assistant, answerer, "out", "What is the capital of France?", False)
    assert inside.support > MIN_SUPPORT > outside.support
