"""The OutboxStore used by the running processes (actions, CLI defaults)."""
from __future__ import annotations

from functools import lru_cache

from bot.notify.outbox import OutboxStore
from bot.store.runtime import session_factory


@lru_cache(maxsize=1)
def outbox_store() -> OutboxStore:
    return OutboxStore(session_factory())
