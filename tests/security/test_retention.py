"""Conversations and journalled messages are purged after the retention period."""
from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.__main__ import main as bot_main
from bot.conversation.journal import MessageJournal
from bot.retention import purge
from bot.settings import Settings
from bot.store.db import make_engine, make_session_factory

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def store_conversation(url: str, sender: str, when: datetime) -> None:
    """A real Rasa conversation written by our tracker store, with timestamps ``when``."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.launch.tracker_store import GuardedSQLTrackerStore

    store = GuardedSQLTrackerStore(Domain.empty(), dialect="sqlite", db=url.split("///", 1)[1])
    tracker = DialogueStateTracker.from_events(
        sender, [UserUttered("你好", timestamp=when.timestamp()),
                 UserUttered("事故认定书多久能出", timestamp=when.timestamp() + 5)])
    asyncio.run(store.save(tracker))
    store.engine.dispose()


def senders(url: str) -> set:
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT DISTINCT sender_id FROM events")).scalars().all()
    engine.dispose()
    return set(rows)


def test_old_conversations_and_journal_entries_are_purged(tmp_path: Path,
                                                           migrated_db_url: str) -> None:
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store_conversation(tracker_url, "old", NOW - timedelta(days=200))
    store_conversation(tracker_url, "recent", NOW - timedelta(days=3))
    engine = make_engine(migrated_db_url)
    factory = make_session_factory(engine)
    old_journal = MessageJournal(factory, tmp_path / "spool", clock=lambda: NOW - timedelta(days=181))
    new_journal = MessageJournal(factory, tmp_path / "spool", clock=lambda: NOW - timedelta(days=1))
    assert old_journal.record("webchat", "old", "电话13812345678", "rasa unavailable")
    assert new_journal.record("webchat", "recent", "你好", "rasa unavailable")
    settings = dataclasses.replace(Settings(), tracker_store_url=tracker_url,
                                   database_url=migrated_db_url, retention_days=180)

    dry = purge(settings, now=NOW, dry_run=True)
    assert (dry.conversations, dry.events, dry.journal) == (1, 2, 1)
    assert senders(tracker_url) == {"old", "recent"}

    report = purge(settings, now=NOW)
    assert (report.conversations, report.journal) == (1, 1)
    assert senders(tracker_url) == {"recent"}
    assert [e.sender_id for e in new_journal.entries()] == ["recent"]
    assert purge(settings, now=NOW).conversations == 0  # nothing left to purge
    engine.dispose()


def test_purge_cli_on_an_empty_deployment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    monkeypatch.setenv("RETENTION_DAYS", "30")
    from bot import settings as settings_module
    settings_module.get_settings.cache_clear()
    try:
        assert bot_main(["privacy", "purge", "--dry-run"]) == 0
    finally:
        settings_module.get_settings.cache_clear()
    assert "保留期限 30 天" in capsys.readouterr().out
