"""Status notifications of a case.

They are written to the outbox (``bot.notify``) in the transaction of the change.

The message names the case number, the new status, what happens next and the next
statutory deadline with its legal basis (``bot.cases.status`` / ``deadlines`` /
``wording``), and nothing of the petitioner's personal data.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.cases.deadlines import next_deadline
from bot.cases.models import Case
from bot.cases.status import STATUS_LABELS, CaseStatus, citizen_explanation
from bot.cases.wording import format_date
from bot.common.clock import local_date
from bot.notify.outbox import enqueue
from bot.notify.texts import DeadlineWords, NotifyTexts, default_texts

__all__ = ["notify_extension", "notify_status"]


def _deadline_words(case: Case, now: datetime) -> DeadlineWords | None:
    deadline = next_deadline(case, local_date(now))
    if deadline is None:
        return None
    return DeadlineWords(deadline.label, format_date(deadline.due_date), deadline.basis)


def notify_status(session: Session, case: Case, now: datetime,
                  texts: NotifyTexts | None = None, *, next_step: str | None = None) -> None:
    """Queue the "status changed" message for the citizen who filed ``case`` (if reachable).

    ``next_step`` replaces the status's generic next step (e.g. where to go instead, for a
    petition registered as 不予受理并告知, 第二十三条).
    """
    if not case.sender_id:
        return
    texts = texts or default_texts()
    status = CaseStatus(case.status)
    explanation = citizen_explanation(status)
    deadline = _deadline_words(case, now)
    next_step = next_step or explanation.next_step
    text = texts.status_message(case.case_number, STATUS_LABELS[status], explanation.meaning,
                                next_step, deadline)
    session.flush()  # the case id
    enqueue(session, case_id=case.id, case_number=case.case_number, sender_id=case.sender_id,
            kind="status", status=status.value, text=text, now=now)


def notify_extension(session: Session, case: Case, now: datetime,
                     texts: NotifyTexts | None = None) -> None:
    """Queue the "handling period extended" message (new deadline, 第三十四条)."""
    if not case.sender_id:
        return
    texts = texts or default_texts()
    text = texts.extension_message(case.case_number, case.extension_days or 0,
                                   case.extension_reason or "", _deadline_words(case, now))
    session.flush()
    enqueue(session, case_id=case.id, case_number=case.case_number, sender_id=case.sender_id,
            kind="extension", status=CaseStatus(case.status).value, text=text, now=now)
