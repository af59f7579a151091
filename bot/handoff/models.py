"""ORM models of handoffs (人工接管) and their messages.

A handoff moves ``waiting → assigned → closed`` (``release`` goes back to
waiting).  At most one handoff per (channel, sender) is open at a time (partial
unique index, SQLite and PostgreSQL).  ``paused`` says whether the Rasa
conversation is paused (citizen messages go to the officer, not the bot).
Outgoing messages (officer/bot/system) carry a ``delivered`` flag so they are
delivered once, also across restarts.  Officer accounts (``officers``, the target of
foreign keys here) are in ``bot.accounts.models``; officers' retraining flags in
``bot.admin.models``.
"""
from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)

import bot.accounts.models  # noqa: F401 (``officers``, target of foreign keys)
from bot.store.db import Base

__all__ = [
    "Handoff",
    "HandoffMessage",
    "Kind",
    "Priority",
    "Reason",
    "Status",
]

OPEN_WHERE = text("status != 'closed'")


class Status:
    """``Handoff.status`` values."""

    WAITING = "waiting"
    ASSIGNED = "assigned"
    CLOSED = "closed"
    ALL = (WAITING, ASSIGNED, CLOSED)


class Reason:
    """Why the bot handed off."""

    REQUESTED = "requested"
    FALLBACK = "fallback"
    NEEDS_OFFICER = "needs_officer"
    EARLY_WARNING = "early_warning"
    ALL = (REQUESTED, FALLBACK, NEEDS_OFFICER, EARLY_WARNING)


class Priority:
    URGENT = "urgent"
    NORMAL = "normal"
    ALL = (URGENT, NORMAL)


class Kind:
    """``HandoffMessage.kind``: who wrote it; OUTGOING kinds are delivered to the citizen."""

    CITIZEN = "citizen"
    OFFICER = "officer"
    BOT = "bot"
    SYSTEM = "system"
    NOTE = "note"
    OUTGOING = (OFFICER, BOT, SYSTEM)
    ALL = (CITIZEN, OFFICER, BOT, SYSTEM, NOTE)


class Handoff(Base):
    """A conversation handed to officers."""

    __tablename__ = "handoffs"
    __table_args__ = (
        Index("ix_handoffs_sender_channel", "sender_id", "channel"),
        Index("uq_handoffs_open_sender", "channel", "sender_id", unique=True,
              sqlite_where=OPEN_WHERE, postgresql_where=OPEN_WHERE),
    )

    id = Column(Integer, primary_key=True)
    channel = Column(String(32), nullable=False)
    sender_id = Column(String(255), nullable=False)
    status = Column(String(16), nullable=False, index=True)
    reason = Column(String(20), nullable=False)
    priority = Column(String(10), nullable=False)
    paused = Column(Boolean, nullable=False, default=False)
    matter = Column(String(64), nullable=True)
    warning_tags = Column(String(255), nullable=False, default="")
    officer_id = Column(Integer, ForeignKey("officers.id"), nullable=True, index=True)
    created_at = Column(DateTime, nullable=False)
    claimed_at = Column(DateTime, nullable=True)
    closed_at = Column(DateTime, nullable=True)
    updated_at = Column(DateTime, nullable=False)
    resolution_note = Column(Text, nullable=True)
    rating = Column(Integer, nullable=True)
    rated_at = Column(DateTime, nullable=True)
    resumed_at = Column(DateTime, nullable=True)
    notified_at = Column(DateTime, nullable=True)
    telegram_message_id = Column(BigInteger, nullable=True)
    citizen_acked = Column(Boolean, nullable=False, default=False)


class HandoffMessage(Base):
    """A message within a handoff: citizen → officer, officer/bot/system → citizen, or a private note."""

    __tablename__ = "handoff_messages"

    id = Column(Integer, primary_key=True)
    handoff_id = Column(Integer, ForeignKey("handoffs.id"), nullable=False, index=True)
    kind = Column(String(10), nullable=False)
    text = Column(Text, nullable=False)
    buttons = Column(Text, nullable=True)
    author_id = Column(Integer, ForeignKey("officers.id"), nullable=True)
    created_at = Column(DateTime, nullable=False)
    delivered = Column(Boolean, nullable=False, default=False, index=True)
    delivered_at = Column(DateTime, nullable=True)
    attempts = Column(Integer, nullable=False, default=0)
