"""Model registry: importing this module registers every concept's tables on ``Base.metadata``.

Alembic's ``env.py`` uses ``metadata`` from here.  When a team adds tables, add
one import line below (and a migration in ``bot/store/migrations/versions``).
"""
from __future__ import annotations

from bot.store.db import Base

import bot.cases.models  # noqa: E402,F401  (petition cases)
import bot.handoff.models  # noqa: E402,F401  (handoffs, officer accounts, audit log)
import bot.admin.models  # noqa: E402,F401  (NLU labels, training jobs, model registry)
import bot.conversation.journal  # noqa: E402,F401  (messages answered with the busy reply)

metadata = Base.metadata

__all__ = ["metadata"]
