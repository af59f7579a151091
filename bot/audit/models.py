"""ORM model of the audit log (table ``audit_log``; timestamps naive UTC).

Registered by one import line in ``bot.store.models``.
"""
from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String, Text

from bot.store.db import Base

__all__ = ["AuditEntry"]


class AuditEntry(Base):
    """One officer (or system) action: who did what to which record, when."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, index=True)
    actor = Column(String(100), nullable=False, index=True)
    action = Column(String(40), nullable=False, index=True)
    target_type = Column(String(20), nullable=False, default="")
    target_id = Column(String(64), nullable=False, default="")
    detail = Column(Text, nullable=False, default="")
    ip = Column(String(64), nullable=True)
