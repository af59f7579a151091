"""Model registry: importing this module registers every concept's tables on ``Base.metadata``.

Alembic's ``env.py`` uses ``metadata`` from here.  When a team adds tables, add
one import line below (and a migration in ``bot/store/migrations/versions``).  This is
the one module of ``bot.store`` that imports upwards (every concept's ``models``); the
layering test (``tests/unit/test_layers.py``) allows exactly that.
"""
from __future__ import annotations

import bot.accounts.models  # noqa: E402,F401  (officer accounts, console sessions)
import bot.admin.models  # noqa: E402,F401  (NLU labels, training jobs, model registry, retraining flags)
import bot.audit.models  # noqa: E402,F401  (audit log)
import bot.cases.models  # noqa: E402,F401  (petition cases)
import bot.channels.wechat.models  # noqa: E402,F401  (WeChat replay keys and per-user state)
import bot.conversation.models  # noqa: E402,F401  (messages answered with the busy reply)
import bot.dashboard.models  # noqa: E402,F401  (the dashboard's daily rollup of tracker events)
import bot.handoff.models  # noqa: E402,F401  (handoffs and their messages)
import bot.notify.models  # noqa: E402,F401  (status-notification outbox, opt-outs)
from bot.store.db import Base

metadata = Base.metadata

__all__ = ["metadata"]
