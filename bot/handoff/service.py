"""``HandoffService``: the one entry point for handoff records (sync SQLAlchemy).

State machine: ``waiting → assigned → closed``; ``release`` puts an assigned
handoff back to waiting; ``transfer`` changes the officer.  Every transition is
one conditional ``UPDATE … WHERE status = …`` so two officers can never claim
the same handoff (on SQLite and PostgreSQL).  Officer actions write an audit
entry in the same transaction.  The gateway calls this through threads; the
action server calls it directly.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.accounts.models import Officer
from bot.audit.log import add_audit
from bot.common.clock import Clock, to_naive_utc, utc_now
from bot.handoff.models import Handoff, HandoffMessage, Kind, Priority, Reason, Status
from bot.handoff.views import (
    HandoffView,
    MessageView,
    buttons_to_json,
    handoff_view,
    message_view,
)
from bot.privacy import mask_text
from bot.replies import Button, Reply
from bot.store.db import session_scope

__all__ = ["RATING_WINDOW", "RETRY_WINDOW", "HandoffService", "Opened"]

log = logging.getLogger(__name__)

RETRY_WINDOW = timedelta(days=7)
RATING_WINDOW = timedelta(days=7)
MAX_TEXT = 4000
_NO_SYNC = {"synchronize_session": False}
_URGENT_FIRST = case((Handoff.priority == Priority.URGENT, 0), else_=1)
# Still routes the conversation: open, or closed but the Rasa conversation not resumed yet.
_UNFINISHED = or_(Handoff.status != Status.CLOSED, Handoff.resumed_at.is_(None))


@dataclass(frozen=True)
class Opened:
    """Result of ``request``: the open handoff, whether it is new, whether it was escalated."""

    handoff: HandoffView
    created: bool
    escalated: bool


def _merge_tags(old: str, new: Iterable[str]) -> tuple[str, bool]:
    tags = [t for t in (old or "").split(",") if t]
    added = [t for t in new if t and t not in tags]
    return ",".join(tags + added)[:255], bool(added)


class HandoffService:
    """Handoffs, their messages and ratings."""

    def __init__(self, factory: sessionmaker, clock: Clock = utc_now) -> None:
        self._factory = factory
        self._clock = clock

    def now(self) -> datetime:
        return to_naive_utc(self._clock())

    # ---------------------------------------------------------------- helpers
    def _session(self) -> AbstractContextManager[Session]:
        return session_scope(self._factory)

    @staticmethod
    def _names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        rows = session.execute(select(Officer.id, Officer.display_name).where(Officer.id.in_(wanted)))
        return {row.id: row.display_name for row in rows}

    def _views(self, session: Session, rows: Sequence[Handoff]) -> list[HandoffView]:
        names = self._names(session, (r.officer_id for r in rows))
        return [handoff_view(r, names.get(r.officer_id)) for r in rows]

    def _view(self, session: Session, row: Handoff) -> HandoffView:
        return self._views(session, [row])[0]

    @staticmethod
    def _open_row(session: Session, channel: str, sender_id: str) -> Handoff | None:
        query = select(Handoff).where(Handoff.channel == channel, Handoff.sender_id == sender_id,
                                      Handoff.status != Status.CLOSED)
        return session.execute(query).scalars().first()

    # ----------------------------------------------------------- opening
    def request(
        self,
        channel: str,
        sender_id: str,
        reason: str,
        *,
        priority: str = Priority.NORMAL,
        paused: bool = True,
        matter: str | None = None,
        warning_tags: Sequence[str] = (),
    ) -> Opened:
        """Open a handoff for the sender, or update the open one (pause, escalate, add tags).

        Escalation (urgent or new warning tags) clears ``notified_at`` so officers are
        alerted again.
        """
        if reason not in Reason.ALL or priority not in Priority.ALL:
            raise ValueError(f"bad reason/priority: {reason}/{priority}")
        for _ in range(3):
            try:
                return self._request_once(channel, sender_id, reason, priority, paused, matter,
                                          warning_tags)
            except IntegrityError:  # someone opened one concurrently: update that one
                continue
        raise RuntimeError("could not open a handoff")

    def _request_once(self, channel: str, sender_id: str, reason: str, priority: str, paused: bool,
                      matter: str | None, warning_tags: Sequence[str]) -> Opened:
        with self._session() as session:
            now = self.now()
            row = self._open_row(session, channel, sender_id)
            if row is None:
                tags, _ = _merge_tags("", warning_tags)
                row = Handoff(channel=channel, sender_id=sender_id, status=Status.WAITING,
                              reason=reason, priority=priority, paused=paused, matter=matter,
                              warning_tags=tags, created_at=now, updated_at=now,
                              citizen_acked=False)
                session.add(row)
                session.flush()
                add_audit(session, now, "system", "handoff_opened", "handoff", row.id,
                          {"reason": reason, "priority": priority, "channel": channel})
                log.info("handoff %s opened reason=%s priority=%s channel=%s", row.id, reason,
                         priority, channel)
                return Opened(self._view(session, row), True, False)
            escalated = False
            if paused and not row.paused:
                row.paused = True
            if priority == Priority.URGENT and row.priority != Priority.URGENT:
                row.priority, escalated = Priority.URGENT, True
            row.warning_tags, added = _merge_tags(row.warning_tags, warning_tags)
            escalated = escalated or added
            if escalated:
                row.notified_at = None
                add_audit(session, now, "system", "handoff_escalated", "handoff", row.id,
                          {"tags": list(warning_tags)})
            row.matter = row.matter or matter
            row.updated_at = now
            session.flush()
            return Opened(self._view(session, row), False, escalated)

    # ----------------------------------------------------------- reading
    def get(self, handoff_id: int) -> HandoffView | None:
        with self._session() as session:
            row = session.get(Handoff, handoff_id)
            return self._view(session, row) if row else None

    def open_for(self, channel: str, sender_id: str) -> HandoffView | None:
        with self._session() as session:
            row = self._open_row(session, channel, sender_id)
            return self._view(session, row) if row else None

    def active_for(self, channel: str, sender_id: str) -> HandoffView | None:
        """The open handoff, or a closed one whose conversation is not resumed yet."""
        query = (select(Handoff)
                 .where(Handoff.channel == channel, Handoff.sender_id == sender_id, _UNFINISHED)
                 .order_by(Handoff.id.desc()).limit(1))
        with self._session() as session:
            row = session.execute(query).scalars().first()
            return self._view(session, row) if row else None

    def active_keys(self) -> list[tuple[str, str]]:
        """(channel, sender) of every conversation ``active_for`` would find a handoff for."""
        query = select(Handoff.channel, Handoff.sender_id).distinct().where(_UNFINISHED)
        with self._session() as session:
            return [(channel, sender) for channel, sender in session.execute(query)]

    def for_telegram_message(self, message_id: int) -> HandoffView | None:
        query = select(Handoff).where(Handoff.telegram_message_id == message_id).order_by(
            Handoff.id.desc()).limit(1)
        with self._session() as session:
            row = session.execute(query).scalars().first()
            return self._view(session, row) if row else None

    def waiting(self) -> list[HandoffView]:
        """Waiting handoffs: urgent first, then the longest waiting."""
        query = (select(Handoff).where(Handoff.status == Status.WAITING)
                 .order_by(_URGENT_FIRST, Handoff.created_at, Handoff.id))
        with self._session() as session:
            return self._views(session, session.execute(query).scalars().all())

    def assigned(self, officer_id: int | None = None) -> list[HandoffView]:
        """Assigned handoffs (of one officer, or all), urgent first."""
        query = (select(Handoff).where(Handoff.status == Status.ASSIGNED)
                 .order_by(_URGENT_FIRST, Handoff.claimed_at, Handoff.id))
        if officer_id is not None:
            query = query.where(Handoff.officer_id == officer_id)
        with self._session() as session:
            return self._views(session, session.execute(query).scalars().all())

    def closed(self, limit: int = 50, offset: int = 0) -> list[HandoffView]:
        query = (select(Handoff).where(Handoff.status == Status.CLOSED)
                 .order_by(Handoff.closed_at.desc(), Handoff.id.desc())
                 .limit(max(1, min(limit, 500))).offset(max(0, offset)))
        with self._session() as session:
            return self._views(session, session.execute(query).scalars().all())

    def history(self, sender_id: str, limit: int = 20) -> list[HandoffView]:
        """Earlier handoffs of the same citizen, newest first."""
        query = (select(Handoff).where(Handoff.sender_id == sender_id)
                 .order_by(Handoff.id.desc()).limit(limit))
        with self._session() as session:
            return self._views(session, session.execute(query).scalars().all())

    def queue_position(self, handoff_id: int) -> int:
        """How many waiting handoffs are ahead of this one (0 = next)."""
        ids = [view.id for view in self.waiting()]
        return ids.index(handoff_id) if handoff_id in ids else 0

    def counts(self) -> dict[str, int]:
        query = select(Handoff.status, func.count()).where(Handoff.status != Status.CLOSED).group_by(
            Handoff.status)
        with self._session() as session:
            found = {status: int(n) for status, n in session.execute(query)}
        return {Status.WAITING: found.get(Status.WAITING, 0),
                Status.ASSIGNED: found.get(Status.ASSIGNED, 0)}

    # ------------------------------------------------------- transitions
    def _transition(self, handoff_id: int, where: list[object], values: dict[str, object],
                    actor: str, action: str, detail: dict[str, object] | None = None,
                    ip: str | None = None) -> HandoffView | None:
        """One conditional UPDATE (+ audit entry); None when the condition did not hold."""
        with self._session() as session:
            now = self.now()
            statement = (update(Handoff).where(Handoff.id == handoff_id, *where)
                         .values(updated_at=now, **values).execution_options(**_NO_SYNC))
            if session.execute(statement).rowcount != 1:
                return None
            if action == "close":
                session.execute(update(Handoff).where(Handoff.id == handoff_id,
                                                      Handoff.paused.is_(False))
                                .values(resumed_at=now).execution_options(**_NO_SYNC))
            add_audit(session, now, actor, action, "handoff", handoff_id, detail, ip)
            session.flush()
            row = session.get(Handoff, handoff_id, populate_existing=True)
            return self._view(session, row)

    def _own(self, officer_id: int, admin: bool) -> list[object]:
        return [] if admin else [Handoff.officer_id == officer_id]

    def claim(self, handoff_id: int, officer_id: int, actor: str,
              ip: str | None = None) -> HandoffView | None:
        """Atomically take a waiting handoff; None if someone else was faster (or it is not waiting)."""
        now = self.now()
        return self._transition(handoff_id, [Handoff.status == Status.WAITING],
                                {"status": Status.ASSIGNED, "officer_id": officer_id,
                                 "claimed_at": now}, actor, "claim", None, ip)

    def release(self, handoff_id: int, officer_id: int, actor: str, *, admin: bool = False,
                ip: str | None = None) -> HandoffView | None:
        """Put an assigned handoff back into the waiting queue (officers are alerted again)."""
        return self._transition(handoff_id, [Handoff.status == Status.ASSIGNED,
                                             *self._own(officer_id, admin)],
                                {"status": Status.WAITING, "officer_id": None,
                                 "notified_at": None}, actor, "release", None, ip)

    def transfer(self, handoff_id: int, officer_id: int, to_officer_id: int, actor: str, *,
                 admin: bool = False, ip: str | None = None) -> HandoffView | None:
        """Hand an assigned handoff to another active officer."""
        with self._session() as session:
            target = session.get(Officer, to_officer_id)
            if target is None or not target.active:
                return None
        return self._transition(handoff_id, [Handoff.status == Status.ASSIGNED,
                                             Handoff.officer_id != to_officer_id,
                                             *self._own(officer_id, admin)],
                                {"officer_id": to_officer_id}, actor, "transfer",
                                {"to": to_officer_id}, ip)

    def close(self, handoff_id: int, officer_id: int, note: str, actor: str, *,
              admin: bool = False, ip: str | None = None) -> HandoffView | None:
        """Close with a resolution note: the officer's own handoff, a waiting one, or any (admin)."""
        where: list[object] = [Handoff.status != Status.CLOSED]
        if not admin:
            where.append(or_(Handoff.officer_id == officer_id, Handoff.status == Status.WAITING))
        return self._transition(handoff_id, where,
                                {"status": Status.CLOSED, "closed_at": self.now(),
                                 "resolution_note": note.strip()[:MAX_TEXT]},
                                actor, "close", {"note": mask_text(note.strip())[:200]}, ip)

    def _flag_once(self, handoff_id: int, column: str, value: object = True,
                   extra: dict[str, object] | None = None) -> bool:
        """Set a column once (UPDATE … WHERE column is unset); True for the caller that set it."""
        col = getattr(Handoff, column)
        unset = col.is_(False) if value is True else col.is_(None)
        with self._session() as session:
            statement = (update(Handoff).where(Handoff.id == handoff_id, unset)
                         .values({column: value, **(extra or {})}).execution_options(**_NO_SYNC))
            return bool(session.execute(statement).rowcount == 1)

    def set_paused(self, handoff_id: int) -> bool:
        return self._flag_once(handoff_id, "paused")

    def mark_acked(self, handoff_id: int) -> bool:
        """True exactly once per handoff: the caller sends the 'waiting' acknowledgement."""
        return self._flag_once(handoff_id, "citizen_acked")

    def complete_resume(self, handoff_id: int, replies: Sequence[Reply]) -> bool:
        """Mark the conversation resumed and queue the bot's replies, in one transaction.

        False (and nothing stored) when another caller already completed it.
        """
        with self._session() as session:
            now = self.now()
            statement = (update(Handoff).where(Handoff.id == handoff_id, Handoff.resumed_at.is_(None))
                         .values(resumed_at=now).execution_options(**_NO_SYNC))
            if session.execute(statement).rowcount != 1:
                return False
            for reply in replies:
                session.add(HandoffMessage(handoff_id=handoff_id, kind=Kind.BOT, text=reply.text[:MAX_TEXT],
                                           buttons=buttons_to_json(reply.buttons), created_at=now,
                                           delivered=False, attempts=0))
            return True

    def mark_notified(self, handoff_id: int, telegram_message_id: int | None = None) -> bool:
        extra: dict[str, object] | None = (
            {"telegram_message_id": telegram_message_id} if telegram_message_id else None)
        return self._flag_once(handoff_id, "notified_at", self.now(), extra)

    def pending_notifications(self) -> list[HandoffView]:
        """Open handoffs officers have not been alerted about (new, escalated or released)."""
        query = (select(Handoff).where(Handoff.status != Status.CLOSED,
                                       Handoff.notified_at.is_(None))
                 .order_by(_URGENT_FIRST, Handoff.id))
        with self._session() as session:
            return self._views(session, session.execute(query).scalars().all())

    def pending_resumes(self) -> list[HandoffView]:
        """Closed handoffs whose Rasa conversation still has to be resumed."""
        query = select(Handoff).where(Handoff.status == Status.CLOSED, Handoff.resumed_at.is_(None))
        with self._session() as session:
            return self._views(session, session.execute(query.order_by(Handoff.id)).scalars().all())

    # ---------------------------------------------------------- messages
    def add_message(self, handoff_id: int, kind: str, text: str, *, author_id: int | None = None,
                    buttons: Sequence[Button] = (), actor: str | None = None,
                    ip: str | None = None) -> MessageView:
        """Store a message; outgoing kinds start undelivered.  ``actor`` adds an audit entry."""
        if kind not in Kind.ALL:
            raise ValueError(f"bad kind {kind}")
        with self._session() as session:
            now = self.now()
            row = HandoffMessage(handoff_id=handoff_id, kind=kind, text=text[:MAX_TEXT],
                                 buttons=buttons_to_json(list(buttons)), author_id=author_id,
                                 created_at=now, delivered=kind not in Kind.OUTGOING, attempts=0)
            session.add(row)
            session.flush()
            if actor:
                add_audit(session, now, actor, kind, "handoff", handoff_id,
                          {"message": row.id}, ip)
            names = self._names(session, [author_id])
            return message_view(row, names.get(author_id) if author_id else None)

    def messages(self, handoff_id: int) -> list[MessageView]:
        query = select(HandoffMessage).where(HandoffMessage.handoff_id == handoff_id).order_by(
            HandoffMessage.id)
        with self._session() as session:
            rows = session.execute(query).scalars().all()
            names = self._names(session, (r.author_id for r in rows))
            return [message_view(r, names.get(r.author_id)) for r in rows]

    def message(self, message_id: int) -> MessageView | None:
        with self._session() as session:
            row = session.get(HandoffMessage, message_id)
            return message_view(row) if row else None

    def undelivered(self, limit: int = 200) -> list[tuple[HandoffView, MessageView]]:
        """Outgoing messages not yet delivered (younger than RETRY_WINDOW), oldest first."""
        since = self.now() - RETRY_WINDOW
        query = (select(HandoffMessage, Handoff).join(Handoff, Handoff.id == HandoffMessage.handoff_id)
                 .where(HandoffMessage.delivered.is_(False), HandoffMessage.created_at >= since)
                 .order_by(HandoffMessage.id).limit(limit))
        with self._session() as session:
            rows = session.execute(query).all()
            names = self._names(session, (m.author_id for m, _ in rows))
            return [(handoff_view(h), message_view(m, names.get(m.author_id))) for m, h in rows]

    def mark_delivered(self, message_id: int) -> bool:
        """True for the one caller that flipped the flag."""
        with self._session() as session:
            statement = (update(HandoffMessage)
                         .where(HandoffMessage.id == message_id, HandoffMessage.delivered.is_(False))
                         .values(delivered=True, delivered_at=self.now())
                         .execution_options(**_NO_SYNC))
            return bool(session.execute(statement).rowcount == 1)

    def record_attempt(self, message_id: int) -> None:
        with self._session() as session:
            session.execute(update(HandoffMessage).where(HandoffMessage.id == message_id)
                            .values(attempts=HandoffMessage.attempts + 1)
                            .execution_options(**_NO_SYNC))

    # ------------------------------------------------------------ rating
    def store_rating(self, sender_id: str, rating: int) -> HandoffView | None:
        """Store 1–5 on the sender's latest handoff closed within RATING_WINDOW (回访)."""
        if not 1 <= rating <= 5:
            raise ValueError("rating must be 1..5")
        with self._session() as session:
            now = self.now()
            query = (select(Handoff).where(Handoff.sender_id == sender_id,
                                           Handoff.status == Status.CLOSED,
                                           Handoff.closed_at >= now - RATING_WINDOW)
                     .order_by(Handoff.closed_at.desc(), Handoff.id.desc()).limit(1))
            row = session.execute(query).scalars().first()
            if row is None:
                return None
            row.rating, row.rated_at, row.updated_at = rating, now, now
            session.flush()
            return self._view(session, row)

