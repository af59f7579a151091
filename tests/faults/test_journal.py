"""The persistent journal of messages answered with the busy reply."""
from __future__ import annotations

import json
import stat
from pathlib import Path

from bot.conversation.journal import MessageJournal
from bot.store.db import make_engine, make_session_factory


def journal_on(url: str, spool: Path) -> MessageJournal:
    return MessageJournal(make_session_factory(make_engine(url)), spool)


def test_messages_go_to_the_database(migrated_db_url: str, tmp_path: Path) -> None:
    journal = journal_on(migrated_db_url, tmp_path / "spool.jsonl")
    assert journal.record("webchat", "web-a", "事故认定书多久能出", "rasa unavailable: refused")
    assert journal.record("telegram", "42", "谢谢", "rasa returned no reply")
    assert [(e.channel, e.text) for e in journal.entries()] == [
        ("webchat", "事故认定书多久能出"), ("telegram", "谢谢")]
    assert not (tmp_path / "spool.jsonl").exists()
    journal.dispose()


def test_database_down_spools_locally_then_moves_exactly_once(
        migrated_db_url: str, tmp_path: Path) -> None:
    spool = tmp_path / "spool.jsonl"
    down = journal_on(f"sqlite:///{tmp_path / 'unmigrated.db'}", spool)  # no table: fails
    assert not down.record("webchat", "web-b", "第一条", "rasa unavailable")
    assert not down.record("webchat", "web-b", "第二条", "rasa unavailable")
    assert down.spooled() == 2 and stat.S_IMODE(spool.stat().st_mode) == 0o600
    with spool.open("a", encoding="utf-8") as handle:
        handle.write('{"torn": ')  # a crash in the middle of a write
    up = journal_on(migrated_db_url, spool)
    entries = [json.loads(line) for line in spool.read_text().splitlines()[:2]]
    up._insert(entries[:1])  # a previous drain committed one, then crashed before unlinking
    assert up.drain() == 1
    assert not spool.exists() and up.spooled() == 0
    assert [e.text for e in up.entries("web-b")] == ["第一条", "第二条"]
    assert up.drain() == 0
    up.dispose()
    down.dispose()
