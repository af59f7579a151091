"""The audit log: every officer action (and security event) with who, what, which record, when."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.audit.models import AuditEntry
from bot.common.clock import Clock, to_naive_utc, utc_now
from bot.store.db import session_scope

__all__ = ["AuditLog", "AuditView", "add_audit"]

_MAX_ACTOR, _MAX_TARGET, _MAX_DETAIL = 100, 64, 4000


@dataclass(frozen=True)
class AuditView:
    id: int
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    detail: str
    ip: str | None


def add_audit(session: Session, at: datetime, actor: str, action: str, target_type: str = "",
              target_id: object = "", detail: dict[str, Any] | None = None,
              ip: str | None = None) -> None:
    """Add an entry inside the caller's transaction (so it commits with the action)."""
    text = json.dumps(detail, ensure_ascii=False, default=str) if detail else ""
    session.add(AuditEntry(at=to_naive_utc(at), actor=(actor or "?")[:_MAX_ACTOR], action=action[:40],
                           target_type=target_type[:20], target_id=str(target_id)[:_MAX_TARGET],
                           detail=text[:_MAX_DETAIL], ip=(ip or None) and ip[:64]))


class AuditLog:
    """Records and lists audit entries."""

    def __init__(self, factory: sessionmaker, clock: Clock = utc_now) -> None:
        self._factory = factory
        self._clock = clock

    def record(self, actor: str, action: str, target_type: str = "", target_id: object = "",
               detail: dict[str, Any] | None = None, ip: str | None = None) -> None:
        with session_scope(self._factory) as session:
            add_audit(session, self._clock(), actor, action, target_type, target_id, detail, ip)

    def recent(self, limit: int = 200, actor: str | None = None,
               action: str | None = None) -> list[AuditView]:
        """Newest first, optionally filtered by actor and action."""
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(max(1, min(limit, 2000)))
        if actor:
            query = query.where(AuditEntry.actor == actor)
        if action:
            query = query.where(AuditEntry.action == action)
        with session_scope(self._factory) as session:
            return [AuditView(e.id, e.at, e.actor, e.action, e.target_type, e.target_id, e.detail, e.ip)
                    for e in session.execute(query).scalars()]
