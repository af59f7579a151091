"""Purge conversations and journalled messages after the retention period.

Rasa keeps every conversation forever; citizens' messages (even masked) should not
outlive their use. ``python -m bot privacy purge`` (daily, e.g. from cron or a
systemd timer) deletes every conversation whose *last* event is older than
``RETENTION_DAYS`` (default 180) from the tracker store, and journalled messages
older than that from our database. Cases are kept: they follow the archive rules.
"""
from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect, text

from bot.settings import Settings, get_settings
from bot.store.db import make_engine

_STALE_SENDERS = ("SELECT sender_id FROM events GROUP BY sender_id "
                  "HAVING MAX(timestamp) < :cutoff")


@dataclass(frozen=True)
class PurgeReport:
    conversations: int
    events: int
    journal: int


def _purge_tracker(url: str, cutoff: datetime, dry_run: bool) -> tuple[int, int]:
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("events"):
            return 0, 0
        stamp = {"cutoff": cutoff.timestamp()}
        with engine.begin() as connection:
            senders = connection.execute(text(_STALE_SENDERS), stamp).scalars().all()
            count = f"SELECT COUNT(*) FROM events WHERE sender_id IN ({_STALE_SENDERS})"  # noqa: S608 - constant
            events = connection.execute(text(count), stamp).scalar_one()
            if not dry_run:
                delete = f"DELETE FROM events WHERE sender_id IN ({_STALE_SENDERS})"  # noqa: S608 - constant
                connection.execute(text(delete), stamp)
        return len(senders), int(events)
    finally:
        engine.dispose()


def _purge_journal(url: str, cutoff: datetime, dry_run: bool) -> int:
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("message_journal"):
            return 0
        naive = {"cutoff": cutoff.astimezone(UTC).replace(tzinfo=None)}
        with engine.begin() as connection:
            count = connection.execute(text(
                "SELECT COUNT(*) FROM message_journal WHERE received_at < :cutoff"), naive).scalar_one()
            if not dry_run:
                connection.execute(text("DELETE FROM message_journal WHERE received_at < :cutoff"),
                                   naive)
        return int(count)
    finally:
        engine.dispose()


def purge(settings: Settings, now: datetime | None = None, dry_run: bool = False) -> PurgeReport:
    """Delete what is older than the retention period; returns what was (or would be) deleted."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=settings.retention_days)
    conversations, events = _purge_tracker(settings.tracker_store_url, cutoff, dry_run)
    journal = _purge_journal(settings.database_url, cutoff, dry_run)
    return PurgeReport(conversations, events, journal)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot privacy",
                                     description="个人信息保留期限 / data retention")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("purge", help="删除超过保留期限的会话和消息记录")
    command.add_argument("--dry-run", action="store_true", help="只统计，不删除")
    args = parser.parse_args(argv)
    settings = get_settings()
    report = purge(settings, dry_run=args.dry_run)
    verb = "将删除" if args.dry_run else "已删除"
    print(f"保留期限 {settings.retention_days} 天：{verb} {report.conversations} 个会话"
          f"（{report.events} 条事件）、{report.journal} 条暂存消息。")
    return 0
