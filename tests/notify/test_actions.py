"""退订通知 / 恢复通知 through the actions (trackers built in the test)."""
from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.notify as notify_actions
from actions.notify import ActionResubscribeNotifications, ActionUnsubscribeNotifications
from bot.cases.service import CaseService
from bot.conversation.delivery import DeliveryHub
from bot.notify.outbox import OutboxStore
from bot.notify.texts import default_texts
from bot.notify.worker import NotifyWorker
from tests.conftest_db import FakeClock
from tests.notify.helpers import TG_CHAT, FakeChannel, file_case


def tracker(sender: str, text: str, intent: str) -> Tracker:
    event = {"event": "user", "text": text, "metadata": {"channel": "telegram"},
             "parse_data": {"intent": {"name": intent, "confidence": 0.95}, "entities": []}}
    return Tracker(sender, {}, {**event["parse_data"], "text": text}, [event], False, None, {},
                   "action_listen")


async def run(action: Any, sender: str) -> List[Dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, tracker(sender, "退订通知", "unsubscribe_notifications"), {})
    return dispatcher.messages


@pytest.fixture
def store(case_service: CaseService, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> OutboxStore:
    store = OutboxStore(case_service._factory, fake_clock)
    monkeypatch.setattr(notify_actions, "outbox_store", lambda: store)
    return store


async def test_unsubscribe_stops_delivery_and_resubscribe_restores_it(
        case_service: CaseService, store: OutboxStore) -> None:
    hub = DeliveryHub()
    telegram = FakeChannel(hub)
    worker = NotifyWorker(store, hub)
    number = file_case(case_service).case_number
    [reply] = await run(ActionUnsubscribeNotifications(), TG_CHAT)
    assert reply["text"] == default_texts()["unsubscribed"] and store.opted_out(TG_CHAT)
    case_service.transition(number, "accepted", "王警官")
    await worker.run_once()
    assert telegram.sent == []
    [reply] = await run(ActionResubscribeNotifications(), TG_CHAT)
    assert reply["text"] == default_texts()["resubscribed"] and not store.opted_out(TG_CHAT)
    case_service.transition(number, "in_progress", "王警官")
    await worker.run_once()
    assert len(telegram.sent) == 1 and "「办理中」" in telegram.sent[0][1]


async def test_a_sender_without_a_chat_is_told_politely(store: OutboxStore) -> None:
    [reply] = await run(ActionUnsubscribeNotifications(), "curl-user")
    assert reply["text"] == default_texts()["no_address"]
    assert not store.opted_out("curl-user")
