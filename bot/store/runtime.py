"""The process-wide database engine and session factory, built from the settings."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import sessionmaker

from bot.settings import get_settings
from bot.store.db import make_engine, make_session_factory


@lru_cache(maxsize=1)
def session_factory() -> sessionmaker:
    """Sessions on ``DATABASE_URL`` (SQLite under var/ by default)."""
    return make_session_factory(make_engine(get_settings().database_url))
