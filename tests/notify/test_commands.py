"""退订通知 / 恢复通知 are answered by the gateway itself, on every channel, without Rasa."""
from __future__ import annotations

from typing import Any

from bot.cases.service import CaseService
from bot.conversation import ConversationRouter
from bot.conversation.delivery import DeliveryHub
from bot.notify.commands import subscription_commands
from bot.notify.outbox import OutboxStore
from bot.notify.texts import default_texts
from bot.notify.worker import NotifyWorker
from bot.replies import Reply
from tests.conftest_db import FakeClock
from tests.notify.helpers import TG_CHAT, FakeChannel, file_case


class RecordingRasa:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[Reply]:
        self.sent.append(text)
        return [Reply("好的")]


def router_for(store: OutboxStore) -> tuple:
    rasa = RecordingRasa()
    router = ConversationRouter(rasa)  # type: ignore[arg-type]
    for name, command in subscription_commands(store).items():
        router.add_command(name, command)
    return router, rasa


async def test_unsubscribe_stops_delivery_and_resubscribe_restores_it(
        case_service: CaseService, fake_clock: FakeClock) -> None:
    store = OutboxStore(case_service._factory, fake_clock)
    router, rasa = router_for(store)
    hub = DeliveryHub()
    telegram = FakeChannel(hub)
    worker = NotifyWorker(store, hub)
    number = file_case(case_service).case_number
    [reply] = await router.handle("telegram", TG_CHAT, "退订通知")
    assert reply.text == default_texts()["unsubscribed"] and store.opted_out(TG_CHAT)
    case_service.transition(number, "accepted", "王警官")
    await worker.run_once()
    assert telegram.sent == []
    [reply] = await router.handle("telegram", TG_CHAT, "“恢复通知”")
    assert reply.text == default_texts()["resubscribed"] and not store.opted_out(TG_CHAT)
    case_service.transition(number, "in_progress", "王警官")
    await worker.run_once()
    assert len(telegram.sent) == 1 and "「办理中」" in telegram.sent[0][1]
    assert rasa.sent == []  # commands never reach the classifier


async def test_a_sender_without_a_chat_is_told_politely(
        case_service: CaseService, fake_clock: FakeClock) -> None:
    store = OutboxStore(case_service._factory, fake_clock)
    router, _ = router_for(store)
    [reply] = await router.handle("rest", "curl-user", "退订通知")
    assert reply.text == default_texts()["no_address"]
    assert not store.opted_out("curl-user")


async def test_a_sentence_that_mentions_a_command_goes_to_rasa(
        case_service: CaseService, fake_clock: FakeClock) -> None:
    router, rasa = router_for(OutboxStore(case_service._factory, fake_clock))
    await router.handle("telegram", TG_CHAT, "退订通知以后还能查进度吗")
    assert rasa.sent == ["退订通知以后还能查进度吗"]
