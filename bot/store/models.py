"""Model registry: importing this module registers every concept's tables on ``Base.metadata``.

Alembic's ``env.py`` uses ``metadata`` from here.  When a team adds tables, add
one import line below (and a migration in ``bot/store/migrations/versions``).  This is
the one module of ``bot.store`` that imports upwards (every concept's ``models``); the
layering test (``tests/unit/test_layers.py``) allows exactly that.
"""
from __future__ import annotations

import bot.accounts.models
import bot.admin.models
import bot.audit.models
import bot.cases.models
import bot.channels.wechat.models
import bot.conversation.models
import bot.dashboard.models
import bot.followup.models
import bot.handoff.models
import bot.notify.models  # noqa: F401  (status-notification outbox, opt-outs)
from bot.store.db import Base

metadata = Base.metadata

__all__ = ["metadata"]
