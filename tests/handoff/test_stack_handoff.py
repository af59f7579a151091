"""Handoff triggers through the real stack (gateway → Rasa → action server → database)."""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from actions.fallback import FIRST_MISS, SECOND_MISS
from bot.handoff.models import Priority, Reason
from bot.handoff.service import HandoffService
from bot.handoff.texts import default_texts
from bot.handoff.views import HandoffView
from bot.store.db import make_engine, make_session_factory
from tests.stack import Stack

pytestmark = [pytest.mark.stack, pytest.mark.slow]
TEXTS = default_texts()


@pytest.fixture
def stack_service(stack: Stack) -> Iterator[HandoffService]:
    engine = make_engine(stack.env["DATABASE_URL"])
    yield HandoffService(make_session_factory(engine))
    engine.dispose()


def sender() -> str:
    return "web-" + uuid.uuid4().hex[:16]


def texts(messages: list) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def wait_open(service: HandoffService, who: str, timeout: float = 10) -> HandoffView | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = service.open_for("webchat", who)
        if view is not None:
            return view
        time.sleep(0.2)
    return None


def test_request_human_opens_a_handoff(stack: Stack, stack_service: HandoffService) -> None:
    """The stack runs in office hours whatever the clock says (tests/conftest.py), so the
    citizen is handed over and the conversation paused; after hours is in test_citizen_side."""
    who = sender()
    reply = texts(stack.chat(who, "转人工"))
    assert TEXTS.get("handed_over") in reply and "分钟" in reply, reply
    assert "非工作时间" not in reply, reply
    view = wait_open(stack_service, who)
    assert view is not None and view.reason == Reason.REQUESTED
    assert view.paused is True and stack.tracker(who)["paused"] is True


def test_third_miss_in_a_row_hands_off(stack: Stack, stack_service: HandoffService) -> None:
    who = sender()
    first = texts(stack.chat(who, "/nlu_fallback"))
    second = texts(stack.chat(who, "/nlu_fallback"))
    assert stack_service.open_for("webchat", who) is None
    third = texts(stack.chat(who, "/nlu_fallback"))
    assert first.startswith(FIRST_MISS) and second.startswith(SECOND_MISS), (first, second)
    assert len({first, second, third}) == 3 and "民警" in third, (first, second, third)
    view = wait_open(stack_service, who)
    assert view is not None and view.reason == Reason.FALLBACK


def test_officer_conduct_is_answered_and_handed_off(stack: Stack,
                                                    stack_service: HandoffService) -> None:
    who = sender()
    reply = texts(stack.chat(who, '/describe_matter{"matter":"officer_conduct"}'))
    assert "督察" in reply
    view = wait_open(stack_service, who)
    assert view is not None and view.reason == Reason.NEEDS_OFFICER
    assert view.matter == "officer_conduct"


def test_early_warning_is_silent_and_urgent(stack: Stack, stack_service: HandoffService) -> None:
    who = sender()
    reply = texts(stack.chat(who, "再不给说法，我们几十个人就去北京上访"))
    assert reply and "预警" not in reply and "苗头" not in reply
    view = wait_open(stack_service, who)
    assert view is not None and view.priority == Priority.URGENT
    assert set(view.warning_tags) >= {"beijing_petition", "group_petition"}
    assert not stack.tracker(who)["paused"]  # the bot keeps answering until an officer joins


@pytest.mark.parametrize("text, rating", [("非常满意", 5), ("一般般吧 3分", 3), ("太差了", 1)])
def test_free_text_rating_is_understood_and_stored(stack: Stack, stack_service: HandoffService,
                                                   text: str, rating: int) -> None:
    who = sender()
    view = stack_service.request("webchat", who, Reason.REQUESTED, paused=False).handoff
    stack_service.close(view.id, 0, "已解答", "test", admin=True)
    reply = texts(stack.chat(who, text))
    assert f"（{rating}分）" in reply, reply
    assert stack_service.get(view.id).rating == rating
