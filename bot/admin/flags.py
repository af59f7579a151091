"""Officers' retraining flags: a citizen message an officer marks for the NLU inbox.

The console (``/console/handoffs/<id>`` → 标记) writes them; ``bot.admin.inbox`` reads
them as the ``flagged`` source.  One flag per (sender, message key); the raw text is
kept (the inbox masks it when it shows it).
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.admin.models import RetrainingFlag
from bot.audit.log import add_audit
from bot.common.clock import Clock, to_naive_utc, utc_now
from bot.store.db import session_scope

__all__ = ["RetrainingFlags"]

MAX_TEXT = 4000


class RetrainingFlags:
    """Adds and lists officers' retraining flags."""

    def __init__(self, factory: sessionmaker, clock: Clock = utc_now) -> None:
        self._factory = factory
        self._clock = clock

    def now(self) -> datetime:
        return to_naive_utc(self._clock())

    def _session(self) -> AbstractContextManager[Session]:
        return session_scope(self._factory)

    def flag_for_retraining(self, *, sender_id: str, channel: str | None, handoff_id: int | None,
                            message_key: str, text: str, intent: str | None,
                            confidence: float | None, officer_id: int, username: str,
                            note: str = "", ip: str | None = None) -> bool:
        """Add a citizen message to the retraining inbox; False if it was already flagged."""
        try:
            with self._session() as session:
                now = self.now()
                session.add(RetrainingFlag(
                    sender_id=sender_id, channel=channel, handoff_id=handoff_id,
                    message_key=message_key[:80], text=text[:MAX_TEXT], intent=intent,
                    confidence=confidence, officer_id=officer_id, flagged_by=username[:64],
                    flagged_at=now, note=note[:1000], status="new"))
                session.flush()
                add_audit(session, now, username, "flag_retraining", "handoff", handoff_id or "",
                          {"message_key": message_key, "intent": intent}, ip)
        except IntegrityError:
            return False
        return True

    def flags(self, limit: int = 200) -> list[RetrainingFlag]:
        query = select(RetrainingFlag).order_by(RetrainingFlag.id.desc()).limit(limit)
        with self._session() as session:
            return list(session.execute(query).scalars().all())

    def flagged_keys(self, sender_id: str) -> set[str]:
        query = select(RetrainingFlag.message_key).where(RetrainingFlag.sender_id == sender_id)
        with self._session() as session:
            return set(session.execute(query).scalars().all())
