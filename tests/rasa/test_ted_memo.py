"""The memoised TED (bot.launch.rasa_speedups, via bot.launch.rasa_patches) answers
exactly as TED itself.

Realistic conversations (the benchmark's, drawn from held-out wordings, plus a
petition and a case lookup through their forms) run through the real model and
action server; at every TED prediction the memoised answer is compared with a fresh
TensorFlow run on the same tracker.
"""
from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest

from bench.conversations import script_for
from tests.stack import MODEL, Stack

pytestmark = [pytest.mark.slow, pytest.mark.stack]

FORMS = [("我要网上信访", "张三", "13800138000", "取消"),
         ("查询信访进度", "XF-2026-000001", "ABCDEFGH", "算了")]


async def _converse(stack: Stack) -> None:
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    agent = Agent.load(str(MODEL), action_endpoint=EndpointConfig(url=stack.action_url))
    conversations = [script_for(index) for index in range(40)] + FORMS
    for number, messages in enumerate(conversations):
        for text in messages:
            await agent.handle_text(text, sender_id=f"memo-{number}")


def test_memoised_predictions_equal_fresh_ones(stack: Stack, monkeypatch,
                                              request: pytest.FixtureRequest) -> None:
    from rasa.core.policies.ted_policy import TEDPolicy

    from bot.launch import rasa_patches

    assert rasa_patches.apply()

    def stock_again() -> None:  # the checking wrapper first, then the patches
        monkeypatch.undo()
        rasa_patches.restore()

    request.addfinalizer(stock_again)
    memoised = TEDPolicy.predict_action_probabilities
    fresh = memoised.__wrapped__  # type: ignore[attr-defined]
    checks: list[Any] = []

    def checking(self: TEDPolicy, tracker: Any, domain: Any, rule_only_data: Any = None,
                 precomputations: Any = None, **kwargs: Any) -> Any:
        hits_before = len(self.__dict__.get("_prediction_memo", {}))
        answer = memoised(self, tracker, domain, rule_only_data, precomputations, **kwargs)
        reference = fresh(self, tracker, domain, rule_only_data=rule_only_data,
                          precomputations=precomputations, **kwargs)
        hit = len(self.__dict__["_prediction_memo"]) == hits_before
        checks.append((hit, np.asarray(answer.probabilities),
                       np.asarray(reference.probabilities)))
        return answer

    monkeypatch.setattr(TEDPolicy, "predict_action_probabilities", checking)
    asyncio.run(_converse(stack))
    hits = [c for c in checks if c[0]]
    print(f"TED memo: {len(hits)} of {len(checks)} predictions answered from the memo")
    assert len(checks) > 200 and len(hits) > len(checks) / 2, (len(checks), len(hits))
    for _, answer, reference in checks:
        assert np.allclose(answer, reference, atol=1e-6)
        assert int(np.argmax(answer)) == int(np.argmax(reference))
