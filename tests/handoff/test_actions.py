"""The Rasa actions of the handoff (request, third fallback miss, needs_officer, rating)."""
from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.handoff as handoff_actions
from actions.fallback import ActionFallbackSuggest, fallback_streak
from actions.handoff import ActionHandoffResumed, ActionRequestHuman, ActionStoreRating, citizen_channel
from actions.scope import ActionExplainMatter
from bot.handoff.models import Kind, Reason, Status
from bot.handoff.service import HandoffService
from bot.handoff.texts import default_texts
from tests.conftest_db import FakeClock
from tests.handoff.fixtures import Officers

TEXTS = default_texts()


@pytest.fixture(autouse=True)
def use_test_service(service: HandoffService, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handoff_actions, "default_service", lambda: service)


def user(text: str, intent: str = "request_human", channel: str | None = "webchat",
         **extra: Any) -> dict[str, Any]:
    return {"event": "user", "text": text, "metadata": {"channel": channel} if channel else {},
            "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": []}, **extra}


def action(name: str) -> dict[str, Any]:
    return {"event": "action", "name": name}


def tracker(sender: str, events: list[dict[str, Any]], entities: list | None = None,
            response_selector: dict | None = None) -> Tracker:
    last = [e for e in events if e["event"] == "user"][-1]
    latest = {**last["parse_data"], "text": last["text"], "entities": entities or [],
              "intent_ranking": [], "response_selector": response_selector or {}}
    return Tracker(sender, {"matter": None}, latest, events, False, None, {}, "action_listen")


async def run(action_object: Any, t: Tracker) -> tuple[list, CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = await action_object.run(dispatcher, t, {})
    return events, dispatcher


async def test_request_human_opens_a_handoff_and_pauses(service: HandoffService) -> None:
    events, dispatcher = await run(ActionRequestHuman(), tracker("web-req00000", [user("转人工")]))
    assert events == [{"event": "pause", "timestamp": None}]
    text = dispatcher.messages[0]["text"]
    assert text.startswith(TEXTS.get("handed_over").splitlines()[0]) and "分钟" in text
    view = service.open_for("webchat", "web-req00000")
    assert view.reason == Reason.REQUESTED and view.status == Status.WAITING and view.paused


async def test_request_human_after_hours_does_not_pause(service: HandoffService,
                                                  fake_clock: FakeClock) -> None:
    fake_clock.advance(hours=10)  # 20:00 China time
    events, dispatcher = await run(ActionRequestHuman(), tracker("12345", [user("/request_human",
                                                                           channel=None)]))
    assert events == []
    assert dispatcher.messages[0]["buttons"][0]["payload"] == "/file_petition"
    assert service.open_for("telegram", "12345") is not None  # channel guessed from the id


def test_channel_comes_from_the_gateway_metadata() -> None:
    assert citizen_channel(tracker("web-x0000000", [user("hi", channel="telegram")])) == "telegram"
    assert citizen_channel(tracker("web-x0000000", [user("hi", channel=None)])) == "webchat"
    assert citizen_channel(tracker("curl-user", [user("hi", channel=None)])) == "rest"


def fallback_history(misses: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [action("action_session_start"), action("action_listen"),
                                    user("你好", "greet"), action("utter_greet"),
                                    action("action_listen")]
    for _ in range(misses):
        events += [user("阿巴阿巴", "nlu_fallback"), action("action_fallback_suggest"),
                   action("action_listen")]
    return [*events, user("呜啦啦", "nlu_fallback")]


@pytest.mark.parametrize("misses, expected", [(0, 0), (1, 1), (2, 2), (3, 3)])
def test_fallback_streak_counts_misses_in_a_row(misses: int, expected: int) -> None:
    assert fallback_streak(tracker("web-fb000000", fallback_history(misses))) == expected


async def test_third_miss_hands_off(service: HandoffService) -> None:
    _, _first = await run(ActionFallbackSuggest(), tracker("web-fb000001", fallback_history(0)))
    _, second = await run(ActionFallbackSuggest(), tracker("web-fb000001", fallback_history(1)))
    assert service.open_for("webchat", "web-fb000001") is None
    assert "转接民警" in second.messages[0]["text"]
    events, third = await run(ActionFallbackSuggest(), tracker("web-fb000001", fallback_history(2)))
    assert events and events[0]["event"] == "pause"
    assert third.messages[0]["text"].startswith(TEXTS.get("fallback_handoff"))
    assert service.open_for("webchat", "web-fb000001").reason == Reason.FALLBACK


async def test_needs_officer_matter_is_answered_then_handed_off(service: HandoffService) -> None:
    t = tracker("web-conduct0", [user('/describe_matter{"matter":"officer_conduct"}',
                                      "describe_matter")],
                entities=[{"entity": "matter", "value": "officer_conduct"}])
    events, dispatcher = await run(ActionExplainMatter(), t)
    assert "执法" in dispatcher.messages[0]["text"]
    assert dispatcher.messages[1]["text"].startswith(TEXTS.get("needs_officer_handoff"))
    assert {"event": "pause", "timestamp": None} in events
    assert any(e.get("name") == "matter" and e.get("value") == "officer_conduct" for e in events)
    view = service.open_for("webchat", "web-conduct0")
    assert view.reason == Reason.NEEDS_OFFICER and view.matter == "officer_conduct"


async def test_ordinary_matter_is_not_handed_off(service: HandoffService) -> None:
    t = tracker("web-parking0", [user('/describe_matter{"matter":"parking_fee"}', "describe_matter")],
                entities=[{"entity": "matter", "value": "parking_fee"}])
    events, dispatcher = await run(ActionExplainMatter(), t)
    assert len(dispatcher.messages) == 1 and all(e["event"] != "pause" for e in events)
    assert service.open_for("webchat", "web-parking0") is None


async def test_resumed_asks_for_a_rating_with_five_buttons() -> None:
    _, dispatcher = await run(ActionHandoffResumed(), tracker("web-r0000000", [user("x")]))
    [message] = dispatcher.messages
    assert message["text"] == TEXTS.get("resumed")
    assert next(b["payload"] for b in message["buttons"]) == '/rate_service{"rating":"5"}'
    assert len(message["buttons"]) == 5


async def test_rating_is_stored_on_the_closed_handoff(service: HandoffService, officers: Officers) -> None:
    view = service.request("webchat", "web-rate0000", Reason.REQUESTED).handoff
    service.claim(view.id, officers.wang.id, "wang")
    service.close(view.id, officers.wang.id, "已解答", "wang")
    t = tracker("web-rate0000", [user('/rate_service{"rating":"5"}', "rate_service")],
                entities=[{"entity": "rating", "value": "5"}])
    _, dispatcher = await run(ActionStoreRating(), t)
    assert dispatcher.messages[0]["text"] == TEXTS.get("rating_thanks", rating=5)
    assert service.get(view.id).rating == 5
    _, dispatcher = await run(ActionStoreRating(), tracker("web-rate0000", [user("太差了", "rate_service")]))
    assert "很抱歉" in dispatcher.messages[0]["text"] and service.get(view.id).rating == 1
    assert service.messages(view.id) == [] or all(m.kind != Kind.CITIZEN for m in service.messages(view.id))


async def test_rating_without_handoff_and_unreadable_rating() -> None:
    _, dispatcher = await run(ActionStoreRating(), tracker("web-nohand00", [user("5分", "rate_service")]))
    assert dispatcher.messages[0]["text"] == TEXTS.get("rating_without_handoff")
    _, dispatcher = await run(ActionStoreRating(), tracker("web-nohand00", [user("嗯", "rate_service")]))
    assert dispatcher.messages[0]["text"] == TEXTS.get("rating_unknown")
    assert len(dispatcher.messages[0]["buttons"]) == 5
