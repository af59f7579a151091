"""Read-only snapshots of handoffs and their messages (no ORM session needed)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.handoff.models import Handoff, HandoffMessage, Kind, Priority, Reason, Status
from bot.replies import Button, Reply

__all__ = [
    "CHANNEL_LABELS",
    "KIND_LABELS",
    "PRIORITY_LABELS",
    "REASON_LABELS",
    "STATUS_LABELS",
    "HandoffView",
    "MessageView",
    "handoff_view",
    "message_view",
]

CHANNEL_LABELS = {"webchat": "网页", "telegram": "Telegram", "wechat": "微信"}
STATUS_LABELS = {Status.WAITING: "等待接入", Status.ASSIGNED: "处理中", Status.CLOSED: "已结束"}
REASON_LABELS = {
    Reason.REQUESTED: "群众要求转人工",
    Reason.FALLBACK: "多次未能理解",
    Reason.NEEDS_OFFICER: "需民警处理的事项",
    Reason.EARLY_WARNING: "苗头性预警",
}
PRIORITY_LABELS = {Priority.URGENT: "紧急", Priority.NORMAL: "普通"}
KIND_LABELS = {Kind.CITIZEN: "群众", Kind.OFFICER: "民警", Kind.BOT: "智能助手",
               Kind.SYSTEM: "系统", Kind.NOTE: "内部备注"}


@dataclass(frozen=True)
class HandoffView:
    """A handoff as plain data (naive UTC datetimes)."""

    id: int
    channel: str
    sender_id: str
    status: str
    reason: str
    priority: str
    paused: bool
    matter: str | None
    warning_tags: tuple[str, ...]
    officer_id: int | None
    officer_name: str | None
    created_at: datetime
    claimed_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime
    resolution_note: str | None
    rating: int | None
    resumed_at: datetime | None
    notified_at: datetime | None
    telegram_message_id: int | None
    citizen_acked: bool

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    @property
    def urgent(self) -> bool:
        return self.priority == Priority.URGENT

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def reason_label(self) -> str:
        return REASON_LABELS.get(self.reason, self.reason)

    @property
    def priority_label(self) -> str:
        return PRIORITY_LABELS.get(self.priority, self.priority)

    def waited_seconds(self, now: datetime) -> int:
        """Seconds from the request until claimed (or until ``now`` while waiting)."""
        end = self.claimed_at or ((self.closed_at or now) if self.status == Status.CLOSED else now)
        return max(0, int((end - self.created_at).total_seconds()))


@dataclass(frozen=True)
class MessageView:
    """One handoff message."""

    id: int
    handoff_id: int
    kind: str
    text: str
    buttons: tuple[Button, ...]
    author_id: int | None
    author_name: str | None
    created_at: datetime
    delivered: bool

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def reply(self) -> Reply:
        return Reply(self.text, list(self.buttons))


def _tags(value: str | None) -> tuple[str, ...]:
    return tuple(tag for tag in (value or "").split(",") if tag)


def handoff_view(row: Handoff, officer_name: str | None = None) -> HandoffView:
    return HandoffView(
        id=row.id, channel=row.channel, sender_id=row.sender_id, status=row.status,
        reason=row.reason, priority=row.priority, paused=bool(row.paused), matter=row.matter,
        warning_tags=_tags(row.warning_tags), officer_id=row.officer_id, officer_name=officer_name,
        created_at=row.created_at, claimed_at=row.claimed_at, closed_at=row.closed_at,
        updated_at=row.updated_at, resolution_note=row.resolution_note, rating=row.rating,
        resumed_at=row.resumed_at, notified_at=row.notified_at,
        telegram_message_id=row.telegram_message_id, citizen_acked=bool(row.citizen_acked),
    )


def buttons_from_json(value: str | None) -> tuple[Button, ...]:
    items: list[dict] = json.loads(value) if value else []
    return tuple(Button(str(b["title"]), str(b["payload"])) for b in items)


def buttons_to_json(buttons: tuple[Button, ...] | list[Button]) -> str | None:
    if not buttons:
        return None
    return json.dumps([b.to_rasa() for b in buttons], ensure_ascii=False)


def message_view(row: HandoffMessage, author_name: str | None = None) -> MessageView:
    return MessageView(
        id=row.id, handoff_id=row.handoff_id, kind=row.kind, text=row.text,
        buttons=buttons_from_json(row.buttons), author_id=row.author_id, author_name=author_name,
        created_at=row.created_at, delivered=bool(row.delivered),
    )
