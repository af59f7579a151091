"""ORM model of 回访 (registered in ``bot.store.models``)."""
from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint

from bot.store.db import Base

__all__ = ["Followup", "FollowupState", "Rating"]


class FollowupState:
    """``Followup.state`` values."""

    OPEN = "open"  # the question is queued (due later) or asked; an answer is welcome
    ANSWERED = "answered"
    CANCELLED = "cancelled"  # the citizen asked for 复查/复核 before the question went out

    ALL = (OPEN, ANSWERED, CANCELLED)


class Rating:
    """The three answers the question offers (满意 / 基本满意 / 不满意)."""

    SATISFIED = "satisfied"
    BASIC = "basic"
    UNSATISFIED = "unsatisfied"

    ALL = (SATISFIED, BASIC, UNSATISFIED)


class Followup(Base):
    """One 回访 of one answer (a case answered again after a 复查 gets a second one)."""

    __tablename__ = "case_followups"
    __table_args__ = (Index("ix_case_followups_recipient_state", "recipient", "state"),
                      UniqueConstraint("case_id", "case_answered_at", name="uq_case_followups_answer"))

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("cases.id"), nullable=False, index=True)
    case_number = Column(String(20), nullable=False)
    recipient = Column(String(255), nullable=False)  # the citizen's chat sender id
    outbox_id = Column(Integer, ForeignKey("notify_outbox.id"), nullable=True)
    after_review = Column(Boolean, nullable=False)  # the answer was a 复查意见: next is 复核
    case_answered_at = Column(DateTime, nullable=False)
    due_at = Column(DateTime, nullable=False)
    state = Column(String(12), nullable=False)
    rating = Column(String(12), nullable=True)
    comment = Column(Text, nullable=True)  # the citizen's own words, personal data masked
    answered_at = Column(DateTime, nullable=True, index=True)
    created_at = Column(DateTime, nullable=False)
