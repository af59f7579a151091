"""SQLite files our code creates hold personal data: mode 0600."""
from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import text

from bot.store.db import make_engine


def test_new_sqlite_files_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a typical umask would give 0644
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'app.db'}")
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
        engine.dispose()
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "var" / "app.db").stat().st_mode) == 0o600


def test_existing_files_and_memory_databases_are_left_alone(tmp_path: Path) -> None:
    existing = tmp_path / "shared.db"
    existing.touch(mode=0o640)
    os.chmod(existing, 0o640)
    make_engine(f"sqlite:///{existing}").dispose()
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640
    make_engine("sqlite://").dispose()
    make_engine("sqlite:///:memory:").dispose()
