"""Alembic migrations upgrade to head on SQLite and PostgreSQL and match the models."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bot.store.db import REPO_ROOT, make_engine
from bot.store.migrate import current, head_revisions, upgrade
from bot.store.models import metadata

CASE_TABLES = {"cases", "case_events", "case_verification_attempts"}


def test_upgrade_creates_case_tables(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        tables = set(inspect(engine).get_table_names())
        unique = {c["name"] for c in inspect(engine).get_unique_constraints("cases")}
    finally:
        engine.dispose()
    assert tables >= CASE_TABLES
    assert {"uq_cases_case_number", "uq_cases_year_seq"} <= unique
    assert current(db_url) == head_revisions()


def test_upgrade_is_idempotent(db_url: str) -> None:
    upgrade(db_url)
    upgrade(db_url)
    assert current(db_url) == head_revisions()


def test_models_match_migrations(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_downgrade_to_base_and_back(db_url: str) -> None:
    from alembic import command

    from bot.store.migrate import alembic_config

    upgrade(db_url)
    command.downgrade(alembic_config(db_url), "base")
    engine = make_engine(db_url)
    try:
        assert not CASE_TABLES & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    upgrade(db_url)
    assert current(db_url) == head_revisions()


def test_sqlite_foreign_keys_are_enforced(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_relative_sqlite_url_resolves_against_repo_root() -> None:
    from bot.store.db import DEFAULT_SQLITE_URL, normalise_url

    assert f"sqlite:///{REPO_ROOT / 'var' / 'app.db'}" == DEFAULT_SQLITE_URL
    assert normalise_url("sqlite:///var/app.db").database == str(REPO_ROOT / "var" / "app.db")


def test_alembic_command_line_with_x_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    alembic = Path(sys.executable).with_name("alembic")
    result = subprocess.run(
        [str(alembic), "-x", f"url={url}", "upgrade", "heads"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert current(url) == head_revisions()
