"""ORM model of the message journal (table ``message_journal``).

Citizen messages that got the busy reply instead of an answer
(``bot.conversation.journal`` writes and drains it).

Registered by one import line in ``bot.store.models``.
"""
from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String, Text

from bot.store.db import Base

__all__ = ["JournalEntry"]


class JournalEntry(Base):
    """One citizen message that got the busy reply instead of an answer."""

    __tablename__ = "message_journal"

    id = Column(Integer, primary_key=True)
    key = Column(String(36), nullable=False, unique=True)
    received_at = Column(DateTime, nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    sender_id = Column(String(255), nullable=False, index=True)
    text = Column(Text, nullable=False)
    reason = Column(String(255), nullable=False)
