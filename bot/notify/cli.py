"""``python -m bot notify list|retry``: the notification outbox for operators.

``list [--state pending|sent|failed|suppressed] [--case XF-…] [--limit N]`` shows rows
with their delivery state; ``retry [ID …]`` makes failed rows (all, or the given ids)
pending again — the gateway's worker sends them on its next pass.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from bot.common.clock import Clock, china_time, utc_now
from bot.notify.models import State
from bot.notify.outbox import STATE_LABELS, Delivery, OutboxStore
from bot.store.cli import migrated_factory, run_tool, tool_parser

__all__ = ["main"]

MINUTES = "%Y-%m-%d %H:%M"

def build_parser() -> argparse.ArgumentParser:
    parser, commands, common = tool_parser("notify", "信访人通知 / status notifications (outbox)")
    listing = commands.add_parser("list", parents=[common], help="列出通知 / list notifications")
    listing.add_argument("--state", choices=State.ALL, default=None)
    listing.add_argument("--case", default=None, help="案件编号 / case number")
    listing.add_argument("--limit", type=int, default=50)
    retry = commands.add_parser("retry", parents=[common], help="重试发送失败的通知 / retry failed notifications")
    retry.add_argument("ids", nargs="*", type=int, help="通知编号（默认全部失败的）/ ids (default: all failed)")
    return parser


def _line(row: Delivery) -> str:
    error = f"  ({row.last_error})" if row.last_error and row.state != State.SENT else ""
    return (f"#{row.id}  {row.case_number}  {row.kind}:{row.status}  {row.channel}  "
            f"{row.state} {STATE_LABELS.get(row.state, '')}  尝试 {row.attempts}  "
            f"生成 {china_time(row.created_at, MINUTES, '—')}  送达 {china_time(row.sent_at, MINUTES, '—')}{error}")


def _run(args: argparse.Namespace, clock: Clock, out: TextIO) -> int:
    with migrated_factory(args) as factory:
        store = OutboxStore(factory, clock)
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


def main(argv: Sequence[str] | None = None, *, clock: Clock = utc_now,
         out: TextIO | None = None, err: TextIO | None = None) -> int:
    return run_tool(build_parser(), lambda args, stream: _run(args, clock, stream), argv, out, err)


if __name__ == "__main__":
    sys.exit(main())
