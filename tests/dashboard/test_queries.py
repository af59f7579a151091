"""The aggregation queries on SQLite and PostgreSQL, with exact numbers from tests/dashboard/data.py."""
from __future__ import annotations

from datetime import date

import pytest

from bot.dashboard.period import Period, PeriodError, iso_week, period_from_query
from bot.dashboard.queries import Dashboard, MatterCount, percentile, phone_hash
from tests.dashboard.data import P1, TODAY_UTC, WEEK

D = date


def test_conversations_per_day_by_channel(dashboard: Dashboard) -> None:
    c = dashboard.conversations(WEEK)
    assert c.per_day == {
        (D(2026, 12, 1), "webchat"): (1, 3),   # s1: greet, describe, request_human
        (D(2026, 12, 1), "telegram"): (2, 3),  # s2 (2 messages) and s7 at 00:30 China time
        (D(2026, 12, 2), "wechat"): (1, 2),    # s3
        (D(2026, 12, 2), "webchat"): (1, 1),   # s4
        (D(2026, 12, 3), "webchat"): (2, 2),   # s4 again, s6
    }
    assert (c.conversations, c.messages) == (7, 11)  # sender-days; s5 and s8 are outside the week
    assert (c.fallbacks, c.not_understood) == (1, 1)
    assert (c.matter_answers, c.clarifications) == (6, 1)
    assert c.clarification_rate == pytest.approx(1 / 7)
    assert c.fallback_rate == pytest.approx(1 / 11)


def test_matters_accepted_and_not(dashboard: Dashboard) -> None:
    assert dashboard.conversations(WEEK).matters == [
        MatterCount("parking_fee", False, 2, 2),
        MatterCount("accident_determination", True, 1, 1),
        MatterCount("driving_license", True, 1, 1),
        MatterCount("highway_toll", False, 1, 1),
        MatterCount("penalty_appeal", False, 1, 1),
    ]


def test_diversion_and_what_came_after(dashboard: Dashboard) -> None:
    d = dashboard.diversion(WEEK)
    assert d.answered == 6            # s1 s2 s3 s4 s6 s7
    assert d.diverted == 4            # s1 s3 s4 s6
    assert d.asked_person == 1        # s1 asked for a person after the answer
    assert d.petitioned == 1          # s3 filed after the answer; s6's case came before it
    assert d.either == 2
    assert d.rate == pytest.approx(4 / 6)
    assert d.still_rate == pytest.approx(2 / 4)
    assert d.per_day == {D(2026, 11, 30): (0, 0), D(2026, 12, 1): (1, 1), D(2026, 12, 2): (2, 1),
                         D(2026, 12, 3): (1, 0), D(2026, 12, 4): (0, 0), D(2026, 12, 5): (0, 0),
                         D(2026, 12, 6): (0, 0)}
    assert d.by_matter == {"parking_fee": 2, "penalty_appeal": 1, "highway_toll": 1}


def test_handoffs(dashboard: Dashboard) -> None:
    h = dashboard.handoffs(WEEK)
    assert (h.total, h.claimed) == (4, 3)             # the 20 Nov one is outside
    assert (h.wait_p50, h.wait_p95) == (120.0, 600.0)  # waits 60, 120, 600 s (nearest rank)
    assert h.per_officer == [("王警官", 2), ("李警官", 1)]
    assert h.ratings == {4: 1, 5: 1}
    assert h.mean_rating == pytest.approx(4.5)
    assert h.warnings == {"self_harm": 2, "violence": 1}
    assert h.by_reason == {"requested": 4}


def test_cases_weeks_funnel_deadlines(dashboard: Dashboard) -> None:
    k = dashboard.cases(WEEK)
    assert k.filed == 4
    assert k.per_week == {("2026-W49", "highway_toll", "online"): 1,
                          ("2026-W49", "parking_fee", "visit"): 1,
                          ("2026-W49", "penalty_appeal", "letter"): 1,
                          ("2026-W49", "penalty_appeal", "online"): 1}
    assert k.funnel == {"received": 4, "accepted": 1, "answered": 0, "closed": 0}
    assert k.by_status == {"received": 2, "accepted": 1, "rejected": 1}
    # On 20 Dec: the two 'received' cases are past their 15-day notice; the accepted one is in time.
    assert k.deadlines == {"书面告知是否受理期限": (0, 2), "办结期限": (1, 0)}
    assert k.overdue_total == 2
    assert k.overdue == [("", "penalty_appeal", "书面告知是否受理期限", D(2026, 12, 17)),
                         ("", "highway_toll", "书面告知是否受理期限", D(2026, 12, 18))]


def test_repeat_contacts_without_and_with_personal_data(dashboard: Dashboard) -> None:
    hidden = dashboard.cases(WEEK).repeats
    assert [(r.kind, r.key, r.count, r.phone, r.cases) for r in hidden] == [
        ("phone", phone_hash(P1), 3, "", ()),
        ("place", "penalty_appeal @ 人民路", 2, "", ()),
    ]
    assert P1 not in repr(hidden)
    shown = dashboard.cases(WEEK, personal=True)
    assert shown.repeats[0].cases == ("XF-2026-000001", "XF-2026-000002", "XF-2026-000004")
    assert shown.repeats[0].phone == "139****2222"
    assert [n for n, *_ in shown.overdue] == ["XF-2026-000001", "XF-2026-000002"]


def test_all_figures_and_an_empty_period(dashboard: Dashboard) -> None:
    figures = dashboard.figures(WEEK)
    assert figures.diversion.diverted == 4 and figures.cases.filed == 4
    empty = dashboard.figures(Period(D(2025, 1, 1), D(2025, 1, 31)))
    assert (empty.conversations.conversations, empty.diversion.diverted, empty.cases.filed,
            empty.handoffs.total) == (0, 0, 0, 0)
    assert empty.conversations.clarification_rate is None


def test_no_tracker_table_yet(migrated_db_url: str) -> None:
    from bot.store.db import make_engine

    engine = make_engine(migrated_db_url)
    try:
        figures = Dashboard(engine, engine, clock=lambda: TODAY_UTC).figures(WEEK)
        assert figures.conversations.conversations == 0 and figures.diversion.answered == 0
    finally:
        engine.dispose()


def test_periods() -> None:
    assert iso_week("2026-W49") == Period(D(2026, 11, 30), D(2026, 12, 6))
    now = TODAY_UTC  # Sunday 20 Dec, China time
    assert period_from_query({"period": "week"}, now) == Period(D(2026, 12, 14), D(2026, 12, 20), "week")
    assert period_from_query({}, now) == Period(D(2026, 11, 21), D(2026, 12, 20), "30d")
    assert period_from_query({"period": "custom", "from": "2026-12-01", "to": "2026-12-02"}, now).days == 2
    for bad in ({"period": "custom", "from": "x", "to": "2026-12-02"},
                {"period": "custom", "from": "2026-12-03", "to": "2026-12-02"},
                {"period": "custom", "from": "2020-01-01", "to": "2026-12-02"}):
        with pytest.raises(PeriodError):
            period_from_query(bad, now)
    with pytest.raises(PeriodError):
        iso_week("2026-49")


def test_percentile() -> None:
    assert percentile([], 50) is None
    assert percentile([5.0], 95) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0
    assert percentile(list(map(float, range(1, 101))), 95) == 95.0


def test_indexes_are_idempotent_and_change_no_figure(dashboard: Dashboard) -> None:
    before = dashboard.figures(WEEK)
    assert dashboard.ensure_indexes() == ["ix_events_dashboard_type_ts", "ix_events_dashboard_type_action_ts"]
    dashboard.ensure_indexes()
    after = dashboard.figures(WEEK)
    assert after.conversations.per_day == before.conversations.per_day
    assert after.diversion.per_day == before.diversion.per_day
    assert after.conversations.matters == before.conversations.matters
