"""A persistent journal of citizen messages the assistant could not answer.

The router calls the journal when Rasa is unreachable or answers nothing (the
citizen is told "系统繁忙 … 您的消息已记录"). Entries go to the ``message_journal``
table of our database. When that database is down too, they are appended to a
local spool file (JSON lines, mode 0600) and moved into the table once it answers
again; a unique key per entry makes the move exactly-once. So a message is never
lost, whichever component failed.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy import text as sql_text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot.common.clock import Clock, utc_now
from bot.conversation.models import JournalEntry
from bot.privacy import mask_text
from bot.settings import VAR_DIR, Settings
from bot.store.db import make_engine, make_session_factory, session_scope

__all__ = ["SPOOL_NAME", "JournalView", "MessageJournal"]

logger = logging.getLogger(__name__)

DRAIN_SECONDS = 5.0
SPOOL_NAME = "journal-spool.jsonl"


@dataclass(frozen=True)
class JournalView:
    key: str
    received_at: datetime
    channel: str
    sender_id: str
    text: str
    reason: str


class MessageJournal:
    """Callable as the router's ``journal``; safe to use from several threads."""

    def __init__(self, factory: sessionmaker, spool: Path, clock: Clock = utc_now) -> None:
        self._factory = factory
        self.spool = spool
        self._clock = clock
        self._lock = threading.Lock()

    @classmethod
    def for_settings(cls, settings: Settings,
                     factory: sessionmaker | None = None) -> MessageJournal:
        """On ``DATABASE_URL`` (the process's shared ``factory`` if given), spooling to ``VAR_DIR``.

        The spool is local state of this host.
        """
        if factory is None:
            factory = make_session_factory(make_engine(settings.database_url))
        return cls(factory, VAR_DIR / SPOOL_NAME)

    def dispose(self) -> None:
        bind = self._factory.kw.get("bind")
        if bind is not None:
            bind.dispose()

    async def __call__(self, channel: str, sender_id: str, text: str, reason: str) -> None:
        await asyncio.to_thread(self.record, channel, sender_id, text, reason)

    # ----------------------------------------------------------------- writing
    def record(self, channel: str, sender_id: str, text: str, reason: str) -> bool:
        """Store one message; True if it reached the database, False if spooled."""
        entry = {"key": str(uuid.uuid4()), "received_at": self._clock().isoformat(),
                 "channel": channel[:32], "sender_id": sender_id[:255], "text": text,
                 "reason": reason[:255]}
        logger.warning("journaled message channel=%s sender=%s reason=%s text=%s",
                       channel, sender_id, reason[:120], mask_text(text))
        try:
            self.drain()
            self._insert([entry])
            return True
        except (SQLAlchemyError, OSError) as error:
            logger.error("journal database unavailable (%s): spooling to %s",
                         type(error).__name__, self.spool)
            self._append_spool(entry)
            return False

    def _insert(self, entries: list[dict[str, Any]]) -> int:
        """Insert entries whose key is not stored yet; returns how many were new."""
        with session_scope(self._factory) as session:
            keys = [e["key"] for e in entries]
            known = set(session.execute(
                select(JournalEntry.key).where(JournalEntry.key.in_(keys))).scalars())
            new = [e for e in entries if e["key"] not in known]
            for item in new:
                session.add(JournalEntry(**{**item, "received_at": datetime.fromisoformat(
                    item["received_at"])}))
        return len(new)

    def _append_spool(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.spool.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.spool, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
                handle.flush()
                os.fsync(handle.fileno())

    # ----------------------------------------------------------------- draining
    def _spooled_entries(self) -> list[dict[str, Any]]:
        if not self.spool.exists():
            return []
        entries = []
        for line in self.spool.read_text(encoding="utf-8").splitlines():
            try:
                entries.append(json.loads(line))
            except ValueError:  # a torn last line after a crash: nothing to recover
                logger.error("skipping an unreadable journal spool line")
        return entries

    def drain(self) -> int:
        """Move spooled entries into the database; returns how many were moved.

        Raises SQLAlchemyError (and keeps the spool) while the database is down.
        """
        with self._lock:
            entries = self._spooled_entries()
            if not entries:
                return 0
            moved = self._insert(entries)
            self.spool.unlink()
        logger.info("moved %d spooled journal entries into the database", moved)
        return moved

    def spooled(self) -> int:
        """Entries waiting in the local spool (the database was down)."""
        with self._lock:
            return len(self._spooled_entries())

    async def drain_forever(self, interval: float = DRAIN_SECONDS) -> None:
        """Background task of the gateway: empty the spool once the database is back."""
        while True:
            await asyncio.sleep(interval)
            if self.spool.exists():
                with contextlib.suppress(SQLAlchemyError, OSError):
                    await asyncio.to_thread(self.drain)

    # ----------------------------------------------------------------- reading
    def ping(self) -> None:
        """Raise unless the database answers."""
        with session_scope(self._factory) as session:
            session.execute(sql_text("SELECT 1"))

    def entries(self, sender_id: str | None = None, limit: int = 200) -> list[JournalView]:
        """Journaled messages, oldest first (optionally of one sender)."""
        query = select(JournalEntry).order_by(JournalEntry.received_at, JournalEntry.id)
        if sender_id is not None:
            query = query.where(JournalEntry.sender_id == sender_id)
        with session_scope(self._factory) as session:
            rows = session.execute(query.limit(limit)).scalars().all()
            return [JournalView(r.key, r.received_at, r.channel, r.sender_id, r.text, r.reason)
                    for r in rows]
