"""Starting from a message the bot misunderstands: label, retrain, compare, deploy, see it fixed.

Trains once per session (``trained_run``; reused from the browser test when it ran first).
"""
from __future__ import annotations

import pytest

from bot.admin.figures import Figures
from bot.admin.gate import check_gate
from bot.admin.jobs import JobView
from tests.admin.stack_admin import MISUNDERSTOOD, RIGHT_LABEL, StackAdmin

pytestmark = [pytest.mark.stack, pytest.mark.slow]


def test_retrained_model_is_compared_and_fixes_the_message(stack_admin: StackAdmin,
                                                           trained_run: JobView) -> None:
    service = stack_admin.service
    stack_admin.restore_initial()
    assert stack_admin.parse(MISUNDERSTOOD) != RIGHT_LABEL  # the running model gets it wrong

    # The candidate exists, is registered with figures, and its data contains the new example.
    model = service.registry.get(trained_run.version)
    assert model.exists and model.status in ("candidate", "retired") and model.figures is not None
    assert f"- {MISUNDERSTOOD}" in (stack_admin.project / "data" / "nlu" / "reviewed.yml").read_text("utf-8")
    assert trained_run.result and trained_run.result["train_seconds"] > 0

    # One real comparison: both models evaluated on the same held-out set.
    result = service.job_result(trained_run)
    assert result is not None and result.candidate.heldout == result.deployed.heldout
    assert result.candidate.examples == result.deployed.examples > 500
    assert result.gate.allowed == check_gate(result.candidate, result.deployed, 0.01).allowed
    sabotaged = Figures.from_dict({**result.candidate.to_dict(),
                                   "intent_macro_f1": result.deployed.intent_macro_f1 - 0.05})
    assert not check_gate(sabotaged, result.deployed).allowed
    assert service.confusion_png(trained_run, "candidate") is not None

    try:
        reason = "" if result.gate.allowed else "端到端测试：训练随机性导致的小幅波动"
        outcome = service.deploy(trained_run.version, "admin-test", reason)
        assert stack_admin.model_file() == f"{trained_run.version}.tar.gz"
        assert outcome.previous == "initial"
        assert stack_admin.parse(MISUNDERSTOOD) == RIGHT_LABEL  # fixed without a restart
        reply = stack_admin.stack.rest("e2e-after-deploy", MISUNDERSTOOD)
        assert reply  # the bot still answers through the swapped model
    finally:
        stack_admin.restore_initial()
    assert stack_admin.model_file() == "current.tar.gz"
