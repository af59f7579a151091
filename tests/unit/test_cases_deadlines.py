"""Statutory deadlines (《信访工作条例》第二十三、三十四、三十五、三十六条), hearing time and holidays."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest

from bot.cases.deadlines import (
    MOVE_OFF_HOLIDAYS,
    Deadline,
    acceptance_due,
    handling_due,
    next_deadline,
    recheck_answer_due,
    recheck_request_due,
    review_answer_due,
    review_request_due,
    validate_extension,
)
from bot.cases.errors import ExtensionError
from bot.cases.status import CaseStatus as S
from bot.common.clock import local_date, local_midnight

RECEIVED_AT = local_midnight(date(2026, 1, 10))  # a datetime is immutable: one shared default


@dataclass
class Facts:
    status: S
    received_at: datetime = RECEIVED_AT
    accepted_at: datetime | None = None
    answered_at: datetime | None = None
    review_requested_at: datetime | None = None
    recheck_requested_at: datetime | None = None
    extension_days: int | None = None


@dataclass
class HearingFacts(Facts):
    """Facts with the optional 复核 hearing attributes (第三十六条第二款)."""

    hearing_days: int | None = None
    hearing_started_at: datetime | None = None


def at(day: date) -> datetime:
    return local_midnight(day)


def test_due_date_arithmetic() -> None:
    assert acceptance_due(date(2026, 1, 10)) == date(2026, 1, 25)
    assert handling_due(date(2026, 1, 10)) == date(2026, 3, 11)
    assert handling_due(date(2026, 1, 10), 30) == date(2026, 4, 10)
    assert handling_due(date(2026, 1, 10), None) == date(2026, 3, 11)
    assert review_request_due(date(2026, 2, 1)) == date(2026, 3, 3)
    assert review_answer_due(date(2026, 2, 1)) == date(2026, 3, 3)
    assert recheck_request_due(date(2026, 2, 1)) == date(2026, 3, 3)
    assert recheck_answer_due(date(2026, 12, 15)) == date(2027, 1, 14)


def test_received_acceptance_notice_not_overdue_on_last_day() -> None:
    deadline = next_deadline(Facts(S.RECEIVED), date(2026, 1, 25))
    assert deadline == Deadline("书面告知是否受理期限", date(2026, 1, 25), False, "office",
                                "《信访工作条例》第二十三条")


def test_received_overdue_the_day_after() -> None:
    deadline = next_deadline(Facts(S.RECEIVED), date(2026, 1, 26))
    assert deadline is not None and deadline.overdue


@pytest.mark.parametrize("status", [S.ACCEPTED, S.IN_PROGRESS])
def test_handling_deadline(status: S) -> None:
    facts = Facts(status, accepted_at=at(date(2026, 1, 20)))
    deadline = next_deadline(facts, date(2026, 3, 21))
    assert deadline is not None
    assert (deadline.label, deadline.due_date, deadline.overdue) == ("办结期限", date(2026, 3, 21), False)
    assert next_deadline(facts, date(2026, 3, 22)).overdue  # type: ignore[union-attr]


def test_extension_moves_handling_deadline() -> None:
    facts = Facts(S.IN_PROGRESS, accepted_at=at(date(2026, 1, 20)), extension_days=30)
    deadline = next_deadline(facts, date(2026, 4, 1))
    assert deadline is not None and deadline.due_date == date(2026, 4, 20) and not deadline.overdue


def test_answered_gives_petitioner_review_window() -> None:
    facts = Facts(S.ANSWERED, accepted_at=at(date(2026, 1, 20)), answered_at=at(date(2026, 3, 1)))
    deadline = next_deadline(facts, date(2026, 3, 5))
    assert deadline is not None
    assert (deadline.label, deadline.due_date, deadline.applies_to) == ("申请复查期限", date(2026, 3, 31), "petitioner")
    assert next_deadline(facts, date(2026, 4, 1)).overdue  # type: ignore[union-attr]


def test_answered_after_review_gives_recheck_window() -> None:
    facts = Facts(S.ANSWERED, accepted_at=at(date(2026, 1, 20)), answered_at=at(date(2026, 4, 1)),
                  review_requested_at=at(date(2026, 3, 10)))
    deadline = next_deadline(facts, date(2026, 4, 2))
    assert deadline is not None and deadline.label == "申请复核期限" and deadline.due_date == date(2026, 5, 1)
    assert deadline.basis.endswith("第三十六条")


def test_review_and_recheck_answer_deadlines() -> None:
    review = Facts(S.REVIEW, review_requested_at=at(date(2026, 3, 10)))
    recheck = Facts(
        S.RECHECK, review_requested_at=at(date(2026, 3, 10)), recheck_requested_at=at(date(2026, 5, 2))
    )
    assert next_deadline(review, date(2026, 4, 10)).due_date == date(2026, 4, 9)  # type: ignore[union-attr]
    assert next_deadline(review, date(2026, 4, 10)).overdue  # type: ignore[union-attr]
    deadline = next_deadline(recheck, date(2026, 5, 3))
    assert deadline is not None and (deadline.label, deadline.due_date) == ("复核意见期限", date(2026, 6, 1))


@pytest.mark.parametrize("status", [S.CLOSED, S.REJECTED])
def test_final_statuses_have_no_deadline(status: S) -> None:
    assert next_deadline(Facts(status), date(2026, 1, 11)) is None


def test_status_as_plain_string_is_accepted() -> None:
    assert next_deadline(Facts("received"), date(2026, 1, 11)) is not None  # type: ignore[arg-type]


def test_dates_use_china_time() -> None:
    # 2026-01-09 17:00 UTC is already 2026-01-10 01:00 in China.
    facts = Facts(S.RECEIVED, received_at=datetime(2026, 1, 9, 17, 0))
    assert local_date(facts.received_at) == date(2026, 1, 10)
    assert next_deadline(facts, date(2026, 1, 11)).due_date == date(2026, 1, 25)  # type: ignore[union-attr]


@pytest.mark.parametrize("days", [1, 15, 30])
def test_valid_extension(days: int) -> None:
    """A first extension of 1..30 days with a reason is accepted and moves the handling
    deadline by exactly that many days (the rejections are test_invalid_extension)."""
    for existing in (None, 0):
        assert validate_extension(existing, days, "需等待鉴定结果") is None  # did not raise
    accepted = at(date(2026, 1, 20))
    plain = next_deadline(Facts(S.IN_PROGRESS, accepted_at=accepted), date(2026, 1, 21))
    extended = next_deadline(Facts(S.IN_PROGRESS, accepted_at=accepted, extension_days=days),
                             date(2026, 1, 21))
    assert plain is not None and extended is not None
    assert extended.due_date - plain.due_date == timedelta(days=days)
    assert extended.due_date == handling_due(date(2026, 1, 20), days)


@pytest.mark.parametrize("existing,days,reason,match", [
    (10, 5, "再次延期", "只能延长一次"),
    (None, 31, "太复杂", "1至30日"),
    (None, 0, "太复杂", "1至30日"),
    (None, -3, "太复杂", "1至30日"),
    (None, True, "太复杂", "1至30日"),
    (None, 10, "", "理由"),
    (None, 10, "   ", "理由"),
])
def test_invalid_extension(existing: int | None, days: int, reason: str, match: str) -> None:
    with pytest.raises(ExtensionError, match=match):
        validate_extension(existing, days, reason)


# ---------------------------------------------------------------- holidays (no rule in the 条例)


@pytest.mark.parametrize("received,due", [
    (date(2026, 9, 16), date(2026, 10, 1)),  # 国庆节
    (date(2026, 2, 2), date(2026, 2, 17)),   # 春节（正月初一）
    (date(2026, 3, 7), date(2026, 3, 22)),   # a Sunday
])
def test_deadline_on_a_holiday_or_weekend_is_not_moved(received: date, due: date) -> None:
    """《信访工作条例》 has no rule moving a period that ends on a holiday, so none is moved."""
    assert MOVE_OFF_HOLIDAYS is False
    facts = Facts(S.RECEIVED, received_at=at(received))
    on_the_day = next_deadline(facts, due)
    assert on_the_day is not None and on_the_day.due_date == due and not on_the_day.overdue
    assert next_deadline(facts, due + timedelta(days=1)).overdue  # type: ignore[union-attr]
    assert acceptance_due(received) == due


def test_holiday_is_not_skipped_in_handling_or_review_periods() -> None:
    # 2026-08-02 + 60 days = 2026-10-01 (国庆节): stays.
    assert handling_due(date(2026, 8, 2)) == date(2026, 10, 1)
    assert review_answer_due(date(2026, 9, 1)) == date(2026, 10, 1)
    assert recheck_answer_due(date(2026, 9, 1)) == date(2026, 10, 1)


# ---------------------------------------------------------------- hearing time (第三十六条第二款)


def recheck_facts(**hearing: object) -> HearingFacts:
    return HearingFacts(S.RECHECK, review_requested_at=at(date(2026, 3, 10)),
                        recheck_requested_at=at(date(2026, 5, 2)), **hearing)  # type: ignore[arg-type]


def test_recheck_answer_due_leaves_out_hearing_days() -> None:
    assert recheck_answer_due(date(2026, 5, 2), 0) == date(2026, 6, 1)
    assert recheck_answer_due(date(2026, 5, 2), None) == date(2026, 6, 1)
    assert recheck_answer_due(date(2026, 5, 2), 22) == date(2026, 6, 23)
    with pytest.raises(ValueError):
        recheck_answer_due(date(2026, 5, 2), -1)


def test_finished_hearing_moves_the_recheck_deadline() -> None:
    # Hearing 2026-05-20 .. 2026-06-10 (22 days, both ends counted): not counted in the 30 日.
    facts = recheck_facts(hearing_days=22, hearing_started_at=at(date(2026, 5, 20)))
    deadline = next_deadline(facts, date(2026, 6, 15))
    assert deadline is not None
    assert deadline.due_date == date(2026, 6, 23) and not deadline.overdue
    assert deadline.label.startswith("复核意见期限") and "听证" in deadline.label
    assert deadline.basis == "《信访工作条例》第三十六条"
    assert next_deadline(facts, date(2026, 6, 24)).overdue  # type: ignore[union-attr]
    # Without the hearing the same day would be overdue.
    assert next_deadline(recheck_facts(), date(2026, 6, 15)).overdue  # type: ignore[union-attr]


def test_hearing_under_way_is_never_shown_overdue() -> None:
    facts = recheck_facts(hearing_started_at=at(date(2026, 5, 20)))
    for today in (date(2026, 5, 20), date(2026, 6, 10), date(2026, 8, 1)):
        deadline = next_deadline(facts, today)
        assert deadline is not None and not deadline.overdue, today
        assert "听证" in deadline.label
    # 17 days ran before the hearing (5-03..5-19); if it ends on 6-10, 13 remain: 6-23.
    assert next_deadline(facts, date(2026, 6, 10)).due_date == date(2026, 6, 23)  # type: ignore[union-attr]
    # Consistent with the finished-hearing computation for the same hearing.
    finished = recheck_facts(hearing_days=22, hearing_started_at=at(date(2026, 5, 20)))
    assert next_deadline(finished, date(2026, 6, 11)).due_date == date(2026, 6, 23)  # type: ignore[union-attr]


def test_hearing_started_after_the_period_ran_out_does_not_excuse_it() -> None:
    facts = recheck_facts(hearing_started_at=at(date(2026, 6, 5)))
    deadline = next_deadline(facts, date(2026, 6, 8))
    assert deadline is not None and deadline.due_date == date(2026, 6, 1) and deadline.overdue


def test_hearing_attributes_only_affect_the_recheck_answer() -> None:
    review = HearingFacts(S.REVIEW, review_requested_at=at(date(2026, 3, 10)), hearing_days=10)
    assert next_deadline(review, date(2026, 4, 10)).due_date == date(2026, 4, 9)  # type: ignore[union-attr]
