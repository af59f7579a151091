"""The handoff state machine, messages, ratings and flags on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.admin.flags import RetrainingFlags
from bot.audit.models import AuditEntry
from bot.handoff.models import Kind, Priority, Reason, Status
from bot.handoff.service import HandoffService
from bot.replies import Button, Reply
from bot.store.db import session_scope
from tests.conftest_db import FakeClock
from tests.handoff.fixtures import Officers


def actions(factory: sessionmaker) -> list[tuple[str, str]]:
    with session_scope(factory) as session:
        return [(e.actor, e.action) for e in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]


def test_request_opens_one_waiting_handoff_and_reuses_it(service: HandoffService) -> None:
    first = service.request("webchat", "web-aaaaaaaa", Reason.REQUESTED)
    again = service.request("webchat", "web-aaaaaaaa", Reason.FALLBACK)
    assert first.created and not again.created
    assert again.handoff.id == first.handoff.id
    assert first.handoff.status == Status.WAITING and first.handoff.paused
    assert again.handoff.reason == Reason.REQUESTED  # the first reason stays
    other = service.request("telegram", "42", Reason.REQUESTED)
    assert other.created and other.handoff.id != first.handoff.id


def test_escalation_makes_urgent_adds_tags_and_re_alerts(service: HandoffService) -> None:
    opened = service.request("webchat", "web-bbbbbbbb", Reason.REQUESTED)
    service.mark_notified(opened.handoff.id)
    assert service.pending_notifications() == []
    escalated = service.request("webchat", "web-bbbbbbbb", Reason.EARLY_WARNING,
                                priority=Priority.URGENT, paused=False, warning_tags=["self_harm"])
    assert escalated.escalated and escalated.handoff.urgent
    assert escalated.handoff.paused  # never un-paused by a later request
    assert escalated.handoff.warning_tags == ("self_harm",)
    assert [v.id for v in service.pending_notifications()] == [opened.handoff.id]
    same = service.request("webchat", "web-bbbbbbbb", Reason.EARLY_WARNING,
                           priority=Priority.URGENT, paused=False, warning_tags=["self_harm"])
    assert not same.escalated


def test_waiting_queue_urgent_first_then_longest_waiting(service: HandoffService,
                                                        fake_clock: FakeClock) -> None:
    old = service.request("webchat", "web-old00000", Reason.REQUESTED).handoff
    fake_clock.advance(minutes=5)
    newer = service.request("webchat", "web-new00000", Reason.FALLBACK).handoff
    fake_clock.advance(minutes=5)
    urgent = service.request("telegram", "77", Reason.EARLY_WARNING, priority=Priority.URGENT,
                             paused=False).handoff
    assert [v.id for v in service.waiting()] == [urgent.id, old.id, newer.id]
    assert service.queue_position(newer.id) == 2
    assert service.queue_position(urgent.id) == 0
    assert service.waiting()[1].waited_seconds(service.now()) == 600


def test_claim_release_transfer_close(service: HandoffService, officers: Officers,
                                      factory: sessionmaker) -> None:
    view = service.request("webchat", "web-cccccccc", Reason.REQUESTED).handoff
    claimed = service.claim(view.id, officers.wang.id, "wang")
    assert claimed is not None and claimed.status == Status.ASSIGNED
    assert claimed.officer_name == "王警官"
    assert service.claim(view.id, officers.li.id, "li") is None  # already taken
    assert service.release(view.id, officers.li.id, "li") is None  # not li's
    assert service.transfer(view.id, officers.wang.id, officers.li.id, "wang").officer_id == officers.li.id
    assert service.close(view.id, officers.wang.id, "x", "wang") is None  # no longer wang's
    released = service.release(view.id, officers.li.id, "li")
    assert released.status == Status.WAITING and released.officer_id is None
    assert service.pending_notifications()[0].id == view.id  # alerted again
    service.claim(view.id, officers.li.id, "li")
    closed = service.close(view.id, officers.li.id, "已解答，群众满意", "li")
    assert closed.status == Status.CLOSED and closed.resolution_note == "已解答，群众满意"
    assert closed.resumed_at is None  # paused: the gateway still has to resume Rasa
    assert service.close(view.id, officers.li.id, "again", "li") is None
    assert service.claim(view.id, officers.wang.id, "wang") is None
    assert [a for _, a in actions(factory) if a in {"claim", "transfer", "release", "close"}] == [
        "claim", "transfer", "release", "claim", "close"]


def test_admin_may_act_on_any_handoff_and_unpaused_close_needs_no_resume(
        service: HandoffService, officers: Officers) -> None:
    view = service.request("webchat", "web-dddddddd", Reason.EARLY_WARNING, paused=False).handoff
    service.claim(view.id, officers.wang.id, "wang")
    assert service.release(view.id, officers.admin.id, "chief", admin=True) is not None
    closed = service.close(view.id, officers.li.id, "误报", "li")  # waiting: any officer may close
    assert closed is not None and closed.resumed_at is not None
    assert service.active_for("webchat", "web-dddddddd") is None


def test_active_for_includes_closed_until_resumed(service: HandoffService, officers: Officers) -> None:
    view = service.request("webchat", "web-eeeeeeee", Reason.REQUESTED).handoff
    service.claim(view.id, officers.wang.id, "wang")
    service.close(view.id, officers.wang.id, "ok", "wang")
    assert service.active_for("webchat", "web-eeeeeeee").status == Status.CLOSED
    assert [v.id for v in service.pending_resumes()] == [view.id]
    assert service.complete_resume(view.id, [Reply("回来了", [Button("5分", "/rate_service")])])
    assert not service.complete_resume(view.id, [Reply("again")])  # exactly once
    assert service.active_for("webchat", "web-eeeeeeee") is None
    [message] = service.messages(view.id)
    assert message.kind == Kind.BOT and message.buttons[0].title == "5分" and not message.delivered


def test_messages_delivered_flag_flips_once(service: HandoffService, officers: Officers) -> None:
    view = service.request("webchat", "web-ffffffff", Reason.REQUESTED).handoff
    citizen = service.add_message(view.id, Kind.CITIZEN, "我的车被拖走了")
    note = service.add_message(view.id, Kind.NOTE, "已电话联系", author_id=officers.wang.id)
    first = service.add_message(view.id, Kind.OFFICER, "您好", author_id=officers.wang.id)
    second = service.add_message(view.id, Kind.SYSTEM, "民警已接入")
    assert citizen.delivered and note.delivered
    pending = service.undelivered()
    assert [m.id for _, m in pending] == [first.id, second.id]
    assert pending[0][1].author_name == "王警官"
    assert service.mark_delivered(first.id)
    assert not service.mark_delivered(first.id)
    assert [m.id for _, m in service.undelivered()] == [second.id]


def test_rating_goes_to_latest_closed_handoff_within_a_week(service: HandoffService,
                                                           officers: Officers,
                                                           fake_clock: FakeClock) -> None:
    assert service.store_rating("web-gggggggg", 5) is None
    view = service.request("webchat", "web-gggggggg", Reason.REQUESTED).handoff
    service.claim(view.id, officers.wang.id, "wang")
    service.close(view.id, officers.wang.id, "ok", "wang")
    assert service.store_rating("web-gggggggg", 4).rating == 4
    fake_clock.advance(days=8)
    assert service.store_rating("web-gggggggg", 1) is None
    assert service.get(view.id).rating == 4


def test_ack_is_sent_once(service: HandoffService) -> None:
    view = service.request("webchat", "web-hhhhhhhh", Reason.REQUESTED).handoff
    assert service.mark_acked(view.id)
    assert not service.mark_acked(view.id)


def test_flag_for_retraining_once_per_message(service: HandoffService, officers: Officers,
                                               factory: sessionmaker) -> None:
    view = service.request("webchat", "web-iiiiiiii", Reason.REQUESTED).handoff
    kwargs = dict(sender_id="web-iiiiiiii", channel="webchat", handoff_id=view.id,
                  message_key="rasa:1.000000", text="车被贴条了咋整", intent="out_of_scope",
                  confidence=0.31, officer_id=officers.wang.id, username="wang")
    flags = RetrainingFlags(factory)
    assert flags.flag_for_retraining(**kwargs)
    assert not flags.flag_for_retraining(**kwargs)
    [flag] = flags.flags()
    assert (flag.text, flag.flagged_by, flag.intent, flag.status) == ("车被贴条了咋整", "wang",
                                                                     "out_of_scope", "new")
    assert ("wang", "flag_retraining") in actions(factory)
