"""``python -m bot followup plan|list``: 回访 for operators.

``plan [--delay-hours H]`` queues the satisfaction question for every case answered at
least H hours ago (default FOLLOWUP_DELAY_HOURS) that has not had one — what the
gateway's job runner does every 10 minutes; the gateway's notification worker sends
them.  ``list [--state open|answered|cancelled] [--case XF-…] [--limit N]`` shows each
回访 with its answer, and the count per rating.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from typing import TextIO

from bot.common.clock import Clock, china_time, utc_now
from bot.followup.models import FollowupState
from bot.followup.service import RATING_LABELS, STATE_LABELS, FollowupService, FollowupView
from bot.settings import get_settings
from bot.store.cli import migrated_factory, run_tool, tool_parser

__all__ = ["main"]

MINUTES = "%Y-%m-%d %H:%M"

def build_parser() -> argparse.ArgumentParser:
    parser, commands, common = tool_parser("followup", "回访 / follow-up of answered cases")
    plan = commands.add_parser("plan", parents=[common], help="发出到期的回访 / queue due questions")
    plan.add_argument("--delay-hours", type=float, default=None,
                      help="答复后多少小时回访（默认 FOLLOWUP_DELAY_HOURS）")
    listing = commands.add_parser("list", parents=[common], help="列出回访 / list follow-ups")
    listing.add_argument("--state", choices=FollowupState.ALL, default=None)
    listing.add_argument("--case", default=None, help="案件编号 / case number")
    listing.add_argument("--limit", type=int, default=50)
    return parser


def _line(view: FollowupView) -> str:
    rating = RATING_LABELS.get(view.rating or "", "—")
    answered = china_time(view.answered_at, MINUTES, "—")
    words = f"  “{view.comment}”" if view.comment else ""
    return (f"{view.case_number}  {STATE_LABELS.get(view.state, view.state)}  "
            f"发出 {china_time(view.due_at, MINUTES)}  评价 {rating}  回复 {answered}{words}")


def _run(args: argparse.Namespace, clock: Clock, out: TextIO) -> int:
    hours = get_settings().followup_delay_hours if getattr(args, "delay_hours", None) is None \
        else max(0.0, args.delay_hours)
    with migrated_factory(args) as factory:
        service = FollowupService(factory, clock, delay=timedelta(hours=hours))
        if args.command == "plan":
            count = service.plan()
            print(f"已安排回访 {count} 件 / {count} questions queued", file=out)
            return 0
        views = service.for_case(args.case) if args.case else service.recent(args.state, args.limit)
        views = [view for view in views if args.state is None or view.state == args.state]
        for view in views:
            print(_line(view), file=out)
        ratings = Counter(view.rating for view in views if view.rating)
        summary = "，".join(f"{RATING_LABELS[r]} {n}" for r, n in ratings.items()) or "暂无评价"
        print(f"共 {len(views)} 件（{summary}）/ {len(views)} follow-ups", file=out)
        return 0


def main(argv: Sequence[str] | None = None, *, clock: Clock = utc_now,
         out: TextIO | None = None, err: TextIO | None = None) -> int:
    return run_tool(build_parser(), lambda args, stream: _run(args, clock, stream), argv, out, err)


if __name__ == "__main__":
    sys.exit(main())
