"""ORM models of the dashboard's daily rollup (registered in ``bot.store.models``).

Summaries of Rasa's ``events`` table per China-local day, maintained by
:mod:`bot.dashboard.rollup` so that the dashboard never scans a year of events.
"""
from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Index, Integer, String

from bot.store.db import Base

__all__ = ["RollupAnswer", "RollupChannelDay", "RollupDay", "RollupDiverted", "RollupHuman", "RollupSenders",
           "RollupState"]


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
    """Per day, sender, matter and accepted flag: the matter answers.

    ``matter`` None: a clarifying question; with the first answer's epoch timestamp (for 分流).
    """

    __tablename__ = "dashboard_answer"
    __table_args__ = (Index("ix_dashboard_answer_day", "day"),
                      Index("ix_dashboard_answer_sender", "sender_id"))  # 0010: prior days

    id = Column(Integer, primary_key=True)
    day = Column(Integer, nullable=False)
    sender_id = Column(String(255), nullable=False)
    matter = Column(String(255), nullable=True)
    accepted = Column(String(255), nullable=True)  # raw JSON text: 0/1/false/true or None
    answers = Column(Integer, nullable=False)
    first_at = Column(Float, nullable=False)



# Migration 0010: distinct senders over any period without COUNT(DISTINCT) over a year.
# A sender-day row also records ``prev_day``, the same sender's previous day in the same
# set; a sender is in a period [F, L] once, on its row with F <= day <= L and prev_day
# NULL or < F.  So the distinct senders of a period are a sum over per-day counts.


class RollupSenders(Base):
    """Per day, set and ``prev_day``: how many senders (and matter answers).

    ``kind``: ``matter`` (per matter and accepted flag; ``matter`` None: clarifying
    questions), ``answered`` (any matter answer) or ``diverted`` (told "not ours";
    ``matter``: the least such matter of the sender that day).
    """

    __tablename__ = "dashboard_senders"
    __table_args__ = (Index("ix_dashboard_senders_kind_day", "kind", "day"),)

    id = Column(Integer, primary_key=True)
    kind = Column(String(16), nullable=False)
    day = Column(Integer, nullable=False)
    prev_day = Column(Integer, nullable=True)
    matter = Column(String(255), nullable=True)
    accepted = Column(String(255), nullable=True)
    senders = Column(Integer, nullable=False)
    answers = Column(Integer, nullable=False)


class RollupDiverted(Base):
    """Per diverted sender and day: its first such answer.

    The answer's time (naive UTC, as the cases' ``received_at``), its least matter, and the
    sender's previous diverted day; matched with later petitions and requests for a person
    in SQL.
    """

    __tablename__ = "dashboard_diverted"
    __table_args__ = (Index("ix_dashboard_diverted_day", "day"),
                      Index("ix_dashboard_diverted_prev_day", "prev_day"))

    sender_id = Column(String(255), primary_key=True)
    day = Column(Integer, primary_key=True)
    first_at = Column(DateTime, nullable=False)
    matter = Column(String(255), nullable=True)
    prev_day = Column(Integer, nullable=True)


class RollupHuman(Base):
    """Per sender and day: the last ``action_request_human`` (naive UTC)."""

    __tablename__ = "dashboard_human"
    __table_args__ = (Index("ix_dashboard_human_day", "day"),)

    sender_id = Column(String(255), primary_key=True)
    day = Column(Integer, primary_key=True)
    last_at = Column(DateTime, nullable=False)

