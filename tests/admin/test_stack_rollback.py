"""Hot swap and rollback in the running Rasa server, without dropping the conversation."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.admin.stack_admin import StackAdmin, say

pytestmark = [pytest.mark.stack, pytest.mark.slow]


def test_deploy_a_copy_then_roll_back(stack_admin: StackAdmin, tmp_path: Path) -> None:
    service = stack_admin.service
    assert stack_admin.model_file() == "current.tar.gz"
    copy = tmp_path / "copy-of-current.tar.gz"
    shutil.copy2(stack_admin.config.initial_model, copy)
    service.registry.add("copy-of-current", copy, None, None, None, "test")
    say(stack_admin.stack, "swap-citizen", "你好")
    try:
        gate = service.gate("copy-of-current")
        assert not gate.allowed  # no figures for the copy: only an override may deploy it
        outcome = service.deploy("copy-of-current", "admin-test", "测试热切换")
        assert outcome.overridden and outcome.backends[0].model_file == "copy-of-current.tar.gz"
        assert stack_admin.model_file() == "copy-of-current.tar.gz"
        say(stack_admin.stack, "swap-citizen", "谢谢")
        texts = [e.get("text") for e in stack_admin.stack.tracker("swap-citizen")["events"]
                 if e.get("event") == "user"]
        assert texts == ["你好", "谢谢"]  # the conversation survived the swap

        back = service.rollback("admin-test")
        assert back.model.version == "initial" and back.previous == "copy-of-current"
        assert stack_admin.model_file() == "current.tar.gz"
        history = service.registry.history(2)
        assert [(h.action, h.version) for h in history] == [("rollback", "initial"),
                                                            ("deploy", "copy-of-current")]
        assert history[1].override_reason == "测试热切换"
    finally:
        stack_admin.restore_initial()
