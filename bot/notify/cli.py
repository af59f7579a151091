"""``python -m bot notify list|retry``: the notification outbox for operators.

``list [--state pending|sent|failed|suppressed] [--case XF-…] [--limit N]`` shows rows
with their delivery state; ``retry [ID …]`` makes failed rows (all, or the given ids)
pending again — the gateway's worker sends them on its next pass.
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Optional, Sequence, TextIO

from alembic.util.exc import CommandError
from sqlalchemy.exc import SQLAlchemyError

from bot.common.clock import CHINA_TZ, Clock, utc_now
from bot.notify.models import State
from bot.notify.outbox import STATE_LABELS, Delivery, OutboxStore
from bot.settings import get_settings
from bot.store.db import make_engine, make_session_factory
from bot.store.migrate import upgrade

__all__ = ["main"]

_CST = CHINA_TZ.utcoffset(None)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, help="database URL (default: DATABASE_URL)")
    parser = argparse.ArgumentParser(prog="python -m bot notify", parents=[common],
                                     description="信访人通知 / status notifications (outbox)")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", parents=[common], help="列出通知 / list notifications")
    listing.add_argument("--state", choices=State.ALL, default=None)
    listing.add_argument("--case", default=None, help="案件编号 / case number")
    listing.add_argument("--limit", type=int, default=50)
    retry = commands.add_parser("retry", parents=[common], help="重试发送失败的通知 / retry failed notifications")
    retry.add_argument("ids", nargs="*", type=int, help="通知编号（默认全部失败的）/ ids (default: all failed)")
    return parser


def _local(moment: Optional[datetime]) -> str:
    """Naive UTC -> China time, for people reading the list."""
    return "—" if moment is None else (moment + _CST).strftime("%Y-%m-%d %H:%M")


def _line(row: Delivery) -> str:
    error = f"  ({row.last_error})" if row.last_error and row.state != State.SENT else ""
    return (f"#{row.id}  {row.case_number}  {row.kind}:{row.status}  {row.channel}  "
            f"{row.state} {STATE_LABELS.get(row.state, '')}  尝试 {row.attempts}  "
            f"生成 {_local(row.created_at)}  送达 {_local(row.sent_at)}{error}")


def _run(args: argparse.Namespace, clock: Clock, out: TextIO) -> int:
    url = getattr(args, "db", None) or get_settings().database_url
    upgrade(url)
    engine = make_engine(url)
    try:
        store = OutboxStore(make_session_factory(engine), clock)
        if args.command == "list":
            rows = store.for_case(args.case) if args.case else store.list(args.state, args.limit)
            rows = [row for row in rows if args.state is None or row.state == args.state]
            for row in rows:
                print(_line(row), file=out)
            print(f"共 {len(rows)} 条 / {len(rows)} notifications", file=out)
            return 0
        count = store.retry(args.ids or None)
        print(f"已重新排队 {count} 条 / {count} requeued", file=out)
        return 0 if count or not args.ids else 1
    finally:
        engine.dispose()


def main(argv: Optional[Sequence[str]] = None, *, clock: Clock = utc_now,
         out: Optional[TextIO] = None, err: Optional[TextIO] = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        return _run(args, clock, out)
    except (SQLAlchemyError, CommandError) as exc:
        detail = (str(exc).splitlines() or [""])[0][:200]
        print(f"数据库不可用 / database unavailable: {type(exc).__name__}: {detail}", file=err)
        return 3


if __name__ == "__main__":
    sys.exit(main())
