"""Statutory time limits from 《信访工作条例》(2022).

The regulation counts in 日 (calendar days) unless it says 工作日 explicitly
(第二十三条第三款 uses "5个工作日" for a different purpose), so all limits here are
calendar days.  Following the usual rule that the starting day is not counted,
a limit of N 日 from day D ends on D + N; it is overdue from D + N + 1.

* 第二十三条: written notice whether the petition is accepted — within 15 日 of receipt.
* 第三十四条: handle within 60 日 of acceptance; complex cases may be extended once,
  by at most 30 日, with the reason told to the petitioner.
* 第三十五条: 复查 may be requested within 30 日 of receiving the written reply;
  the review body answers within 30 日 of receiving the request.
* 第三十六条: 复核 likewise (30 日 to request, 30 日 to answer); afterwards the same
  matter on the same facts and reasons is not accepted again.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Optional, Protocol

from bot.cases.clock import local_date
from bot.cases.errors import ExtensionError
from bot.cases.status import CaseStatus

__all__ = [
    "ACCEPTANCE_NOTICE_DAYS",
    "Deadline",
    "DeadlineFacts",
    "HANDLING_DAYS",
    "MAX_EXTENSION_DAYS",
    "RECHECK_ANSWER_DAYS",
    "RECHECK_REQUEST_DAYS",
    "REVIEW_ANSWER_DAYS",
    "REVIEW_REQUEST_DAYS",
    "acceptance_due",
    "handling_due",
    "next_deadline",
    "recheck_answer_due",
    "recheck_request_due",
    "review_answer_due",
    "review_request_due",
    "validate_extension",
]

ACCEPTANCE_NOTICE_DAYS = 15  # 第二十三条第二款
HANDLING_DAYS = 60  # 第三十四条
MAX_EXTENSION_DAYS = 30  # 第三十四条
REVIEW_REQUEST_DAYS = 30  # 第三十五条
REVIEW_ANSWER_DAYS = 30  # 第三十五条
RECHECK_REQUEST_DAYS = 30  # 第三十六条第一款
RECHECK_ANSWER_DAYS = 30  # 第三十六条第一款

OFFICE = "office"
PETITIONER = "petitioner"


@dataclass(frozen=True)
class Deadline:
    """The next time limit: who must act (``office``/``petitioner``), by when, and the article."""

    label: str
    due_date: date
    overdue: bool
    applies_to: str = OFFICE
    basis: str = ""


class DeadlineFacts(Protocol):
    """What ``next_deadline`` reads; ``Case`` and ``CaseView`` both provide it (naive UTC)."""

    status: CaseStatus | str
    received_at: datetime
    accepted_at: Optional[datetime]
    answered_at: Optional[datetime]
    review_requested_at: Optional[datetime]
    recheck_requested_at: Optional[datetime]
    extension_days: Optional[int]


def acceptance_due(received: date) -> date:
    """Last day for the written acceptance notice (第二十三条)."""
    return received + timedelta(days=ACCEPTANCE_NOTICE_DAYS)


def handling_due(accepted: date, extension_days: int | None = 0) -> date:
    """Last day to finish handling, including an approved extension (第三十四条)."""
    return accepted + timedelta(days=HANDLING_DAYS + (extension_days or 0))


def review_request_due(answered: date) -> date:
    """Last day the petitioner may request 复查 (第三十五条)."""
    return answered + timedelta(days=REVIEW_REQUEST_DAYS)


def review_answer_due(review_requested: date) -> date:
    """Last day for the written 复查 answer (第三十五条)."""
    return review_requested + timedelta(days=REVIEW_ANSWER_DAYS)


def recheck_request_due(review_answered: date) -> date:
    """Last day the petitioner may request 复核 (第三十六条)."""
    return review_answered + timedelta(days=RECHECK_REQUEST_DAYS)


def recheck_answer_due(recheck_requested: date) -> date:
    """Last day for the 复核 opinion (第三十六条)."""
    return recheck_requested + timedelta(days=RECHECK_ANSWER_DAYS)


def validate_extension(existing_days: int | None, days: int, reason: str) -> None:
    """Raise ``ExtensionError`` unless a first extension of 1..30 days with a reason."""
    if existing_days:
        raise ExtensionError(
            f"办理期限只能延长一次，本案已延长{existing_days}日 / the handling period can be extended only once"
        )
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ExtensionError(
            f"延长天数须为1至{MAX_EXTENSION_DAYS}日 / extension must be 1..{MAX_EXTENSION_DAYS} days, got {days!r}"
        )
    if not (reason or "").strip():
        raise ExtensionError("延长办理期限必须说明理由 / an extension needs a reason")


def _deadline(label: str, due: date, today: date, applies_to: str, basis: str) -> Deadline:
    return Deadline(label, due, today > due, applies_to, f"《信访工作条例》{basis}")


def _answered_deadline(case: DeadlineFacts, today: date) -> Optional[Deadline]:
    if case.answered_at is None:
        return None
    answered = local_date(case.answered_at)
    if case.review_requested_at is not None:
        return _deadline("申请复核期限", recheck_request_due(answered), today, PETITIONER, "第三十六条")
    return _deadline("申请复查期限", review_request_due(answered), today, PETITIONER, "第三十五条")


def next_deadline(case: DeadlineFacts, today: date) -> Optional[Deadline]:
    """The next statutory time limit for the case's current status, or ``None``."""
    status = CaseStatus(case.status)
    if status is CaseStatus.RECEIVED:
        due = acceptance_due(local_date(case.received_at))
        return _deadline("书面告知是否受理期限", due, today, OFFICE, "第二十三条")
    if status in (CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS) and case.accepted_at is not None:
        due = handling_due(local_date(case.accepted_at), case.extension_days)
        return _deadline("办结期限", due, today, OFFICE, "第三十四条")
    if status is CaseStatus.ANSWERED:
        return _answered_deadline(case, today)
    if status is CaseStatus.REVIEW and case.review_requested_at is not None:
        due = review_answer_due(local_date(case.review_requested_at))
        return _deadline("复查答复期限", due, today, OFFICE, "第三十五条")
    if status is CaseStatus.RECHECK and case.recheck_requested_at is not None:
        due = recheck_answer_due(local_date(case.recheck_requested_at))
        return _deadline("复核意见期限", due, today, OFFICE, "第三十六条")
    return None
