"""Dashboard query time on a generated year: ``python -m bench.dashboard``.

Fills fresh databases (SQLite files in a temporary directory, or ``--postgres URL``)
with a year of generated data — ``--per-day`` conversations a day (1,370 ≈ 500,000 a
year) through :func:`bot.dashboard.demo.seed_month`, which also files ~8 % of them as
petitions plus letters/calls/visits (≈ 20,000–40,000 cases) and hands some to officers —
then builds the daily rollup from scratch (:mod:`bot.dashboard.rollup`, timed) and times
:meth:`Dashboard.figures` — the page's queries, rollup refresh included — for the
dashboard's periods (this week, last 30 days, a quarter, the year), each ``--repeat``
times: the first wall time (a first view of the day: each case's deadline is computed,
later views remember them), the best and the median, the best CPU time of this process
(on SQLite the queries' own, whatever else runs on the machine) and the best time of
each section (conversations, 分流, handoffs, cases); ``--direct`` also times the same periods without
the rollup (straight from the events).  Writes ``bench/results/dashboard-<backend>.json``.
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bot.dashboard.demo import seed_month
from bot.dashboard.period import Period
from bot.dashboard.queries import Dashboard, forget_deadlines
from bot.dashboard.rollup import Rollup
from bot.settings import REPO_ROOT
from bot.store.db import make_engine
from bot.store.migrate import upgrade

RESULTS = REPO_ROOT / "bench" / "results"
END = date(2026, 12, 6)
NOW = datetime(2026, 12, 6, 4, 0)


def periods() -> dict[str, Period]:
    return {"本周 week": Period(END - timedelta(days=6), END),
            "近30天 30 days": Period(END - timedelta(days=29), END),
            "一季度 quarter": Period(END - timedelta(days=90), END),
            "全年 year": Period(END - timedelta(days=364), END)}


def fill(url: str, per_day: int, days: int) -> dict[str, float]:
    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    counts = seed_month(engine, engine, END, per_day=per_day, days=days, seed=2026)
    Dashboard(engine, engine).ensure_indexes()
    with engine.connect() as connection:
        events = connection.execute(text("SELECT COUNT(*) FROM events")).scalar_one()
        cases = connection.execute(text("SELECT COUNT(*) FROM cases")).scalar_one()
    engine.dispose()
    return {**counts, "events_rows": events, "cases_rows": cases,
            "fill_seconds": round(time.perf_counter() - started, 1)}


def build_rollup(url: str) -> dict[str, float]:
    """The rollup from scratch (as on the first run after the migration), then a no-op refresh.

    On PostgreSQL then ``ANALYZE`` (the test server runs without autovacuum, and without
    statistics the planner joins a year of diverted senders row by row).
    """
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE dashboard_rollup_state SET last_event_id = 0"))
        rollup = Rollup(engine, engine)
        started = time.perf_counter()
        done = rollup.refresh()
        build = time.perf_counter() - started
        started = time.perf_counter()
        rollup.refresh()
        noop = time.perf_counter() - started
        if engine.dialect.name == "postgresql":  # the planner's statistics, as autovacuum would
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("ANALYZE"))
    finally:
        engine.dispose()
    return {"build_s": round(build, 2), "days": done["days"], "answer_rows": done.get("answers", 0),
            "noop_refresh_s": round(noop, 4)}


SECTIONS = ("conversations", "diversion", "handoffs", "cases")


def _timed(call: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, this process's CPU seconds, result) of ``call()``.

    The machine may be shared, and on SQLite the CPU time is the queries' own.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def _section(dashboard: Dashboard, name: str, period: Period) -> Callable[[], Any]:
    """``figures`` (the page) or one section of it, for ``period`` (personal view)."""
    if name in ("figures", "cases"):
        return lambda: getattr(dashboard, name)(period, personal=True)
    return lambda: getattr(dashboard, name)(period)


def measure(url: str, repeat: int, rollup: bool = True) -> dict[str, dict[str, Any]]:
    """Per period: the whole page and each of its sections, ``repeat`` times.

    The page's best and median wall time and best CPU time; each section's best wall time.
    """
    engine = make_engine(url)
    dashboard = Dashboard(engine, engine, clock=lambda: NOW, rollup=rollup)
    out: dict[str, dict[str, Any]] = {}
    try:
        for name, period in periods().items():
            walls: list[float] = []
            cpus: list[float] = []
            sections: dict[str, list[float]] = {section: [] for section in SECTIONS}
            forget_deadlines()
            for _ in range(repeat):
                wall, cpu, figures = _timed(_section(dashboard, "figures", period))
                walls.append(wall)
                cpus.append(cpu)
                for section in SECTIONS:
                    sections[section].append(_timed(_section(dashboard, section, period))[0])
            out[name] = {"first_s": round(walls[0], 3),  # the first view: nothing remembered yet
                         "best_s": round(min(walls), 3), "median_s": round(statistics.median(walls), 3),
                         "best_cpu_s": round(min(cpus), 3),
                         "sections_best_s": {k: round(min(v), 3) for k, v in sections.items()},
                         "conversations": figures.conversations.conversations,
                         "cases": figures.cases.filed}
    finally:
        engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-day", type=int, default=1370)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", help="an EMPTY PostgreSQL database URL (default: SQLite)")
    parser.add_argument("--sqlite", type=Path, help="SQLite file to keep (reused if it exists)")
    parser.add_argument("--reuse", action="store_true", help="--postgres: the database is already filled")
    parser.add_argument("--direct", action="store_true", help="also time the queries without the rollup")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.postgres or f"sqlite:///{args.sqlite or Path(tmp) / 'bench.db'}"
        reuse = (args.sqlite is not None and args.sqlite.exists()) or (args.postgres and args.reuse)
        filled = {"reused": str(args.sqlite or "postgres")} if reuse else fill(url, args.per_day, args.days)
        if reuse:
            upgrade(url)
        print("generated:", json.dumps(filled, ensure_ascii=False))
        rollup = build_rollup(url)
        print("rollup:", json.dumps(rollup, ensure_ascii=False))
        timings = measure(url, args.repeat)
        direct = measure(url, 1, rollup=False) if args.direct else {}
    backend = "postgresql" if args.postgres else "sqlite"
    for label, table in (("rollup", timings), ("direct", direct)):
        for name, row in table.items():
            sections = "  ".join(f"{k} {v:.3f}" for k, v in row["sections_best_s"].items())
            print(f"{backend:<10} {label:<6} {name:<16} first {row['first_s']:.3f}s  best {row['best_s']:.3f}s  "
                  f"median {row['median_s']:.3f}s  cpu {row['best_cpu_s']:.3f}s  "
                  f"({row['conversations']} conversations, {row['cases']} cases)  [{sections}]")
    for name, row in direct.items():
        if row["conversations"] != timings[name]["conversations"]:
            raise SystemExit(f"{name}: the rollup and the direct queries disagree")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"dashboard-{backend}.json"
    path.write_text(json.dumps({"generated": filled, "rollup": rollup, "timings": timings,
                                "direct_timings": direct, "per_day": args.per_day,
                                "days": args.days}, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written {path.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
