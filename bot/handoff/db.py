"""The per-process handoff service on the configured database (``DATABASE_URL``)."""
from __future__ import annotations

from functools import lru_cache

from bot.handoff.service import HandoffService
from bot.store.runtime import session_factory

__all__ = ["default_service"]


@lru_cache(maxsize=1)
def default_service() -> HandoffService:
    """The service the action server uses (shares the process-wide session factory)."""
    return HandoffService(session_factory())
