"""Shared helpers of the notification tests."""
from __future__ import annotations

from bot.cases.service import CaseService, FiledCase
from bot.conversation.delivery import DeliveryHub
from bot.replies import Reply

TG_CHAT = "4242"
WEB_SENDER = "web-citizen0001"


def file_case(service: CaseService, sender_id: str | None = TG_CHAT, phone: str = "13812345678") -> FiledCase:
    return service.file_case(
        matter="traffic_order", petitioner_name="张三丰", petitioner_phone=phone,
        channel="online", description="事故认定书写错了车牌号", requested_outcome="更正认定书",
        reasons="认定书记载与事实不符", location="人民路", occurred_at="2026-02-20",
        sender_id=sender_id)


class FakeChannel:
    """A DeliveryHub channel that records what it accepted and can be switched off."""

    def __init__(self, hub: DeliveryHub, name: str = "telegram") -> None:
        self.up = True
        self.sent: list[tuple[str, str]] = []
        self.calls = 0
        hub.register(name, self.deliver)

    async def deliver(self, sender_id: str, replies: list[Reply]) -> bool:
        self.calls += 1
        if not self.up:
            return False
        self.sent.extend((sender_id, reply.text) for reply in replies)
        return True

    def per_recipient(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for sender, _ in self.sent:
            counts[sender] = counts.get(sender, 0) + 1
        return counts
