"""SQLAlchemy 1.4 (2.0-style) engine, session factory and the declarative ``Base``.

All timestamps are stored as naive UTC datetimes (see ``bot.common.clock``).
Relative SQLite paths are resolved against the repository root, so
``sqlite:///var/app.db`` always means ``<repo>/var/app.db`` whatever the cwd.
SQLite files we create are mode 0600 (they hold personal data); SQLite gives its
journal and WAL files the same mode.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.future import create_engine
from sqlalchemy.orm import Session, declarative_base, sessionmaker

__all__ = [
    "DEFAULT_SQLITE_URL",
    "REPO_ROOT",
    "Base",
    "make_engine",
    "make_session_factory",
    "normalise_url",
    "session_scope",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_URL = f"sqlite:///{REPO_ROOT / 'var' / 'app.db'}"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base: Any = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def normalise_url(url: str | URL) -> URL:
    """Parse ``url``; make relative SQLite file paths absolute (repo root) and create the folder."""
    parsed = make_url(str(url)) if not isinstance(url, URL) else url
    if parsed.get_backend_name() != "sqlite":
        return parsed
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return parsed
    path = Path(database)
    if not path.is_absolute():
        path = REPO_ROOT / path
    path.parent.mkdir(parents=True, exist_ok=True)
    return parsed.set(database=str(path))


def _create_private(database: str) -> None:
    """Create a missing SQLite file as 0600 before SQLite does (with the umask's mode)."""
    if database in ("", ":memory:") or database.startswith("file:"):
        return
    with suppress(FileExistsError):
        os.close(os.open(database, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str | URL, *, sqlite_foreign_keys: bool = True, echo: bool = False) -> Engine:
    """Create a ``future=True`` engine.

    SQLite: ``check_same_thread`` off, a 30 s busy timeout and ``PRAGMA foreign_keys=ON``
    (pass ``sqlite_foreign_keys=False`` for migrations, as Alembic recommends for batch mode).
    Other backends: ``pool_pre_ping`` so dropped PostgreSQL connections are replaced.
    """
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        _create_private(parsed.database or "")
        engine = create_engine(
            parsed, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}
        )
        if sqlite_foreign_keys:
            event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    return create_engine(parsed, echo=echo, pool_pre_ping=True)


def make_session_factory(engine: Engine | None = None) -> sessionmaker:
    """2.0-style sessions; objects stay readable after commit (``expire_on_commit=False``).

    Without ``engine`` the factory is bound later (``factory.configure(bind=engine)``):
    the gateway creates its one engine when the app starts.
    """
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any exception, always close."""
    session: Session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
