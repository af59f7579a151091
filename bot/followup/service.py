"""``FollowupService``: plan 回访 questions, take the citizen's answer, show and count them.

A case answered (已答复) at least ``delay`` ago — and not taken to 复查/复核 since — gets
one question per answer: ``plan`` (run by the gateway's job runner) writes a
``case_followups`` row and its outbox message (``bot.notify``) in one transaction, so
the notification worker delivers it with the usual retries, opt-outs and web-chat
waiting.  Planning is idempotent (one row per case and answer time, unique).  Answers
older than ``delay + window`` are never planned (no questions about last year's cases
on the day the feature is deployed).  The citizen's answer is accepted while the
question has been delivered and not answered, for ``window`` after delivery.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.cases.models import Case
from bot.cases.status import CaseStatus
from bot.cases.wording import format_date
from bot.common.clock import Clock, local_date, to_naive_utc, utc_now
from bot.followup.models import Followup, FollowupState, Rating
from bot.followup.texts import FollowupTexts, default_texts
from bot.notify.addressing import chat_channel_of
from bot.notify.models import OutboxRow, State
from bot.notify.outbox import enqueue
from bot.privacy import mask_text
from bot.store.db import session_scope

__all__ = ["RATING_LABELS", "STATE_LABELS", "Answer", "FollowupService", "FollowupView"]

log = logging.getLogger(__name__)

KIND = "followup"  # the outbox rows' kind (the worker adds the three buttons)
DEFAULT_DELAY = timedelta(days=3)
DEFAULT_WINDOW = timedelta(days=14)
_MAX_COMMENT = 500
RATING_LABELS = {Rating.SATISFIED: "满意", Rating.BASIC: "基本满意", Rating.UNSATISFIED: "不满意"}
STATE_LABELS = {FollowupState.OPEN: "待回复", FollowupState.ANSWERED: "已回复",
                FollowupState.CANCELLED: "已取消"}
#: a case in these statuses with an answer date is one whose answer stands (no 复查 pending)
_ANSWER_STANDS = (CaseStatus.ANSWERED, CaseStatus.CLOSED)


@dataclass(frozen=True)
class Answer:
    """What the citizen's reply needs: the case, whether it was a 复查意见, the answer date."""

    case_number: str
    rating: str
    after_review: bool
    answered_on: date
    handling_unit: str | None


@dataclass(frozen=True)
class FollowupView:
    """One 回访 as the console shows it (the comment is already masked)."""

    case_number: str
    due_at: datetime
    state: str
    delivery: str | None  # the outbox state of the question
    rating: str | None
    comment: str | None
    answered_at: datetime | None


def _view(followup: Followup, delivery: str | None) -> FollowupView:
    return FollowupView(followup.case_number, followup.due_at, followup.state, delivery,
                        followup.rating, followup.comment, followup.answered_at)


class FollowupService:
    """Plans, answers and reads 回访 (``delay``: after the answer; ``window``: to reply)."""

    def __init__(self, factory: sessionmaker, clock: Clock = utc_now, *,
                 delay: timedelta = DEFAULT_DELAY, window: timedelta = DEFAULT_WINDOW,
                 texts: FollowupTexts | None = None) -> None:
        self._factory = factory
        self._clock = clock
        self.delay = delay
        self.window = window
        self.texts = texts or default_texts()

    def now(self) -> datetime:
        return to_naive_utc(self._clock())

    # ------------------------------------------------------------------ plan
    def _candidates(self, session: Session, now: datetime) -> list[int]:
        planned = select(Followup.id).where(Followup.case_id == Case.id,
                                            Followup.case_answered_at == Case.answered_at)
        query = (select(Case.id, Case.sender_id).where(Case.status.in_(_ANSWER_STANDS), Case.sender_id.is_not(None),
                                    Case.answered_at <= now - self.delay,
                                    Case.answered_at > now - self.delay - self.window,
                                    ~planned.exists())
                 .order_by(Case.answered_at).limit(500))
        return [case_id for case_id, sender in session.execute(query) if chat_channel_of(sender)]

    def _question(self, case: Case) -> str:
        return self.texts.question.format(case_number=case.case_number,
                                          answered_date=format_date(local_date(case.answered_at)))

    def _plan_one(self, session: Session, case: Case, now: datetime) -> None:
        row = enqueue(session, case_id=case.id, case_number=case.case_number, sender_id=case.sender_id,
                      kind=KIND, status=CaseStatus.ANSWERED.value, text=self._question(case), now=now)
        session.flush()
        session.add(Followup(case_id=case.id, case_number=case.case_number,
                             recipient=str(case.sender_id).strip(), outbox_id=row.id if row else None,
                             after_review=case.review_requested_at is not None,
                             case_answered_at=case.answered_at, due_at=now,
                             state=FollowupState.OPEN, created_at=now))

    def _cancel_overtaken(self, session: Session) -> None:
        """Open 回访 not sent yet whose case moved on (复查/复核 asked): never asked."""
        overtaken = (select(Followup.id, Followup.outbox_id).join(Case, Case.id == Followup.case_id)
                     .join(OutboxRow, OutboxRow.id == Followup.outbox_id)
                     .where(Followup.state == FollowupState.OPEN, OutboxRow.state == State.PENDING,
                            Case.status.not_in(_ANSWER_STANDS)))
        for followup_id, outbox_id in session.execute(overtaken).all():
            stopped = session.execute(  # not while a worker holds it: then it is asked after all
                update(OutboxRow).where(OutboxRow.id == outbox_id, OutboxRow.state == State.PENDING,
                                        OutboxRow.lease_owner.is_(None))
                .values(state=State.CANCELLED).execution_options(synchronize_session=False)).rowcount
            if stopped != 1:
                continue
            session.execute(update(Followup).where(Followup.id == followup_id)
                            .values(state=FollowupState.CANCELLED).execution_options(synchronize_session=False))

    def plan(self) -> int:
        """Queue the question for every case whose answer is ``delay`` old; the count.

        First, questions still waiting to go out for cases taken to 复查/复核 meanwhile are
        cancelled.
        """
        now = self.now()
        planned = 0
        with session_scope(self._factory) as session:
            self._cancel_overtaken(session)
            case_ids = self._candidates(session, now)
        for case_id in case_ids:  # one transaction each: a unique clash only skips that case
            try:
                with session_scope(self._factory) as session:
                    self._plan_one(session, session.get(Case, case_id), now)
                planned += 1
            except IntegrityError:
                log.info("回访 of case %s already planned by another instance", case_id)
        return planned

    # ---------------------------------------------------------------- answer
    def _open_query(self, recipient: str, now: datetime):  # type: ignore[no-untyped-def]
        """The latest delivered, unanswered question to ``recipient`` within the window.

        A question whose delivery is under way (leased by a worker, not yet marked sent)
        counts as delivered: the citizen may answer before the worker records it.
        """
        delivered = or_(and_(OutboxRow.state == State.SENT, OutboxRow.sent_at > now - self.window),
                        and_(OutboxRow.state == State.PENDING, OutboxRow.lease_until > now))
        return (select(Followup).join(OutboxRow, OutboxRow.id == Followup.outbox_id)
                .where(Followup.recipient == recipient, Followup.state == FollowupState.OPEN, delivered)
                .order_by(Followup.id.desc()).limit(1))

    def has_open(self, recipient: str) -> bool:
        with session_scope(self._factory) as session:
            return session.execute(self._open_query(recipient.strip(), self.now())).first() is not None

    def answer(self, recipient: str, rating: str, text: str) -> Answer | None:
        """Record ``rating`` (and the citizen's words, masked) on the open 回访.

        ``None`` when ``recipient`` has no open question.
        """
        if rating not in Rating.ALL:
            raise ValueError(f"unknown rating {rating!r}")
        now = self.now()
        with session_scope(self._factory) as session:
            followup = session.execute(self._open_query(recipient.strip(), now)
                                       .with_for_update()).scalar_one_or_none()
            if followup is None:
                return None
            followup.state, followup.rating, followup.answered_at = FollowupState.ANSWERED, rating, now
            words = text.strip()
            if words and words != self.texts.buttons[rating]:
                followup.comment = mask_text(words)[:_MAX_COMMENT]
            case = session.get(Case, followup.case_id)
            log.info("回访 of %s answered: %s", followup.case_number, rating)
            return Answer(followup.case_number, rating, followup.after_review,
                          local_date(followup.case_answered_at), case.handling_unit if case else None)

    # ------------------------------------------------------- console, figures
    def for_case(self, case_number: str) -> list[FollowupView]:
        query = (select(Followup, OutboxRow.state).outerjoin(OutboxRow, OutboxRow.id == Followup.outbox_id)
                 .where(Followup.case_number == case_number).order_by(Followup.id))
        with session_scope(self._factory) as session:
            return [_view(f, delivery) for f, delivery in session.execute(query)]

    def recent(self, state: str | None = None, limit: int = 50) -> list[FollowupView]:
        """The latest 回访 (optionally in one state), newest first."""
        query = (select(Followup, OutboxRow.state).outerjoin(OutboxRow, OutboxRow.id == Followup.outbox_id)
                 .order_by(Followup.id.desc()).limit(max(1, limit)))
        if state:
            query = query.where(Followup.state == state)
        with session_scope(self._factory) as session:
            return [_view(f, delivery) for f, delivery in session.execute(query)]

    def counts(self, start: datetime, end: datetime) -> tuple[dict[str, int], int]:
        """Answers per rating in [start, end) and the questions delivered then."""
        with session_scope(self._factory) as session:
            rows = session.execute(select(Followup.rating, func.count()).where(
                Followup.state == FollowupState.ANSWERED, Followup.answered_at >= start,
                Followup.answered_at < end).group_by(Followup.rating)).all()
            asked = session.execute(select(func.count()).select_from(Followup).join(
                OutboxRow, and_(OutboxRow.id == Followup.outbox_id, OutboxRow.state == State.SENT))
                .where(OutboxRow.sent_at >= start, OutboxRow.sent_at < end)).scalar_one()
        return {rating: count for rating, count in rows}, int(asked)
