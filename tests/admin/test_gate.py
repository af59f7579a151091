"""The deploy gate on figures: worse by more than the margin is refused, better is accepted."""
from __future__ import annotations

from dataclasses import replace

import pytest

from bot.admin.figures import Figures, compare, figures_from_report, label_confusions
from bot.admin.gate import check_gate
from bot.evaluation.examples import Example
from bot.evaluation.predictor import Prediction

DEPLOYED = Figures(0.95, 0.97, 0.02, per_intent_f1={"greet": 1.0, "thank": 0.9},
                   per_matter_f1={"parking_fee": 0.9}, heldout="abc")


def test_equal_or_better_is_allowed() -> None:
    assert check_gate(DEPLOYED, DEPLOYED).allowed
    better = replace(DEPLOYED, intent_macro_f1=0.97, scope_accuracy_after_clarify=0.99,
                     false_acceptance_rate=0.0)
    assert check_gate(better, DEPLOYED).allowed


def test_small_drops_within_the_margin_are_allowed() -> None:
    slightly = replace(DEPLOYED, intent_macro_f1=0.941, false_acceptance_rate=0.029)
    assert check_gate(slightly, DEPLOYED, margin=0.01).allowed


@pytest.mark.parametrize("change", [
    {"intent_macro_f1": 0.93},
    {"scope_accuracy_after_clarify": 0.95},
    {"false_acceptance_rate": 0.04},  # FAR rising is worse
])
def test_a_worse_headline_figure_is_refused(change: dict) -> None:
    result = check_gate(replace(DEPLOYED, **change), DEPLOYED, margin=0.01)
    assert not result.allowed
    assert len(result.reasons) == 1 and "变差" in result.reasons[0]


def test_margin_is_configurable() -> None:
    worse = replace(DEPLOYED, intent_macro_f1=0.93)
    assert check_gate(worse, DEPLOYED, margin=0.05).allowed
    assert not check_gate(replace(DEPLOYED, intent_macro_f1=0.949), DEPLOYED, margin=0.0).allowed


def test_missing_or_incomparable_figures_are_refused() -> None:
    assert not check_gate(None, DEPLOYED).allowed
    assert not check_gate(DEPLOYED, None).allowed
    other_set = replace(DEPLOYED, heldout="xyz")
    result = check_gate(other_set, DEPLOYED)
    assert not result.allowed and "留出集" in result.reasons[0]


def test_per_intent_deltas_worst_first() -> None:
    candidate = replace(DEPLOYED, per_intent_f1={"greet": 0.8, "thank": 0.95, "deny": 0.7})
    deltas = compare(candidate, DEPLOYED).per_intent
    assert [(d.name, d.change) for d in deltas] == [("greet", -0.2), ("thank", 0.05), ("deny", None)]


def test_figures_round_trip_through_json() -> None:
    figures = replace(DEPLOYED, confusions=[("a", "b", 2)])
    assert Figures.from_dict(figures.to_dict()) == figures


def test_label_confusions_include_matters() -> None:
    examples = [Example("x", "describe_matter/parking_fee"), Example("y", "greet"), Example("z", "greet")]
    predictions = [Prediction("describe_matter", 0.9, [("traffic_order", 0.8)], []),
                   Prediction("thank", 0.9, [], []), Prediction("greet", 0.9, [], [])]
    assert label_confusions(examples, predictions) == [
        ("describe_matter/parking_fee", "describe_matter/traffic_order", 1), ("greet", "thank", 1)]


def test_figures_from_a_report() -> None:
    from bot.evaluation.report import evaluate
    from bot.knowledge import default_knowledge

    examples = [Example("停车费太贵", "describe_matter/parking_fee"), Example("你好", "greet")]
    predictions = [Prediction("describe_matter", 0.99, [("parking_fee", 0.99)], []),
                   Prediction("greet", 0.99, [], [])]
    figures = figures_from_report(evaluate(examples, predictions, default_knowledge()), examples, predictions)
    assert figures.intent_macro_f1 == 1.0 and figures.examples == 2 and figures.matter_examples == 1
    assert figures.per_intent_f1 == {"describe_matter": 1.0, "greet": 1.0}
    assert figures.heldout and figures.confusions == []
