"""督办: deadline supervision of open cases, supervisors' instructions, the job lease.

* ``Supervision.deadline_items()`` — every case whose next *office* deadline
  (``bot.cases.deadlines.next_deadline``: the 15-day acceptance notice, the handling
  deadline with its extension, the 复查/复核 answers with hearing time left out) is
  overdue or due within ``DUE_SOON_DAYS`` days, with the days overdue, the handling
  officer (the officer of the latest status change or extension) and the last action.
  Dates are China-local, from the injectable clock; deadlines are calendar days and
  never moved off weekends or holidays (``deadlines.MOVE_OFF_HOLIDAYS``).
* Instructions (督办意见): a supervisor adds one; the handling officer acknowledges it;
  both are audited in the same transaction.
* ``Supervision.try_lease(name, holder, ttl)`` — a row in ``job_leases`` so only one of
  several gateway instances runs the hourly check (a conditional ``UPDATE``, the same on
  SQLite and PostgreSQL).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload, sessionmaker

from bot.audit.log import add_audit
from bot.cases.deadlines import OFFICE, Deadline, next_deadline
from bot.cases.errors import CaseError, CaseNotFound
from bot.cases.models import Case, EventKind, JobLease, SupervisionInstruction
from bot.cases.numbers import parse_case_number
from bot.cases.status import STATUS_LABELS, CaseStatus
from bot.cases.views import case_to_view
from bot.common.clock import Clock, local_date, to_naive_utc, utc_now
from bot.common.text import clean_field
from bot.store.db import session_scope

__all__ = ["DUE_SOON_DAYS", "OPEN_STATUSES", "DeadlineItem", "InstructionView", "Supervision"]

DUE_SOON_DAYS = 3
MAX_INSTRUCTION = 2000
OPEN_STATUSES = (CaseStatus.RECEIVED, CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS,
                 CaseStatus.REVIEW, CaseStatus.RECHECK)
EVENT_LABELS = {EventKind.FILED: "登记", EventKind.IMPORTED: "导入", EventKind.STATUS: "状态变更",
                EventKind.EXTENSION: "延期"}


@dataclass(frozen=True)
class DeadlineItem:
    """A case that is overdue or due soon."""

    case_number: str
    status: CaseStatus
    matter: str
    deadline: Deadline
    today: date
    officer: str
    last_action: str
    last_action_at: datetime | None
    open_instructions: int = 0

    @property
    def overdue(self) -> bool:
        return self.deadline.overdue

    @property
    def days_overdue(self) -> int:
        return max((self.today - self.deadline.due_date).days, 0) if self.overdue else 0

    @property
    def days_left(self) -> int:
        return (self.deadline.due_date - self.today).days

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class InstructionView:
    id: int
    case_number: str
    author: str
    text: str
    created_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


def classify(deadline: Deadline | None, today: date, soon_days: int = DUE_SOON_DAYS) -> str:
    """``"overdue"``, ``"due_soon"`` (0..soon_days days left) or ``""`` for an office deadline."""
    if deadline is None or deadline.applies_to != OFFICE:
        return ""
    if deadline.overdue:
        return "overdue"
    if (deadline.due_date - today).days <= soon_days:
        return "due_soon"
    return ""


def _officer_and_last(case: Case) -> tuple[str, str, datetime | None]:
    steps = [e for e in case.events if e.kind in EventKind.STEPS]
    officer_steps = [e for e in steps if e.kind in (EventKind.STATUS, EventKind.EXTENSION)]
    officer = officer_steps[-1].actor if officer_steps else ""
    if not steps:
        return officer, "", None
    last = steps[-1]
    label = EVENT_LABELS.get(last.kind, last.kind)
    if last.kind == EventKind.STATUS and last.to_status:
        label += f" → {STATUS_LABELS[CaseStatus(last.to_status)]}"
    return officer, f"{label}（{last.actor}）", last.at


def _instruction_view(row: SupervisionInstruction, number: str) -> InstructionView:
    return InstructionView(row.id, number, row.author, row.text, row.created_at,
                           row.acknowledged_by, row.acknowledged_at)


class Supervision:
    """Deadline supervision on top of a SQLAlchemy session factory."""

    def __init__(self, factory: sessionmaker, clock: Clock = utc_now,
                 soon_days: int = DUE_SOON_DAYS) -> None:
        self._factory = factory
        self._clock = clock
        self._soon = soon_days

    def _now(self) -> datetime:
        return to_naive_utc(self._clock())

    def today(self) -> date:
        return local_date(self._now())

    # ------------------------------------------------------------- deadlines
    def deadline_items(self) -> list[DeadlineItem]:
        """Overdue cases (most days overdue first), then due-soon ones (nearest first)."""
        today = self.today()
        query = (select(Case).where(Case.status.in_(OPEN_STATUSES))
                 .options(selectinload(Case.events)).order_by(Case.id))
        items: list[DeadlineItem] = []
        with session_scope(self._factory) as session:
            cases = list(session.execute(query).scalars())
            pending = self._open_counts(session, [c.id for c in cases])
            for case in cases:
                deadline = next_deadline(case_to_view(case, with_events=False), today)
                if deadline is None or not classify(deadline, today, self._soon):
                    continue
                officer, last, last_at = _officer_and_last(case)
                items.append(DeadlineItem(case.case_number, CaseStatus(case.status), case.matter,
                                          deadline, today, officer, last, last_at,
                                          pending.get(case.id, 0)))
        return sorted(items, key=lambda i: (not i.overdue, i.deadline.due_date, i.case_number))

    @staticmethod
    def _open_counts(session, case_ids: list[int]) -> dict[int, int]:  # type: ignore[no-untyped-def]
        if not case_ids:
            return {}
        rows = session.execute(select(SupervisionInstruction.case_id).where(
            SupervisionInstruction.case_id.in_(case_ids),
            SupervisionInstruction.acknowledged_at.is_(None))).scalars()
        counts: dict[int, int] = {}
        for case_id in rows:
            counts[case_id] = counts.get(case_id, 0) + 1
        return counts

    def flag_for(self, number: str) -> str:
        """``"overdue"``/``"due_soon"``/``""`` for one case (the console badge)."""
        with session_scope(self._factory) as session:
            case = session.execute(select(Case).where(Case.case_number == number)).scalar_one_or_none()
            if case is None:
                return ""
            today = self.today()
            return classify(next_deadline(case_to_view(case, with_events=False), today), today,
                            self._soon)

    # ---------------------------------------------------------- instructions
    @staticmethod
    def _case(session, number: str) -> Case:  # type: ignore[no-untyped-def]
        parsed = parse_case_number(number)
        case = None if parsed is None else session.execute(
            select(Case).where(Case.case_number == parsed)).scalar_one_or_none()
        if case is None:
            raise CaseNotFound(str(number)[:40])
        return case

    def add_instruction(self, number: str, author: str, text: str,
                        ip: str | None = None) -> InstructionView:
        body = clean_field(text or "").strip()[:MAX_INSTRUCTION]
        if not body:
            raise CaseError("督办意见不能为空。")
        now = self._now()
        with session_scope(self._factory) as session:
            case = self._case(session, number)
            row = SupervisionInstruction(case_id=case.id, author=author[:64], text=body,
                                         created_at=now)
            session.add(row)
            session.flush()
            add_audit(session, now, author, "supervision_instruction", "case", case.case_number,
                      {"instruction": row.id}, ip)
            return _instruction_view(row, case.case_number)

    def acknowledge(self, number: str, instruction_id: int, officer: str,
                    ip: str | None = None) -> bool:
        """Mark the instruction as acknowledged; ``False`` if it was already (or is unknown)."""
        now = self._now()
        with session_scope(self._factory) as session:
            case = self._case(session, number)
            done = session.execute(
                update(SupervisionInstruction)
                .where(SupervisionInstruction.id == instruction_id,
                       SupervisionInstruction.case_id == case.id,
                       SupervisionInstruction.acknowledged_at.is_(None))
                .values(acknowledged_by=officer[:64], acknowledged_at=now)
                .execution_options(synchronize_session=False)).rowcount == 1
            if done:
                add_audit(session, now, officer, "supervision_ack", "case", case.case_number,
                          {"instruction": instruction_id}, ip)
            return done

    def instructions(self, number: str) -> list[InstructionView]:
        with session_scope(self._factory) as session:
            case = self._case(session, number)
            rows = session.execute(select(SupervisionInstruction)
                                   .where(SupervisionInstruction.case_id == case.id)
                                   .order_by(SupervisionInstruction.id)).scalars()
            return [_instruction_view(r, case.case_number) for r in rows]

    # ------------------------------------------------------------------ lease
    def try_lease(self, name: str, holder: str, ttl: timedelta) -> bool:
        """Take the named lease until now + ``ttl``.

        Returns ``False`` while a lease (anyone's, this holder's too: one run per
        period) is still running.
        """
        now = self._now()
        until = now + ttl
        with session_scope(self._factory) as session:
            taken = session.execute(
                update(JobLease)
                .where(JobLease.name == name, JobLease.until <= now)
                .values(holder=holder, until=until)
                .execution_options(synchronize_session=False)).rowcount == 1
            if taken:
                return True
            exists = session.execute(select(JobLease.name).where(JobLease.name == name)).first()
            if exists is not None:
                return False
        try:
            with session_scope(self._factory) as session:
                session.add(JobLease(name=name, holder=holder, until=until))
            return True
        except IntegrityError:  # another instance inserted it first
            return False

    def check(self, actor: str = "system") -> list[DeadlineItem]:
        """The hourly check: the items, with one audit entry naming them (if any)."""
        items = self.deadline_items()
        if not items:
            return items
        overdue = [i.case_number for i in items if i.overdue]
        soon = [i.case_number for i in items if not i.overdue]
        with session_scope(self._factory) as session:
            add_audit(session, self._now(), actor, "deadline_check", "cases", "",
                      {"overdue": overdue[:50], "due_soon": soon[:50]})
        return items
