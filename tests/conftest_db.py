"""Database fixtures (pytest plugin, registered in tests/conftest.py).

* ``sqlite_url``   — a fresh SQLite file per test (empty, not migrated).
* ``postgres_url`` — a fresh, empty ``public`` schema per test in a database
  ``petition_test_<random>`` created once per session on 127.0.0.1:5432 (user
  ``postgres``) and dropped at the end; tests *fail* (never skip) when the server, the
  ``test`` database or passwordless access is missing — ``bash scripts/services.sh``
  (run by ``make test``) creates all three.
* ``db_url``       — parametrized over both (ids ``sqlite`` / ``postgresql``).
* ``migrated_db_url`` — ``db_url`` upgraded to the latest migrations.
* ``fake_clock`` / ``case_service`` — a movable clock and a ``CaseService`` on
  ``migrated_db_url`` (fast Argon2 parameters).
"""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from bot.cases.service import CaseService

PG_HOST, PG_PORT, PG_USER, PG_ADMIN_DB = "127.0.0.1", 5432, "postgres", "test"


def _admin_connection():  # type: ignore[no-untyped-def]
    import psycopg2

    connection = psycopg2.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_ADMIN_DB, connect_timeout=3
    )
    connection.autocommit = True
    return connection


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """Create ``petition_test_<random>`` for this session; yields its URL; drops it afterwards."""
    try:
        admin = _admin_connection()
    except Exception as exc:  # noqa: BLE001 - any connection problem fails the PostgreSQL tests
        pytest.fail(f"PostgreSQL is required but not usable at {PG_HOST}:{PG_PORT} (user {PG_USER}, "
                    f"database {PG_ADMIN_DB}, no password): {str(exc).strip()} — run "
                    "`bash scripts/services.sh` (make test does), or deselect with -m 'not postgres'",
                    pytrace=False)
    name = f"petition_test_{secrets.token_hex(6)}"
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()  # a fault test may restart PostgreSQL meanwhile: reconnect to drop
    try:
        yield f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        admin = _admin_connection()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _reset_schema(url: str) -> None:
    import psycopg2

    connection = psycopg2.connect(url, connect_timeout=3)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    connection.close()


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    """The session's PostgreSQL database with an empty ``public`` schema."""
    _reset_schema(postgres_database)
    return postgres_database


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A new SQLite database file in the test's temporary directory."""
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """An empty database on each backend."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return request.getfixturevalue(fixture)


@pytest.fixture
def migrated_db_url(db_url: str) -> str:
    """``db_url`` upgraded to all migration heads."""
    from bot.store.migrate import upgrade

    upgrade(db_url)
    return db_url


class FakeClock:
    """Injectable clock (naive UTC) that tests move forward explicitly."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move forward by ``timedelta(**delta)``."""
        self.now += timedelta(**delta)


@pytest.fixture
def fake_clock() -> FakeClock:
    """2026-03-02 10:00 China time (02:00 UTC)."""
    return FakeClock(datetime(2026, 3, 2, 2, 0))


@pytest.fixture
def case_service(migrated_db_url: str, fake_clock: FakeClock) -> Iterator[CaseService]:
    """A ``CaseService`` on a migrated database (both backends) with a fast hasher."""
    from bot.cases.codes import CodeHasher
    from bot.cases.service import CaseService
    from bot.store.db import make_engine, make_session_factory

    engine = make_engine(migrated_db_url)
    hasher = CodeHasher(time_cost=1, memory_cost=1024)
    yield CaseService(make_session_factory(engine), clock=fake_clock, hasher=hasher)
    engine.dispose()
