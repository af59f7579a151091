"""Keys of the objects the gateway shares between its HTTP surfaces.

``bot.gateway.handoff.setup_handoff`` stores them; the console (and the admin pages
through it) read them.  Defined here, below both, so neither imports the other.
"""
from __future__ import annotations

__all__ = ["ACCOUNTS_KEY", "FACTORY_KEY", "RUNTIME_KEY"]

RUNTIME_KEY = "handoff_runtime"    # bot.handoff.runtime.HandoffRuntime
ACCOUNTS_KEY = "officer_accounts"  # bot.accounts.service.AccountService
FACTORY_KEY = "app_db_factory"     # sessionmaker on DATABASE_URL
