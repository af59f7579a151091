"""The daily rollup gives exactly the figures of the direct queries (SQLite and PostgreSQL),
after a full build, after new (and late) events, and however often it is refreshed."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Iterator, List, Tuple

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bot.dashboard.demo import EventWriter, add_case, seed_month
from bot.dashboard.models import RollupAnswer, RollupChannelDay, RollupDay, RollupState
from bot.dashboard.period import Period
from bot.dashboard.queries import Dashboard, _epoch
from bot.dashboard.rollup import Rollup, day_number
from bot.store.db import make_engine
from tests.dashboard.data import TODAY_UTC, WEEK, cn

END = date(2026, 11, 26)


@pytest.fixture
def engine(migrated_db_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_db_url)
    yield engine
    engine.dispose()


def _pair(engine: Engine) -> Tuple[Dashboard, Dashboard]:
    clock = lambda: TODAY_UTC
    return Dashboard(engine, engine, clock=clock), Dashboard(engine, engine, clock=clock, rollup=False)


def _periods() -> List[Period]:
    return [Period(END - timedelta(days=19), END), Period(END - timedelta(days=6), END),
            Period(END, END), Period(date(2026, 10, 1), date(2026, 12, 20)), WEEK,
            Period(date(2026, 11, 28), date(2026, 12, 2))]


def _same(engine: Engine) -> None:
    rolled, direct = _pair(engine)
    for period in _periods():
        assert rolled.conversations(period) == direct.conversations(period), period
        assert rolled.diversion(period) == direct.diversion(period), period


def _snapshot(engine: Engine) -> List[list]:
    with engine.connect() as c:
        return [sorted(tuple(r) for r in c.execute(select(RollupDay.__table__))),
                sorted(tuple(r) for r in c.execute(select(RollupChannelDay.__table__))),
                sorted((r.day, r.sender_id, r.matter or "", r.accepted or "", r.answers, r.first_at)
                       for r in c.execute(select(RollupAnswer.__table__)))]


def _more_events(engine: Engine) -> None:
    """New events: later days, a sender seen again on a day already rolled up, a late
    event with an old timestamp, a matter answer at midnight, a diverted petitioner."""
    w = EventWriter(engine)
    w.user("late-1", cn(11, 15, 9), "wechat", "describe_matter")  # arrives late
    w.explain("late-1", cn(11, 15, 9), "parking_fee", False)
    w.user("web-s1", cn(12, 1, 10), "webchat", "greet")
    w.user("web-s1", cn(12, 1, 10, 1), "webchat", "describe_matter")
    w.explain("web-s1", cn(12, 1, 10, 1), "parking_fee", False)
    w.user("web-s1", cn(12, 1, 10, 3), "webchat", "request_human")
    w.action("web-s1", cn(12, 1, 10, 3), "action_request_human")
    w.user("o-s3", cn(12, 1, 23, 59), "wechat", "nlu_fallback")
    w.action("o-s3", cn(12, 1, 23, 59), "action_fallback_suggest")
    w.explain("o-s3", cn(12, 2, 0, 0), "penalty_appeal", False)
    w.user("100002", cn(12, 2, 15), "telegram", "describe_matter")
    w.explain("100002", cn(12, 2, 15), None, None)
    w.flush()
    with engine.begin() as c:
        add_case(c, matter="penalty_appeal", received_at=cn(12, 2, 9), sender_id="o-s3",
                 phone="13911112222", name="张三")


def test_rollup_equals_direct_queries_and_updates_incrementally(engine: Engine) -> None:
    seed_month(engine, engine, END, per_day=25, days=20, seed=5)
    rolled, _ = _pair(engine)
    assert rolled.rollup is not None and rolled.rollup.available()
    first = rolled.rollup.refresh()
    assert first["days"] == 20 and first["answers"] > 0
    _same(engine)
    # the same figures on the day a sender first shows up again on a rolled-up day
    w = EventWriter(engine)
    with engine.connect() as c:
        sender = c.execute(select(RollupAnswer.sender_id).where(RollupAnswer.matter.isnot(None))
                           .order_by(RollupAnswer.id)).scalars().first()
        day = c.execute(select(RollupAnswer.day).where(RollupAnswer.sender_id == sender)).scalar()
    again = cn(11, 1, 12) + timedelta(days=day - day_number(_epoch(cn(11, 1, 12))))
    w.user(sender, again, "telegram", "thank")
    w.explain(sender, again, "parking_fee", True)
    w.flush()
    _same(engine)
    _more_events(engine)
    step = rolled.rollup.refresh()
    assert step["days"] > 0 and step["from_day"] <= day_number(_epoch(cn(11, 15, 9)))  # the late event
    assert rolled.rollup.refresh()["days"] == 0
    _same(engine)


def test_refresh_is_idempotent_and_rebuilds_the_same(engine: Engine) -> None:
    seed_month(engine, engine, END, per_day=15, days=8, seed=9)
    _more_events(engine)
    rollup = Rollup(engine, engine)
    rollup.refresh()
    built = _snapshot(engine)
    assert built[0] and built[1] and built[2]
    assert rollup.refresh()["days"] == 0
    assert _snapshot(engine) == built
    with engine.begin() as c:  # pretend only half the events were summarised
        mark = c.execute(select(RollupState.last_event_id)).scalar_one()
        c.execute(update(RollupState).values(last_event_id=mark // 2))
    assert rollup.refresh()["days"] > 0
    assert _snapshot(engine) == built
    with engine.begin() as c:  # and none
        c.execute(update(RollupState).values(last_event_id=0))
    rollup.refresh()
    assert _snapshot(engine) == built
    _same(engine)


def test_separate_tracker_database(tmp_path) -> None:
    from bot.store.migrate import upgrade

    app_url, tracker_url = f"sqlite:///{tmp_path / 'app.db'}", f"sqlite:///{tmp_path / 'tracker.db'}"
    upgrade(app_url)
    app, tracker = make_engine(app_url), make_engine(tracker_url)
    try:
        seed_month(tracker, app, END, per_day=10, days=5, seed=3)
        clock = lambda: TODAY_UTC
        rolled, direct = Dashboard(tracker, app, clock=clock), Dashboard(tracker, app, clock=clock, rollup=False)
        period = Period(END - timedelta(days=6), END)
        assert rolled.conversations(period) == direct.conversations(period)
        assert rolled.diversion(period) == direct.diversion(period)
        assert rolled.conversations(period).conversations > 0
    finally:
        app.dispose()
        tracker.dispose()


def test_concurrent_page_reads_refresh_once(engine: Engine) -> None:
    """A page's charts are fetched together: concurrent refreshes neither fail nor double."""
    from concurrent.futures import ThreadPoolExecutor

    seed_month(engine, engine, END, per_day=10, days=5, seed=4)
    rolled, direct = _pair(engine)
    period = Period(END - timedelta(days=6), END)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: rolled.conversations(period), range(4)))
    assert all(r == direct.conversations(period) for r in results)
    assert rolled.diversion(period) == direct.diversion(period)
