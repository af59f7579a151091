"""The daily rollup gives exactly the figures of the direct queries (SQLite and PostgreSQL),
after a full build, after new (and late) events, and however often it is refreshed."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bot.dashboard.demo import EventWriter, add_case, ensure_events_table, seed_month
from bot.dashboard.models import (
    RollupAnswer,
    RollupChannelDay,
    RollupDay,
    RollupDiverted,
    RollupHuman,
    RollupSenders,
    RollupState,
)
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


def _today() -> datetime:
    return TODAY_UTC


def _pair(engine: Engine) -> tuple[Dashboard, Dashboard]:
    return Dashboard(engine, engine, clock=_today), Dashboard(engine, engine, clock=_today, rollup=False)


def _periods() -> list[Period]:
    return [Period(END - timedelta(days=19), END), Period(END - timedelta(days=6), END),
            Period(END, END), Period(date(2026, 10, 1), date(2026, 12, 20)), WEEK,
            Period(date(2026, 11, 28), date(2026, 12, 2)),
            # around the repeat senders (_repeat_senders_before / _after)
            Period(date(2026, 11, 20), date(2026, 11, 22)), Period(date(2026, 11, 21), date(2026, 11, 23)),
            Period(date(2026, 11, 22), date(2026, 11, 24)), Period(date(2026, 11, 19), date(2026, 11, 25))]


def _same(engine: Engine) -> None:
    rolled, direct = _pair(engine)
    for period in _periods():
        assert rolled.conversations(period) == direct.conversations(period), period
        assert rolled.diversion(period) == direct.diversion(period), period


def _snapshot(engine: Engine) -> list[list]:
    s = RollupSenders
    with engine.connect() as c:
        return [sorted(tuple(r) for r in c.execute(select(RollupDay.__table__))),
                sorted(tuple(r) for r in c.execute(select(RollupChannelDay.__table__))),
                sorted((r.day, r.sender_id, r.matter or "", r.accepted or "", r.answers, r.first_at)
                       for r in c.execute(select(RollupAnswer.__table__))),
                sorted((tuple(r) for r in c.execute(select(RollupDiverted.__table__))), key=repr),
                sorted(tuple(r) for r in c.execute(select(RollupHuman.__table__))),
                sorted((tuple(r) for r in c.execute(
                    select(s.kind, s.day, s.prev_day, s.matter, s.accepted, s.senders, s.answers))), key=repr)]


def _repeat_senders_before(engine: Engine) -> None:
    """Senders diverted again on later days (the second half: :func:`_repeat_senders_after`)."""
    w = EventWriter(engine)
    w.user("rep-1", cn(11, 20, 9), "webchat", "describe_matter")
    w.explain("rep-1", cn(11, 20, 9), "parking_fee", False)
    w.action("rep-1", cn(11, 21, 9), "action_request_human")
    w.user("rep-2", cn(11, 19, 9), "wechat", "describe_matter")
    w.explain("rep-2", cn(11, 19, 9), "penalty_appeal", False)
    # a matter answer split over midnight: its accepted flag comes in the next refresh
    w.action("mid-1", cn(11, 21, 23, 59), "action_explain_matter")
    w.slot("mid-1", cn(11, 21, 23, 59) + timedelta(seconds=59.9), "matter", "parking_fee")
    w.flush()


def _repeat_senders_after(engine: Engine) -> None:
    """rep-1: diverted again (a lesser matter) after asking for a person, then an accepted
    matter; rep-2: diverted again, then petitions; mid-1: the pair's second half."""
    w = EventWriter(engine)
    w.slot("mid-1", cn(11, 22, 0, 0) + timedelta(seconds=0.1), "matter_accepted", False)
    w.user("rep-1", cn(11, 22, 9), "webchat", "describe_matter")
    w.explain("rep-1", cn(11, 22, 9), "highway_toll", False)
    w.explain("rep-1", cn(11, 24, 9), "accident_determination", True)
    w.user("rep-2", cn(11, 23, 9), "wechat", "describe_matter")
    w.explain("rep-2", cn(11, 23, 9), "penalty_appeal", False)
    w.flush()
    with engine.begin() as c:
        add_case(c, matter="penalty_appeal", received_at=cn(11, 25, 9), sender_id="rep-2",
                 phone="13955556666", name="王五")


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
    _repeat_senders_before(engine)
    rolled, _ = _pair(engine)
    assert rolled.rollup is not None and rolled.rollup.available()
    first = rolled.rollup.refresh()
    assert first["days"] == 20 and first["answers"] > 0
    _same(engine)
    _repeat_senders_after(engine)  # their earlier days are already rolled up
    assert rolled.rollup.refresh()["from_day"] == day_number(_epoch(cn(11, 21, 0)))  # the split pair
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
    _repeat_senders_before(engine)
    _repeat_senders_after(engine)
    _more_events(engine)
    rollup = Rollup(engine, engine)
    rollup.refresh()
    built = _snapshot(engine)
    assert all(built)
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
        rolled, direct = Dashboard(tracker, app, clock=_today), Dashboard(tracker, app, clock=_today, rollup=False)
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


@pytest.mark.parametrize("rollup", [True, False], ids=["rollup", "direct"])
def test_repeat_senders_count_once_per_period(engine: Engine, rollup: bool) -> None:
    """Exact figures for senders seen on several days: counted once, on their first day in
    the period, under their least matter there, acting after that first answer or not."""
    ensure_events_table(engine)
    _repeat_senders_before(engine)
    if rollup:
        Rollup(engine, engine).refresh()  # the second half in a later refresh
    _repeat_senders_after(engine)
    dashboard = Dashboard(engine, engine, clock=lambda: TODAY_UTC, rollup=rollup)
    d = dashboard.diversion(Period(date(2026, 11, 20), date(2026, 11, 22)))
    # rep-1 (20th; its least matter there: highway_toll on the 22nd; asked on the 21st)
    # and mid-1 (the 21st: the pair counts on its matter's day)
    assert (d.answered, d.diverted, d.asked_person, d.petitioned, d.either) == (2, 2, 1, 0, 1)
    assert d.by_matter == {"highway_toll": 1, "parking_fee": 1}
    assert d.per_day == {date(2026, 11, 20): (1, 1), date(2026, 11, 21): (1, 0), date(2026, 11, 22): (0, 0)}
    d = dashboard.diversion(Period(date(2026, 11, 22), date(2026, 11, 24)))
    # rep-1 from the 22nd (its request for a person came before), rep-2 on the 23rd (petitions on the 25th)
    assert (d.answered, d.diverted, d.asked_person, d.petitioned, d.either) == (2, 2, 0, 1, 1)
    assert d.by_matter == {"highway_toll": 1, "penalty_appeal": 1}
    assert d.per_day == {date(2026, 11, 22): (1, 0), date(2026, 11, 23): (1, 1), date(2026, 11, 24): (0, 0)}
    c = dashboard.conversations(Period(date(2026, 11, 19), date(2026, 11, 25)))
    assert [(m.matter, m.accepted, m.conversations, m.answers) for m in c.matters] == [
        ("parking_fee", False, 2, 2),      # rep-1 (20th), mid-1 (21st)
        ("penalty_appeal", False, 1, 2),   # rep-2 on two days: one sender
        ("accident_determination", True, 1, 1),
        ("highway_toll", False, 1, 1),
    ]
