"""NLU quality on the held-out split (tests/nlu_heldout, never trained on)."""
from __future__ import annotations

import pytest

from bot.evaluation.examples import heldout_examples
from bot.evaluation.predictor import ModelPredictor
from bot.evaluation.report import Report, evaluate
from bot.evaluation.tables import full_report
from bot.knowledge import default_knowledge
from tests.stack import MODEL

pytestmark = pytest.mark.slow

MIN_INTENT_MACRO_F1 = 0.90
MIN_SCOPE_ACCURACY = 0.95
MAX_FALSE_ACCEPTANCE = 0.02


@pytest.fixture(scope="module")
def report(pytestconfig: pytest.Config) -> Report:
    examples = heldout_examples()
    assert len(examples) > 500, "the held-out set is unexpectedly small"
    predictor = ModelPredictor(MODEL)
    try:
        result = evaluate(examples, predictor.predict_all([e.text for e in examples]),
                          default_knowledge())
    finally:
        predictor.close()
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print("\n" + full_report(result), flush=True)
    return result


def test_intent_macro_f1(report: Report) -> None:
    assert report.intent_macro_f1 >= MIN_INTENT_MACRO_F1


def test_scope_accuracy(report: Report) -> None:
    """Right scope in the bot's first answer, or — when it asks instead of guessing,
    as the issue prefers — the right matter among the clarifying buttons."""
    assert report.scope_accuracy_after_clarify >= MIN_SCOPE_ACCURACY


def test_most_descriptions_are_answered_without_asking(report: Report) -> None:
    assert report.clarified <= 0.25 * report.matter_total


def test_false_acceptance_rate(report: Report) -> None:
    assert report.false_acceptance_rate <= MAX_FALSE_ACCEPTANCE


def test_every_matter_is_recognised_at_least_sometimes(report: Report) -> None:
    weak = [m for m in default_knowledge().ids
            if report.matter_stats.get(m) and report.matter_stats[m].recall < 0.5]
    assert not weak, f"matters recognised in under half of their held-out examples: {weak}"
