"""ORM models of the notification outbox (registered in ``bot.store.models``)."""
from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text

from bot.store.db import Base

__all__ = ["OptOut", "OutboxRow", "State"]


class State:
    """``OutboxRow.state`` values."""

    PENDING = "pending"  # waiting for (another) attempt
    SENT = "sent"  # the channel accepted it
    FAILED = "failed"  # gave up after ``max_attempts``; ``retry`` makes it pending again
    SUPPRESSED = "suppressed"  # the citizen said 退订通知
    CANCELLED = "cancelled"  # no longer true before it went out (a 回访 overtaken by a 复查)

    ALL = (PENDING, SENT, FAILED, SUPPRESSED, CANCELLED)


class OutboxRow(Base):
    """One message to one citizen, written in the transaction that caused it."""

    __tablename__ = "notify_outbox"
    __table_args__ = (Index("ix_notify_outbox_state_due", "state", "next_attempt_at"),)

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("cases.id"), nullable=False, index=True)
    case_number = Column(String(20), nullable=False)
    kind = Column(String(20), nullable=False)  # status | extension
    status = Column(String(20), nullable=False)  # the case status the message is about
    channel = Column(String(16), nullable=False)
    recipient = Column(String(255), nullable=False)
    text = Column(Text, nullable=False)
    state = Column(String(12), nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime, nullable=False)
    lease_owner = Column(String(64), nullable=True)
    lease_until = Column(DateTime, nullable=True)
    last_error = Column(String(300), nullable=True)
    created_at = Column(DateTime, nullable=False)
    sent_at = Column(DateTime, nullable=True)


class OptOut(Base):
    """A citizen (sender id) who asked for no more notifications (退订通知)."""

    __tablename__ = "notify_optouts"

    recipient = Column(String(255), primary_key=True)
    at = Column(DateTime, nullable=False)
