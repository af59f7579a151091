"""The outbox: rows written with the change that caused them, claimed with a lease.

``enqueue`` runs inside the caller's session (so the message exists if and only if the
status change committed).  ``OutboxStore`` is what the worker, the console and the CLI
use.  Claiming never hands one row to two workers: on PostgreSQL the candidates are
read ``FOR UPDATE SKIP LOCKED`` and leased in the same transaction; on SQLite (one
writer at a time) each row is leased by a conditional ``UPDATE … WHERE`` that only one
worker can win (``rowcount == 1``).  A lease that runs out (a worker died) makes the row
claimable again; ``mark_sent`` / ``mark_failed`` only apply for the lease holder.
"""
from __future__ import annotations

import builtins
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.common.clock import Clock, to_naive_utc, utc_now
from bot.notify.addressing import chat_channel_of
from bot.notify.models import OptOut, OutboxRow, State
from bot.store.db import session_scope

__all__ = ["STATE_LABELS", "Claimed", "Delivery", "OutboxStore", "enqueue", "is_opted_out"]

log = logging.getLogger(__name__)

_MAX_ERROR = 300
STATE_LABELS = {State.PENDING: "待发送", State.SENT: "已送达", State.FAILED: "发送失败（可重试）",
                State.SUPPRESSED: "信访人已退订，未发送", State.CANCELLED: "案件已有新进展，未发送"}


@dataclass(frozen=True)
class Claimed:
    """A row leased to one worker."""

    id: int
    channel: str
    recipient: str
    text: str
    attempts: int
    kind: str = "status"


@dataclass(frozen=True)
class Delivery:
    """One outbox row as the console and the CLI show it."""

    id: int
    case_number: str
    kind: str
    status: str
    channel: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    text: str


def _delivery(row: OutboxRow) -> Delivery:
    return Delivery(row.id, row.case_number, row.kind, row.status, row.channel, row.state,
                    row.attempts, row.next_attempt_at, row.last_error, row.created_at,
                    row.sent_at, row.text)


def is_opted_out(session: Session, recipient: str) -> bool:
    return session.get(OptOut, recipient) is not None


def enqueue(session: Session, *, case_id: int, case_number: str, sender_id: str | None,
            kind: str, status: str, text: str, now: datetime) -> OutboxRow | None:
    """Add a message for the citizen behind ``sender_id`` (in the caller's transaction).

    ``None`` when the sender has no chat channel we can push to; a citizen who said
    退订通知 gets a ``suppressed`` row (visible to officers, never sent).
    """
    channel = chat_channel_of(sender_id)
    if channel is None or sender_id is None:
        return None
    recipient = sender_id.strip()
    state = State.SUPPRESSED if is_opted_out(session, recipient) else State.PENDING
    row = OutboxRow(case_id=case_id, case_number=case_number, kind=kind, status=status,
                    channel=channel, recipient=recipient, text=text, state=state, attempts=0,
                    next_attempt_at=now, created_at=now)
    session.add(row)
    return row


class OutboxStore:
    """Reading and updating the outbox outside the status change."""

    def __init__(self, session_factory: sessionmaker, clock: Clock = utc_now) -> None:
        self._factory = session_factory
        self._clock = clock

    def now(self) -> datetime:
        return to_naive_utc(self._clock())

    # ------------------------------------------------------------------ worker
    @staticmethod
    def _claimable(now: datetime):  # type: ignore[no-untyped-def]
        return (OutboxRow.state == State.PENDING, OutboxRow.next_attempt_at <= now,
                or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until < now))

    def claim(self, owner: str, *, lease: timedelta, limit: int = 20,
              channels: Iterable[str] | None = None) -> builtins.list[Claimed]:
        """Lease up to ``limit`` due rows to ``owner`` (attempts counted)."""
        now = self.now()
        # Oldest due first; a released row (web chat citizen away) goes to the back of the
        # queue, so rows waiting for a visit never starve the others.
        query = (select(OutboxRow.id).where(*self._claimable(now))
                 .order_by(OutboxRow.next_attempt_at, OutboxRow.id).limit(limit))
        if channels is not None:
            query = query.where(OutboxRow.channel.in_(list(channels)))
        claimed: list[Claimed] = []
        with session_scope(self._factory) as session:
            postgres = session.get_bind().dialect.name == "postgresql"
            if postgres:
                query = query.with_for_update(skip_locked=True)
            for row_id in session.execute(query).scalars().all():
                result = session.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id == row_id, *self._claimable(now))
                    .values(lease_owner=owner, lease_until=now + lease,
                            attempts=OutboxRow.attempts + 1)
                    .execution_options(synchronize_session=False))
                if result.rowcount != 1:
                    continue  # another worker won this row
                row = session.get(OutboxRow, row_id, populate_existing=True)
                if is_opted_out(session, row.recipient):
                    row.state, row.lease_owner, row.lease_until = State.SUPPRESSED, None, None
                    continue
                claimed.append(Claimed(row.id, row.channel, row.recipient, row.text, row.attempts,
                                       row.kind))
        return claimed

    def _finish(self, row_id: int, owner: str, **values: object) -> bool:
        with session_scope(self._factory) as session:
            result = session.execute(
                update(OutboxRow).where(OutboxRow.id == row_id, OutboxRow.lease_owner == owner)
                .values(lease_owner=None, lease_until=None, **values)
                .execution_options(synchronize_session=False))
            return result.rowcount == 1

    def mark_sent(self, row_id: int, owner: str) -> bool:
        return self._finish(row_id, owner, state=State.SENT, sent_at=self.now(), last_error=None)

    def mark_failed(self, row_id: int, owner: str, error: str, *, delay: float,
                    give_up: bool) -> bool:
        """Retry after ``delay`` seconds, or mark ``failed`` when ``give_up``."""
        state = State.FAILED if give_up else State.PENDING
        return self._finish(row_id, owner, state=state, last_error=error[:_MAX_ERROR],
                            next_attempt_at=self.now() + timedelta(seconds=delay))

    def release(self, row_id: int, owner: str) -> bool:
        """Give a row back without counting the attempt (web chat citizen not on the page)."""
        return self._finish(row_id, owner, attempts=OutboxRow.attempts - 1,
                            next_attempt_at=self.now())

    # ------------------------------------------------------ console and CLI
    def for_case(self, case_number: str) -> builtins.list[Delivery]:
        query = select(OutboxRow).where(OutboxRow.case_number == case_number).order_by(OutboxRow.id)
        with session_scope(self._factory) as session:
            return [_delivery(row) for row in session.execute(query).scalars()]

    def list(self, state: str | None = None, limit: int = 100) -> builtins.list[Delivery]:
        query = select(OutboxRow).order_by(OutboxRow.id.desc()).limit(max(1, limit))
        if state:
            query = query.where(OutboxRow.state == state)
        with session_scope(self._factory) as session:
            return [_delivery(row) for row in session.execute(query).scalars()]

    def retry(self, ids: Iterable[int] | None = None) -> int:
        """Make failed rows (all, or the given ids) pending again, due now; returns the count."""
        query = update(OutboxRow).where(OutboxRow.state == State.FAILED)
        if ids is not None:
            query = query.where(OutboxRow.id.in_(list(ids)))
        with session_scope(self._factory) as session:
            result = session.execute(query.values(state=State.PENDING, next_attempt_at=self.now(),
                                                  lease_owner=None, lease_until=None)
                                     .execution_options(synchronize_session=False))
            return int(result.rowcount or 0)

    # --------------------------------------------------------------- opt-out
    def opt_out(self, recipient: str) -> None:
        """退订通知: no more notifications; pending ones are suppressed."""
        now = self.now()
        with session_scope(self._factory) as session:
            if session.get(OptOut, recipient) is None:
                session.add(OptOut(recipient=recipient, at=now))
            session.execute(update(OutboxRow).where(OutboxRow.recipient == recipient,
                                                    OutboxRow.state == State.PENDING)
                            .values(state=State.SUPPRESSED)
                            .execution_options(synchronize_session=False))

    def opt_in(self, recipient: str) -> None:
        """恢复通知: future status changes are notified again."""
        with session_scope(self._factory) as session:
            session.execute(delete(OptOut).where(OptOut.recipient == recipient))

    def set_subscribed(self, recipient: str, subscribed: bool) -> bool:
        """退订通知 / 恢复通知 for a chat sender.

        ``False`` when ``recipient`` is not a chat we can push to (nothing stored).
        """
        if chat_channel_of(recipient) is None:
            return False
        (self.opt_in if subscribed else self.opt_out)(recipient.strip())
        return True

    def opted_out(self, recipient: str) -> bool:
        with session_scope(self._factory) as session:
            return is_opted_out(session, recipient)
