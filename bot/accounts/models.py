"""ORM models of officer accounts and their console sessions.

Timestamps are naive UTC.  Roles are stored as short strings (``officer``/``admin``/
``supervisor``, no CHECK constraint);
``bot.accounts.service`` validates them.  Registered by one import line in
``bot.store.models`` (tables ``officers`` and ``officer_sessions``).
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, DateTime, ForeignKey, Integer, String

from bot.store.db import Base

__all__ = ["ROLES", "Officer", "OfficerSession"]

ROLES = ("officer", "admin", "supervisor")


class Officer(Base):
    """An officer account of the console (also used by the admin pages)."""

    __tablename__ = "officers"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    display_name = Column(String(100), nullable=False)
    password_hash = Column(String(255), nullable=False)
    role = Column(String(16), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    failed_logins = Column(Integer, nullable=False, default=0)
    locked_until = Column(DateTime, nullable=True)
    telegram_user_id = Column(BigInteger, nullable=True, unique=True)
    created_at = Column(DateTime, nullable=False)
    last_login_at = Column(DateTime, nullable=True)


class OfficerSession(Base):
    """A console login; the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "officer_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    officer_id = Column(Integer, ForeignKey("officers.id"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False)
    last_seen_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False)
    revoked_at = Column(DateTime, nullable=True)
