"""Statutory deadlines (《信访工作条例》第二十三、三十四、三十五、三十六条)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Optional

import pytest

from bot.cases.clock import local_date, local_midnight
from bot.cases.deadlines import (
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


@dataclass
class Facts:
    status: S
    received_at: datetime = local_midnight(date(2026, 1, 10))
    accepted_at: Optional[datetime] = None
    answered_at: Optional[datetime] = None
    review_requested_at: Optional[datetime] = None
    recheck_requested_at: Optional[datetime] = None
    extension_days: Optional[int] = None


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
    assert deadline == Deadline("书面告知是否受理期限", date(2026, 1, 25), False, "office", "《信访工作条例》第二十三条")


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
def test_invalid_extension(existing: Optional[int], days: int, reason: str, match: str) -> None:
    with pytest.raises(ExtensionError, match=match):
        validate_extension(existing, days, reason)
