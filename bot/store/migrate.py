"""Run Alembic migrations programmatically (``alembic.ini`` at the repo root).

``upgrade(url)`` upgrades to every head ("heads"), so parallel branches added by
different teams do not block start-up; ``current(url)`` reports the applied revisions.
"""
from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.store.db import REPO_ROOT, make_engine, normalise_url

__all__ = ["alembic_config", "current", "head_revisions", "upgrade"]

ALEMBIC_INI = REPO_ROOT / "alembic.ini"
MIGRATIONS_DIR = REPO_ROOT / "bot" / "store" / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic ``Config`` carrying ``url`` in ``attributes`` (logging left to the app)."""
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = normalise_url(url).render_as_string(hide_password=False)
    config.attributes["configure_logger"] = False
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    """Upgrade the database at ``url`` to ``revision`` (default: all heads)."""
    command.upgrade(alembic_config(url), revision)


def head_revisions() -> set[str]:
    """Revision ids of all heads in the migration scripts."""
    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def current(url: str) -> set[str]:
    """Revisions currently applied to the database at ``url``."""
    engine = make_engine(url, sqlite_foreign_keys=False)
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
