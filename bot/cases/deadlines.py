"""Statutory time limits from 《信访工作条例》(2022).

Counting rules applied here (see also docs/legal-review.md):

* 日 are calendar days.  The regulation says 工作日 only where it means it
  (第二十三条第三款, "5个工作日", for a different purpose), so all limits here are
  calendar days.  Following the usual rule that the starting day is not counted,
  a limit of N 日 from day D ends on D + N; it is overdue from D + N + 1.  (That
  starting-day rule is a convention: the regulation itself does not state it.)
* Holidays: a deadline is moved off a public holiday only where the statute says
  so.  《信访工作条例》 has no such rule: its text never mentions 节假日, and the only
  working-day limit in it is 第二十三条第三款 ("应当自收到之日起5个工作日内提出异议",
  for a different purpose).  Where a statute wants the move it says so, e.g.
  《道路交通安全违法行为记分管理办法》第三十六条: "期间的最后一日为节假日的，以节假日
  期满后的第一个工作日为期间届满的日期" — a rule of that 办法 only.  So no deadline
  computed here is moved: a due date that falls on a weekend or public holiday stays
  where it is (``MOVE_OFF_HOLIDAYS = False``), the stricter reading for the office.
* Hearings: 第三十六条第二款 — "听证所需时间不计算在前款规定的期限内": the time a
  复核 hearing (听证) takes is not counted in the 30-day 复核 period.  Cases carry
  ``hearing_days`` (days a finished hearing took, counting its first and last day)
  and ``hearing_started_at`` (its first day; a hearing under way when
  ``hearing_days`` is not yet known), recorded by ``CaseService.record_hearing``
  (console case page, ``python -m bot cases hearing``).  While a hearing is under way
  the 复核 period stands still, so the case is not shown as overdue for the hearing's
  time; once it is over the due date moves by ``hearing_days``.

The limits:

* 第二十三条: written notice (接收情况、处理途径) — within 15 日 of receipt.
* 第三十四条: handle within 60 日 of acceptance; complex cases may be extended once,
  by at most 30 日, with the reason told to the petitioner.  This, and the 复查/复核
  below, apply to 第三十一条第六项 matters (信访处理意见书); 建议意见 (第二十九条),
  检举控告 (第三十条) and requests to act on violations (第三十一条第五项) follow
  other rules — the case deadlines model the 第三十一条第六项 flow.
* 第三十五条: 复查 may be requested within 30 日 of receiving the written reply;
  the review body answers within 30 日 of receiving the request.
* 第三十六条: 复核 likewise (30 日 to request, 30 日 to answer, hearing time not
  counted); afterwards the same matter on the same facts and reasons is not
  accepted again.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.cases.errors import ExtensionError
from bot.cases.status import CaseStatus
from bot.common.clock import local_date

__all__ = [
    "ACCEPTANCE_NOTICE_DAYS",
    "HANDLING_DAYS",
    "MAX_EXTENSION_DAYS",
    "MAX_HEARING_DAYS",
    "MOVE_OFF_HOLIDAYS",
    "RECHECK_ANSWER_DAYS",
    "RECHECK_REQUEST_DAYS",
    "REVIEW_ANSWER_DAYS",
    "REVIEW_REQUEST_DAYS",
    "Deadline",
    "DeadlineFacts",
    "acceptance_due",
    "handling_due",
    "next_deadline",
    "recheck_answer_due",
    "recheck_request_due",
    "review_answer_due",
    "review_request_due",
    "validate_extension",
    "validate_hearing_days",
]

ACCEPTANCE_NOTICE_DAYS = 15  # 第二十三条第二款
HANDLING_DAYS = 60  # 第三十四条
MAX_EXTENSION_DAYS = 30  # 第三十四条
REVIEW_REQUEST_DAYS = 30  # 第三十五条
REVIEW_ANSWER_DAYS = 30  # 第三十五条
RECHECK_REQUEST_DAYS = 30  # 第三十六条第一款
RECHECK_ANSWER_DAYS = 30  # 第三十六条第一款
# 第三十六条第二款 sets no limit on a hearing; this only catches typing errors.
MAX_HEARING_DAYS = 365
# 《信访工作条例》 has no rule moving a deadline that ends on a holiday (module docstring).
MOVE_OFF_HOLIDAYS = False

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
    """What ``next_deadline`` reads; ``Case`` and ``CaseView`` both provide it (naive UTC).

    Optional, read when present: ``hearing_days`` (int, days a finished 复核 hearing
    took) and ``hearing_started_at`` (datetime, a 复核 hearing under way) — 第三十六条第二款.
    """

    # Read-only properties: the members are only read, so a frozen dataclass
    # (``CaseView``, ``status: CaseStatus``) satisfies the protocol as well as ``Case``.
    @property
    def status(self) -> CaseStatus | str: ...
    @property
    def received_at(self) -> datetime: ...
    @property
    def accepted_at(self) -> datetime | None: ...
    @property
    def answered_at(self) -> datetime | None: ...
    @property
    def review_requested_at(self) -> datetime | None: ...
    @property
    def recheck_requested_at(self) -> datetime | None: ...
    @property
    def extension_days(self) -> int | None: ...


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


def recheck_answer_due(recheck_requested: date, hearing_days: int | None = 0) -> date:
    """Last day for the 复核 opinion (第三十六条).

    The days a hearing took are not counted (第三十六条第二款).
    """
    if hearing_days is not None and hearing_days < 0:
        raise ValueError(f"hearing_days must not be negative, got {hearing_days!r}")
    return recheck_requested + timedelta(days=RECHECK_ANSWER_DAYS + (hearing_days or 0))


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


def validate_hearing_days(days: object) -> int:
    """The days a finished hearing took (1..``MAX_HEARING_DAYS``); raises ``ValueError``."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_HEARING_DAYS:
        raise ValueError(f"听证天数须为1至{MAX_HEARING_DAYS}日 / hearing days must be "
                         f"1..{MAX_HEARING_DAYS}, got {days!r}")
    return days


def _deadline(label: str, due: date, today: date, applies_to: str, basis: str,
              overdue: bool | None = None) -> Deadline:
    late = today > due if overdue is None else overdue
    return Deadline(label, due, late, applies_to, f"《信访工作条例》{basis}")


def _recheck_deadline(case: DeadlineFacts, requested: date, today: date) -> Deadline:
    """The 复核 answer deadline, with hearing time left out (第三十六条第二款)."""
    hearing_days = getattr(case, "hearing_days", None)
    started_at = getattr(case, "hearing_started_at", None)
    if hearing_days or started_at is None:
        label = "复核意见期限（听证时间不计入）" if hearing_days else "复核意见期限"
        return _deadline(label, recheck_answer_due(requested, hearing_days), today, OFFICE, "第三十六条")
    # A hearing is under way: the period stands still from its first day.
    started = local_date(started_at)
    due = recheck_answer_due(requested)
    if started > due:  # the period had already run out before the hearing began
        return _deadline("复核意见期限", due, today, OFFICE, "第三十六条")
    so_far = max((today - started).days + 1, 0)
    return _deadline("复核意见期限（听证进行中，听证时间不计入）", due + timedelta(days=so_far), today,
                     OFFICE, "第三十六条", overdue=False)


def _answered_deadline(case: DeadlineFacts, today: date) -> Deadline | None:
    if case.answered_at is None:
        return None
    answered = local_date(case.answered_at)
    if case.review_requested_at is not None:
        return _deadline("申请复核期限", recheck_request_due(answered), today, PETITIONER, "第三十六条")
    return _deadline("申请复查期限", review_request_due(answered), today, PETITIONER, "第三十五条")


def next_deadline(case: DeadlineFacts, today: date) -> Deadline | None:
    """The next statutory time limit for the case's current status, or ``None``.

    Due dates are never moved off weekends or holidays (``MOVE_OFF_HOLIDAYS``).
    """
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
        return _recheck_deadline(case, local_date(case.recheck_requested_at), today)
    return None
