"""ORM models of petition cases (信访件), their timeline and verification attempts.

Timestamps are naive UTC; ``*_due`` columns are China-local calendar dates
derived by ``bot.cases.deadlines`` (stored so officers can query overdue cases).
Enums are stored as short strings without CHECK constraints (the service validates).
"""
from __future__ import annotations

import enum

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import relationship

from bot.cases.channels import Channel
from bot.cases.status import CaseStatus
from bot.store.db import Base

__all__ = ["Case", "CaseEvent", "EventKind", "JobLease", "SupervisionInstruction", "VerificationAttempt"]


def _values(enum_cls: type[enum.Enum]) -> list[str]:
    return [member.value for member in enum_cls]


class EventKind:
    """``CaseEvent.kind`` values."""

    FILED = "filed"
    IMPORTED = "imported"
    STATUS = "status"
    EXTENSION = "extension"
    ACCESS = "access"
    CODE_RESET = "code_reset"
    HEARING = "hearing"

    #: Kinds that are a procedural step (shown to citizens as "last step").
    STEPS = (FILED, IMPORTED, STATUS, EXTENSION)


class Case(Base):
    """One petition (信访事项) with the statutory dates that drive deadlines."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("year", "seq"),
        Index("ix_cases_phone_matter", "petitioner_phone", "matter"),
    )

    id = Column(Integer, primary_key=True)
    case_number = Column(String(20), nullable=False, unique=True)
    year = Column(Integer, nullable=False)
    seq = Column(Integer, nullable=False)
    matter = Column(String(64), nullable=False, index=True)
    petitioner_name = Column(String(100), nullable=False)
    petitioner_phone = Column(String(32), nullable=False)
    petitioner_address = Column(String(300), nullable=True)
    channel = Column(
        Enum(Channel, native_enum=False, create_constraint=False, length=16, values_callable=_values),
        nullable=False,
    )
    description = Column(Text, nullable=False)
    requested_outcome = Column(Text, nullable=False)
    reasons = Column(Text, nullable=False)
    location = Column(String(300), nullable=False, default="")
    occurred_at = Column(String(100), nullable=False, default="")
    handling_unit = Column(String(200), nullable=True)
    status = Column(
        Enum(CaseStatus, native_enum=False, create_constraint=False, length=20, values_callable=_values),
        nullable=False,
        index=True,
    )
    query_code_hash = Column(String(255), nullable=False)
    sender_id = Column(String(255), nullable=True, index=True)
    received_at = Column(DateTime, nullable=False)
    accepted_at = Column(DateTime, nullable=True)
    answered_at = Column(DateTime, nullable=True)
    review_requested_at = Column(DateTime, nullable=True)
    recheck_requested_at = Column(DateTime, nullable=True)
    closed_at = Column(DateTime, nullable=True)
    extension_days = Column(Integer, nullable=True)
    extension_reason = Column(Text, nullable=True)
    acceptance_due = Column(Date, nullable=True)
    handling_due = Column(Date, nullable=True)
    review_due = Column(Date, nullable=True)
    recheck_due = Column(Date, nullable=True)
    # A 复核 hearing (听证, 第三十六条第二款): when it began and, once over, how many days it
    # took (first and last day counted); its time is not counted in the 复核 period.
    hearing_started_at = Column(DateTime, nullable=True)
    hearing_days = Column(Integer, nullable=True)
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)

    events = relationship(
        "CaseEvent", back_populates="case", order_by="CaseEvent.id", cascade="save-update, merge"
    )

    def __repr__(self) -> str:
        return f"<Case {self.case_number} {self.status}>"


class CaseEvent(Base):
    """A timeline entry: status change, extension, filing/import, or officer access."""

    __tablename__ = "case_events"

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("cases.id"), nullable=False, index=True)
    kind = Column(String(20), nullable=False)
    from_status = Column(String(20), nullable=True)
    to_status = Column(String(20), nullable=True)
    actor = Column(String(100), nullable=False)
    note = Column(Text, nullable=False, default="")
    at = Column(DateTime, nullable=False)

    case = relationship("Case", back_populates="events")


class VerificationAttempt(Base):
    """One citizen attempt to verify number + query code (for lockout and audit)."""

    __tablename__ = "case_verification_attempts"
    __table_args__ = (Index("ix_case_verification_attempts_sender_at", "sender", "at"),
                      Index("ix_case_verification_attempts_case_at", "case_number", "at"),
                      Index("ix_case_verification_attempts_client_at", "client", "at"))

    id = Column(Integer, primary_key=True)
    sender = Column(String(255), nullable=False)
    at = Column(DateTime, nullable=False)
    success = Column(Boolean, nullable=False)
    blocked = Column(Boolean, nullable=False, default=False)
    case_number = Column(String(20), nullable=True)  # as parsed; None when unreadable
    client = Column(String(64), nullable=True)  # hashed client address (from the gateway)
    used = Column(Boolean, nullable=False, default=False, server_default=false())


class SupervisionInstruction(Base):
    """A supervisor's 督办意见 on a case; the handling officer must acknowledge it."""

    __tablename__ = "supervision_instructions"

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("cases.id"), nullable=False, index=True)
    author = Column(String(64), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False)
    acknowledged_by = Column(String(64), nullable=True)
    acknowledged_at = Column(DateTime, nullable=True)


class JobLease(Base):
    """A named lease so only one gateway instance runs a periodic job.

    E.g. the hourly deadline check: the holder may run until ``until``; then anyone
    may take it.
    """

    __tablename__ = "job_leases"

    name = Column(String(64), primary_key=True)
    holder = Column(String(64), nullable=False)
    until = Column(DateTime, nullable=False)
