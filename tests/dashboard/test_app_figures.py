"""The application database's figures equal their row-by-row definitions on generated data
(SQLite and PostgreSQL): the cases figures (computed in one pass over the period's rows)
and the handoff waiting percentiles (picked in SQL by exact microseconds)."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import and_, select, update
from sqlalchemy.engine import Engine

from bot.cases.deadlines import next_deadline
from bot.cases.models import Case
from bot.common.clock import local_date
from bot.dashboard.demo import add_handoff, seed_month
from bot.dashboard.period import Period
from bot.dashboard.queries import Dashboard, percentile
from bot.handoff.models import Handoff
from bot.store.db import make_engine
from tests.dashboard.data import TODAY_UTC

END = date(2026, 12, 6)


@pytest.fixture
def engine(migrated_db_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_db_url)
    seed_month(engine, engine, END, per_day=12, days=40, seed=11)
    yield engine
    engine.dispose()


def _reference(engine: Engine, period: Period) -> dict[str, Any]:
    """Case by case, from whole rows (the definitions on the page)."""
    today = local_date(TODAY_UTC)
    in_period = and_(Case.received_at >= period.start, Case.received_at < period.end)
    per_week: Counter = Counter()
    deadlines: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    overdue: list[tuple[str, str, str, date]] = []
    status: Counter = Counter()
    funnel = Counter()
    with engine.connect() as c:
        rows = c.execute(select(Case.__table__).where(in_period)).all()
        numbers = defaultdict(list)
        for phone, number in c.execute(select(Case.petitioner_phone, Case.case_number)
                                       .where(in_period).order_by(Case.case_number)):
            numbers[phone].append(number)
    for row in rows:
        year, week, _ = local_date(row.received_at).isocalendar()
        per_week[(f"{year}-W{week:02d}", row.matter, str(getattr(row.channel, "value", row.channel)))] += 1
        value = str(getattr(row.status, "value", row.status))
        status[value] += 1
        funnel.update(received=1, accepted=row.accepted_at is not None,
                      answered=row.answered_at is not None, closed=value == "closed")
        deadline = next_deadline(row, today)
        if deadline is not None:
            deadlines[deadline.label][deadline.overdue] += 1
            if deadline.overdue:
                overdue.append((row.case_number, row.matter, deadline.label, deadline.due_date))
    return {"filed": len(rows), "per_week": dict(per_week), "by_status": dict(status),
            "funnel": {k: funnel[k] for k in ("received", "accepted", "answered", "closed")},
            "deadlines": {k: tuple(v) for k, v in deadlines.items()},
            "overdue": sorted(overdue, key=lambda item: (item[3], item[0])),
            "numbers": {p: tuple(n) for p, n in numbers.items() if len(n) > 1}}


def test_case_figures_equal_the_case_by_case_definition(engine: Engine) -> None:
    dashboard = Dashboard(engine, engine, clock=lambda: TODAY_UTC)
    for days in (7, 30, 40):
        period = Period(END - timedelta(days=days - 1), END)
        expected = _reference(engine, period)
        k = dashboard.cases(period, personal=True)
        assert k.filed == expected["filed"] > 0
        assert k.per_week == expected["per_week"]
        assert k.by_status == expected["by_status"]
        assert k.funnel == expected["funnel"]
        assert k.deadlines == expected["deadlines"] and k.overdue_total > 0
        assert k.overdue == expected["overdue"]
        phones = [r for r in k.repeats if r.kind == "phone"]
        assert phones and all(len(r.cases) == r.count for r in phones)
        assert sorted(r.cases for r in phones) == sorted(expected["numbers"].values())
    assert len(k.by_status) >= 6 and len(k.deadlines) >= 3  # the 40 days: most statuses
    with engine.begin() as c:  # cases change after being shown: their deadlines follow
        c.execute(update(Case).where(Case.status == "accepted").values(extension_days=30))
        c.execute(update(Case).where(Case.status == "received").values(status="closed"))
    changed = dashboard.cases(period, personal=True)
    assert (changed.deadlines, changed.overdue) == (_reference(engine, period)["deadlines"],
                                                   _reference(engine, period)["overdue"])
    assert changed.deadlines != k.deadlines
    with engine.begin() as c:  # 复核 with a hearing (第三十六条第二款): under way, or finished
        c.execute(update(Case).where(Case.status.in_(["answered", "review"])).values(
            status="recheck", review_requested_at=Case.answered_at, recheck_requested_at=Case.answered_at,
            hearing_started_at=Case.answered_at))
        c.execute(update(Case).where(Case.status == "recheck", Case.id % 2 == 0).values(hearing_days=20))
    heard = dashboard.cases(period, personal=True)
    assert (heard.deadlines, heard.overdue) == (_reference(engine, period)["deadlines"],
                                               _reference(engine, period)["overdue"])
    assert any("听证" in label for label in heard.deadlines)


def test_handoff_wait_percentiles_to_the_microsecond(engine: Engine) -> None:
    start = datetime(2026, 12, 1, 2, 0, 0, 999_999)
    with engine.begin() as c:  # waits that differ by a microsecond, over a second boundary
        for index, micros in enumerate((1, 999_999, 1_000_000, 1_000_001, 86_400_000_001)):
            add_handoff(c, sender_id=f"exact-{index}", created_at=start,
                        claimed_at=start + timedelta(microseconds=micros))
    dashboard = Dashboard(engine, engine, clock=lambda: TODAY_UTC)
    for first, last in ((date(2026, 12, 1), date(2026, 12, 1)), (END - timedelta(days=39), END),
                        (date(2025, 1, 1), date(2025, 1, 2))):
        period = Period(first, last)
        with engine.connect() as c:
            rows = c.execute(select(Handoff.created_at, Handoff.claimed_at).where(
                Handoff.created_at >= period.start, Handoff.created_at < period.end)).all()
        waits = [(b - a).total_seconds() for a, b in rows if b is not None]
        h = dashboard.handoffs(period)
        assert (h.total, h.claimed) == (len(rows), len(waits))
        assert (h.wait_p50, h.wait_p95) == (percentile(waits, 50), percentile(waits, 95))
    assert dashboard.handoffs(Period(date(2026, 12, 1), date(2026, 12, 1))).wait_p50 == 1.0
