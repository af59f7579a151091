"""Overdue / due-soon detection on the edges of each deadline (China-local calendar days,
never moved off weekends or holidays: ``bot.cases.deadlines``)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from bot.cases.service import CaseService
from bot.cases.supervision import DeadlineItem, Supervision
from tests.supervision.conftest import file

# fake_clock starts 2026-03-02 10:00 China time (a Monday); times below are China-local.


def at_china(clock: Any, day: date, hour: int = 10, minute: int = 0) -> None:
    clock.now = datetime(day.year, day.month, day.day, hour, minute) - timedelta(hours=8)


def item(supervision: Supervision, number: str) -> DeadlineItem | None:
    found = [i for i in supervision.deadline_items() if i.case_number == number]
    return found[0] if found else None


ACCEPTANCE_DUE = date(2026, 3, 17)  # filed 03-02 + 15 日 (第二十三条)


@pytest.mark.parametrize("day, listed, overdue, days_overdue, days_left", [
    (date(2026, 3, 13), False, False, 0, 4),   # four days before: not yet "due soon"
    (date(2026, 3, 14), True, False, 0, 3),    # three days before: due soon
    (date(2026, 3, 16), True, False, 0, 1),    # the day before
    (date(2026, 3, 17), True, False, 0, 0),    # the day of the deadline: not overdue
    (date(2026, 3, 18), True, True, 1, -1),    # the day after: overdue by one day
    (date(2026, 3, 27), True, True, 10, -10),
])
def test_acceptance_notice_edges(case_service: CaseService, supervision: Supervision,
                                 fake_clock: Any, day: date, listed: bool, overdue: bool,
                                 days_overdue: int, days_left: int) -> None:
    number = file(case_service)
    at_china(fake_clock, day)
    found = item(supervision, number)
    assert (found is not None) is listed
    if found is not None:
        assert found.deadline.due_date == ACCEPTANCE_DUE
        assert found.deadline.label == "书面告知是否受理期限"
        assert (found.overdue, found.days_overdue, found.days_left) == (overdue, days_overdue,
                                                                       days_left)


def test_acceptance_edge_at_china_midnight(case_service: CaseService, supervision: Supervision,
                                           fake_clock: Any) -> None:
    """The day changes at midnight China time, not UTC."""
    number = file(case_service)
    at_china(fake_clock, ACCEPTANCE_DUE, 23, 59)
    assert not item(supervision, number).overdue  # type: ignore[union-attr]
    at_china(fake_clock, ACCEPTANCE_DUE + timedelta(days=1), 0, 1)
    assert item(supervision, number).days_overdue == 1  # type: ignore[union-attr]


def accept(case_service: CaseService, number: str) -> None:
    case_service.transition(number, "accepted", "王警官", "已书面告知受理")


# Accepted 03-02: 60 日 → 2026-05-01, 劳动节 (a public holiday) and the 02nd/03rd are a
# weekend; deadlines.py does not move a due date off holidays (MOVE_OFF_HOLIDAYS = False).
HANDLING_DUE = date(2026, 5, 1)


@pytest.mark.parametrize("day, overdue, days_overdue", [
    (date(2026, 4, 30), False, 0),   # the day before
    (date(2026, 5, 1), False, 0),    # the day of (a holiday): still in time
    (date(2026, 5, 2), True, 1),     # the day after, a Saturday: overdue, not moved to 05-06
    (date(2026, 5, 6), True, 5),     # the first working day after the holiday
])
def test_handling_deadline_on_a_holiday_is_not_moved(case_service: CaseService,
                                                      supervision: Supervision, fake_clock: Any,
                                                      day: date, overdue: bool,
                                                      days_overdue: int) -> None:
    number = file(case_service)
    accept(case_service, number)
    at_china(fake_clock, day)
    found = item(supervision, number)
    assert found is not None and found.deadline.due_date == HANDLING_DUE
    assert found.deadline.label == "办结期限"
    assert (found.overdue, found.days_overdue) == (overdue, days_overdue)
    assert found.officer == "王警官" and "受理" in found.last_action


@pytest.mark.parametrize("day, listed, overdue", [
    (date(2026, 5, 1), False, False),   # the original deadline no longer counts
    (date(2026, 5, 10), True, False),   # the day before the extended deadline
    (date(2026, 5, 11), True, False),   # the day of
    (date(2026, 5, 12), True, True),    # the day after
])
def test_extension_moves_the_handling_deadline(case_service: CaseService,
                                               supervision: Supervision, fake_clock: Any,
                                               day: date, listed: bool, overdue: bool) -> None:
    number = file(case_service)
    accept(case_service, number)
    case_service.extend(number, 10, "需要调取监控", "李警官")
    at_china(fake_clock, day)
    found = item(supervision, number)
    assert (found is not None) is listed
    if found is not None:
        assert found.deadline.due_date == date(2026, 5, 11)
        assert found.overdue is overdue and found.officer == "李警官"


def test_petitioner_deadlines_and_closed_cases_are_not_supervised(
        case_service: CaseService, supervision: Supervision, fake_clock: Any) -> None:
    answered = file(case_service)
    accept(case_service, answered)
    case_service.transition(answered, "in_progress", "王警官", "办理中")
    case_service.transition(answered, "answered", "王警官", "已答复")
    at_china(fake_clock, date(2026, 3, 31))  # the 复查 request period (petitioner's) ends 04-01
    assert item(supervision, answered) is None
    at_china(fake_clock, date(2026, 6, 1))
    assert item(supervision, answered) is None


def test_overdue_first_then_nearest(case_service: CaseService, supervision: Supervision,
                                    fake_clock: Any) -> None:
    first = file(case_service)
    at_china(fake_clock, date(2026, 3, 5))
    second = file(case_service)  # acceptance due 03-20
    at_china(fake_clock, date(2026, 3, 18))
    items = supervision.deadline_items()
    assert [(i.case_number, i.overdue) for i in items] == [(first, True), (second, False)]
    assert supervision.flag_for(first) == "overdue" and supervision.flag_for(second) == "due_soon"
