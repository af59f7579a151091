"""Persistence: SQLAlchemy engine/session helpers, the model registry and Alembic migrations.

Import ``bot.store.db`` for ``Base``/engines, ``bot.store.models`` for the full
metadata (all concepts' tables) and ``bot.store.migrate`` to upgrade a database.
"""
