"""ORM models of the dashboard's daily rollup (registered in ``bot.store.models``).

Summaries of Rasa's ``events`` table per China-local day, maintained by
:mod:`bot.dashboard.rollup` so that the dashboard never scans a year of events.
"""
from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, String

from bot.store.db import Base

__all__ = ["RollupAnswer", "RollupChannelDay", "RollupDay", "RollupState"]


class RollupState(Base):
    """The watermark: the highest ``events.id`` already summarised."""

    __tablename__ = "dashboard_rollup_state"

    name = Column(String(32), primary_key=True)
    last_event_id = Column(Integer, nullable=False, default=0)


class RollupDay(Base):
    """Per day: conversations (distinct senders), not understood, fallbacks."""

    __tablename__ = "dashboard_day"

    day = Column(Integer, primary_key=True)  # China-local days since 1970-01-01
    conversations = Column(Integer, nullable=False)
    not_understood = Column(Integer, nullable=False)
    fallbacks = Column(Integer, nullable=False)


class RollupChannelDay(Base):
    """Per day and channel: conversations (distinct senders) and citizen messages."""

    __tablename__ = "dashboard_channel_day"

    day = Column(Integer, primary_key=True)
    channel = Column(String(255), primary_key=True)
    conversations = Column(Integer, nullable=False)
    messages = Column(Integer, nullable=False)


class RollupAnswer(Base):
    """Per day, sender, matter and accepted flag: the matter answers (``matter`` None: a
    clarifying question), and the first one's epoch timestamp (for 分流)."""

    __tablename__ = "dashboard_answer"
    __table_args__ = (Index("ix_dashboard_answer_day", "day"),)

    id = Column(Integer, primary_key=True)
    day = Column(Integer, nullable=False)
    sender_id = Column(String(255), nullable=False)
    matter = Column(String(255), nullable=True)
    accepted = Column(String(255), nullable=True)  # raw JSON text: 0/1/false/true or None
    answers = Column(Integer, nullable=False)
    first_at = Column(Float, nullable=False)
