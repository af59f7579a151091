"""``python -m bot dashboard …``: demo data, figures on the terminal, query benchmark.

* ``demo [--days 30] [--end YYYY-MM-DD] [--force]`` — a realistic month in the local
  databases (``DATABASE_URL`` migrated first, ``TRACKER_STORE_URL``); run by ``make demo``;
* ``index`` — create the indexes the dashboard uses on Rasa's ``events`` table;
* ``show [--week 2026-W49 | --from … --to …]`` — the headline figures as text.

Exit codes: 0 ok (also when the demo data is already there: nothing is written twice);
2 usage error.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.accounts.models import Officer
from bot.common.clock import local_date, utc_now
from bot.dashboard.demo import OFFICERS, seed_month
from bot.dashboard.period import Period, PeriodError, iso_week
from bot.dashboard.queries import Dashboard
from bot.dashboard.rollup import Rollup
from bot.dashboard.tables import tables
from bot.knowledge import default_knowledge
from bot.settings import get_settings
from bot.store.db import make_engine
from bot.store.migrate import upgrade

__all__ = ["chosen_period", "dashboard_engines", "main", "period_arguments"]


def period_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--week", help="ISO week, e.g. 2026-W49")
    parser.add_argument("--from", dest="first", help="first day YYYY-MM-DD")
    parser.add_argument("--to", dest="last", help="last day YYYY-MM-DD")


@contextmanager
def dashboard_engines() -> Iterator[tuple[Engine, Engine]]:
    """The (tracker store, application database) engines from the settings, disposed on leaving.

    One engine serves both when the two URLs name the same database.
    """
    settings = get_settings()
    app = make_engine(settings.database_url)
    same = settings.tracker_store_url == settings.database_url
    tracker = app if same else make_engine(settings.tracker_store_url)
    try:
        yield tracker, app
    finally:
        app.dispose()
        if not same:
            tracker.dispose()


def chosen_period(args: argparse.Namespace) -> Period:
    if args.week:
        return iso_week(args.week)
    if args.first or args.last:
        try:
            return Period(date.fromisoformat(args.first or ""), date.fromisoformat(args.last or ""))
        except ValueError:
            raise PeriodError("--from/--to 须为 YYYY-MM-DD") from None
    return Period.last_30_days(utc_now())


def _demo(args: argparse.Namespace) -> int:
    upgrade(get_settings().database_url)
    with dashboard_engines() as (tracker, app):
        with app.connect() as connection:
            there = connection.execute(select(Officer.id).where(Officer.username == OFFICERS[0][0])).first()
        if there is not None and not args.force:
            print("演示数据已存在，未重复写入（--force 再写一遍）/ demo data already loaded (use --force)")
            return 0
        end = date.fromisoformat(args.end) if args.end else local_date(utc_now())
        counts = seed_month(tracker, app, end, days=args.days, seed=args.seed)
        Dashboard(tracker, app).ensure_indexes()
    print(f"演示数据已写入（截至 {end}，{args.days} 天）：对话 {counts['conversations']}，"
          f"信访件 {counts['cases']}，人工接管 {counts['handoffs']}，事件 {counts['events']}。"
          " 打开 /console/dashboard 查看。")
    return 0


def _show(args: argparse.Namespace) -> int:
    with dashboard_engines() as (tracker, app):
        figures = Dashboard(tracker, app).figures(chosen_period(args))
    print(figures.period.label)
    summary = tables(figures, {r.id: r.label for r in default_knowledge()})[0]
    for name, value in summary.rows:
        print(f"  {name}: {value}")
    return 0


def _index(args: argparse.Namespace) -> int:
    with dashboard_engines() as (tracker, app):
        made = Dashboard(tracker, app).ensure_indexes()
    print("索引已就绪 / indexes ready: " + (", ".join(made) if made else "（还没有 events 表 / no events table yet）"))
    return 0


def _rollup(args: argparse.Namespace) -> int:
    with dashboard_engines() as (tracker, app):
        rollup = Rollup(tracker, app)
        if not rollup.available():
            print("还没有 events 表或汇总表（先迁移）/ no events table or rollup tables yet (migrate first)")
            return 1
        done = rollup.refresh()
    print(f"汇总已更新 / rollup refreshed: {done['days']} days, up to event {done['last_event_id']}, "
          f"{done['seconds']:.1f}s")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot dashboard", description="领导看板 / dashboard")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="写入一个月的演示数据 / load a month of demo data")
    demo.add_argument("--days", type=int, default=30)
    demo.add_argument("--end", help="last day (China date), default today")
    demo.add_argument("--seed", type=int, default=17)
    demo.add_argument("--force", action="store_true")
    sub.add_parser("index", help="为看板查询建立 events 表索引 / create the events indexes")
    sub.add_parser("rollup", help="更新看板的每日汇总 / refresh the daily rollup (first run: all events)")
    show = sub.add_parser("show", help="显示主要指标 / print the headline figures")
    period_arguments(show)
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        return {"demo": _demo, "index": _index, "rollup": _rollup, "show": _show}[args.command](args)
    except PeriodError as error:
        print(f"用法错误 / usage error: {error}", file=sys.stderr)
        return 2
