"""The CaseService used by the running processes (actions, console, CLI)."""
from __future__ import annotations

from functools import lru_cache

from bot.cases.service import CaseService
from bot.store.runtime import session_factory


@lru_cache(maxsize=1)
def case_service() -> CaseService:
    return CaseService(session_factory())
