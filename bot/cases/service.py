"""``CaseService``: the one entry point for filing, verifying and handling petition cases.

Every change writes a ``CaseEvent``.  Citizen verification is uniform: any
wrong, missing or malicious input yields ``Verification(ok=False, case_view=None)``;
5 failures from one sender within an hour lock that sender for an hour.
Timestamps come from the injected ``clock`` (naive UTC or aware).
"""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot.cases.channels import Channel
from bot.cases.codes import CodeHasher, generate_query_code
from bot.cases.deadlines import (
    acceptance_due,
    handling_due,
    recheck_answer_due,
    review_answer_due,
    validate_extension,
    validate_hearing_days,
)
from bot.cases.errors import (
    CaseError,
    CaseNotFound,
    CaseValidationError,
    ExtensionError,
    NumberAllocationError,
)
from bot.cases.importing import ImportRecord, parse_import_row
from bot.cases.lockout import LockPolicy, locked_until
from bot.cases.models import Case, CaseEvent, EventKind, VerificationAttempt
from bot.cases.notices import notify_extension, notify_status
from bot.cases.numbers import format_case_number, next_free_seq, parse_case_number, split_case_number
from bot.cases.status import OPEN_STATUSES, CaseStatus, check_transition, parse_status
from bot.cases.validation import CaseInput, validate_case_input
from bot.cases.views import CaseView, case_to_view
from bot.common.clock import Clock, local_date, local_midnight, to_naive_utc, utc_now
from bot.common.text import clean_field
from bot.privacy import normalise_phone
from bot.store.db import session_scope

__all__ = ["CaseService", "FiledCase", "ImportReport", "SkippedRow", "Verification"]

log = logging.getLogger(__name__)

_ALLOCATION_ATTEMPTS = 25
# Frozen dataclass, so one shared default instance is safe.
_DEFAULT_LOCK_POLICY = LockPolicy()
_MAX_ACTOR = 100
_MAX_SENDER = 255
_MAX_CLIENT = 64
# How long a successful verification may be used to show the case (once).
VERIFICATION_TTL = timedelta(minutes=10)


@dataclass(frozen=True)
class FiledCase:
    """A new case's number and its query code (the only time the code is available)."""

    case_number: str
    query_code: str


@dataclass(frozen=True)
class Verification:
    """Result of a citizen's number + code check; ``case_view`` is masked (``case`` is an alias)."""

    ok: bool
    case_view: CaseView | None = None
    locked: bool = False

    @property
    def case(self) -> CaseView | None:
        """Alias of ``case_view``."""
        return self.case_view


@dataclass(frozen=True)
class SkippedRow:
    """An import row that was not imported, with the reason (1-based record number)."""

    row: int
    reason: str


@dataclass
class ImportReport:
    """Outcome of ``import_cases``."""

    imported: list[FiledCase] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)


def _actor(actor: str) -> str:
    value = clean_field(actor)[:_MAX_ACTOR]
    if not value:
        raise CaseValidationError(["必须注明操作人 / an actor (officer name) is required"])
    return value


def _is_number_conflict(exc: IntegrityError) -> bool:
    """The unique case number / (year, seq) constraint was hit (PostgreSQL or SQLite wording)."""
    text = str(exc.orig)
    return any(marker in text for marker in ("uq_cases_", "cases.case_number", "cases.year"))


def _sender_key(sender: object) -> str:
    return (str(sender) if sender is not None else "")[:_MAX_SENDER] or "anonymous"


def _client_key(client: object) -> str | None:
    """The gateway's opaque client key (a hash of the address), or ``None``."""
    value = str(client or "").strip()[:_MAX_CLIENT]
    return value or None


class CaseService:
    """Petition cases on top of a SQLAlchemy session factory."""

    def __init__(
        self,
        session_factory: sessionmaker,
        clock: Clock = utc_now,
        *,
        hasher: CodeHasher | None = None,
        lock_policy: LockPolicy = _DEFAULT_LOCK_POLICY,
    ) -> None:
        self._factory = session_factory
        self._clock = clock
        self._hasher = hasher or CodeHasher()
        self._policy = lock_policy

    # ------------------------------------------------------------------ helpers
    def _now(self) -> datetime:
        return to_naive_utc(self._clock())

    def today(self) -> date:
        """Today's date in China according to the service clock."""
        return local_date(self._now())

    @staticmethod
    def _load(session: Session, number_text: str, *, lock: bool = False) -> Case:
        number = parse_case_number(number_text)
        if number is None:
            raise CaseNotFound(str(number_text)[:40])
        query = select(Case).where(Case.case_number == number).options(selectinload(Case.events))
        case = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
        if case is None:
            raise CaseNotFound(number)
        return case

    @staticmethod
    def _event(case: Case, kind: str, actor: str, note: str, at: datetime, before: str | None = None) -> None:
        status = CaseStatus(case.status).value
        case.events.append(
            CaseEvent(kind=kind, from_status=before, to_status=status, actor=actor, note=note, at=at)
        )

    @staticmethod
    def _new_case(data: CaseInput, number: str, code_hash: str, received_at: datetime, now: datetime) -> Case:
        year, seq = split_case_number(number)
        return Case(
            case_number=number, year=year, seq=seq, matter=data.matter,
            petitioner_name=data.petitioner_name, petitioner_phone=data.petitioner_phone,
            petitioner_address=data.petitioner_address, channel=data.channel,
            description=data.description, requested_outcome=data.requested_outcome,
            reasons=data.reasons, location=data.location, occurred_at=data.occurred_at,
            handling_unit=data.handling_unit, sender_id=data.sender_id,
            status=CaseStatus.RECEIVED, query_code_hash=code_hash, received_at=received_at,
            acceptance_due=acceptance_due(local_date(received_at)), created_at=now, updated_at=now,
        )

    def _insert_numbered(self, build: Callable[[str], Case], year: int,
                         after: Callable[[Session, Case], None] | None = None) -> str:
        """Insert ``build(number)`` with the next free number of ``year``; retry on conflicts.

        ``after(session, case)`` runs in the same transaction (e.g. an outbox notice).
        """
        for attempt in range(_ALLOCATION_ATTEMPTS):
            try:
                with session_scope(self._factory) as session:
                    number = format_case_number(year, next_free_seq(session, year))
                    case = build(number)
                    session.add(case)
                    session.flush()
                    if after is not None:
                        after(session, case)
                return number
            except IntegrityError as exc:
                if not _is_number_conflict(exc):
                    raise
                time.sleep(random.uniform(0, 0.01 * (attempt + 1)))  # noqa: S311 - retry jitter, not security-relevant
        raise NumberAllocationError("无法分配案件编号，请稍后重试 / could not allocate a case number")

    # ------------------------------------------------------------------ filing
    def file_case(
        self,
        *,
        matter: str,
        petitioner_name: str,
        petitioner_phone: str,
        channel: Channel | str,
        description: str,
        requested_outcome: str,
        reasons: str,
        location: str = "",
        occurred_at: str = "",
        handling_unit: str | None = None,
        petitioner_address: str | None = None,
        sender_id: str | None = None,
        actor: str = "citizen",
        rejected_notice: str | None = None,
    ) -> FiledCase:
        """Register a new petition (status ``received``); returns number + one-time query code.

        ``description`` = 事实, ``requested_outcome`` = 请求, ``reasons`` = 理由 (第十九条);
        raises ``CaseValidationError`` listing every missing or malformed field.

        ``rejected_notice``: the matter is not the traffic police's — the petition is
        registered all the same and at once set to ``rejected`` (不予受理并告知) with this
        notice of where to go (第二十三条第一款); the status notice goes to the outbox
        in the same transaction, like every status change.
        """
        data = validate_case_input({
            "matter": matter, "petitioner_name": petitioner_name, "petitioner_phone": petitioner_phone,
            "channel": channel, "description": description, "requested_outcome": requested_outcome,
            "reasons": reasons, "location": location, "occurred_at": occurred_at,
            "handling_unit": handling_unit, "petitioner_address": petitioner_address, "sender_id": sender_id,
        })
        who = _actor(actor)
        notice = clean_field(rejected_notice) if rejected_notice is not None else None
        if notice is not None and not notice:
            raise CaseValidationError(["不予受理须告知信访人向哪个机关提出 / a rejection needs its notice"])
        code = generate_query_code()
        code_hash = self._hasher.hash(code)
        now = self._now()

        def build(number: str) -> Case:
            case = self._new_case(data, number, code_hash, now, now)
            self._event(case, EventKind.FILED, who, "登记", now)
            if notice:
                case.status = CaseStatus.REJECTED
                self._event(case, EventKind.STATUS, who, notice, now, CaseStatus.RECEIVED.value)
            return case

        def notify(session: Session, case: Case) -> None:
            notify_status(session, case, now, next_step=notice)  # same transaction

        number = self._insert_numbered(build, local_date(now).year, notify if notice else None)
        log.info("case filed %s matter=%s channel=%s", number, data.matter, data.channel.value)
        return FiledCase(number, code)

    def find_open_duplicate(self, phone: str, matter: str) -> CaseView | None:
        """Most recent open case (not closed/rejected) with the same phone and matter."""
        query = (
            select(Case)
            .where(Case.petitioner_phone == normalise_phone(clean_field(phone)), Case.matter == clean_field(matter))
            .where(Case.status.in_(list(OPEN_STATUSES)))
            .order_by(Case.received_at.desc(), Case.id.desc())
            .limit(1)
            .options(selectinload(Case.events))
        )
        with session_scope(self._factory) as session:
            case = session.execute(query).scalar_one_or_none()
            return case_to_view(case) if case else None

    # ------------------------------------------------------------ verification
    def _lock_end(self, session: Session, column: Any, value: str | None,
                  now: datetime) -> datetime | None:
        """End of the lock on one key (sender, case number or client), if it is locked now."""
        if value is None:
            return None
        query = select(VerificationAttempt.at).where(
            column == value,
            VerificationAttempt.success.is_(False),
            VerificationAttempt.blocked.is_(False),
            VerificationAttempt.at > now - self._policy.lookback,
            VerificationAttempt.at <= now,
        )
        until = locked_until(session.execute(query).scalars().all(), self._policy)
        return until if until is not None and until > now else None

    def _locked(self, session: Session, key: str, number: str | None,
                client: str | None, now: datetime) -> bool:
        """Whether the sender, the case number or the client address is locked.

        Failures lock all three alike, so neither fresh sender ids nor spreading
        guesses over cases get more tries.
        """
        keys = ((VerificationAttempt.sender, key), (VerificationAttempt.case_number, number),
                (VerificationAttempt.client, client))
        return any(self._lock_end(session, column, value, now) is not None
                   for column, value in keys)

    def is_locked(self, sender: str, client: str | None = None) -> bool:
        """Whether ``sender`` (or its client address) is currently locked out of verification."""
        with session_scope(self._factory) as session:
            return self._locked(session, _sender_key(sender), None, _client_key(client),
                                self._now())

    def verify(self, sender: str, number_text: object, code_text: object,
               client: str | None = None) -> Verification:
        """Check a case number + query code for ``sender``; uniform failure, lockout aware.

        A success is stored (bound to the sender and the case, short-lived, used once):
        :meth:`verified_case` is what proves it later, never a slot value.
        """
        key, now, client_key = _sender_key(sender), self._now(), _client_key(client)
        number = parse_case_number(number_text)
        with session_scope(self._factory) as session:
            locked = self._locked(session, key, number, client_key, now)
            attempt = VerificationAttempt(sender=key, at=now, success=False, blocked=locked,
                                          case_number=number, client=client_key)
            session.add(attempt)
            if locked:  # no hash is computed for a locked key
                return Verification(ok=False, case_view=None, locked=True)
            case = None
            if number is not None:
                query = select(Case).where(Case.case_number == number).options(selectinload(Case.events))
                case = session.execute(query).scalar_one_or_none()
            attempt.success = self._hasher.verify(case.query_code_hash if case else None, code_text)
            session.flush()
            if not attempt.success or case is None:  # verify() is never True without a case
                locked = self._locked(session, key, number, client_key, now)
                return Verification(ok=False, case_view=None, locked=locked)
            return Verification(ok=True, case_view=case_to_view(case).masked_copy(), locked=False)

    def verified_case(self, sender: str, number_text: object,
                      within: timedelta = VERIFICATION_TTL) -> CaseView | None:
        """The masked case if ``sender`` verified it within ``within``, else ``None``.

        Only a verification not used yet counts; this call uses it up.
        """
        key, now, number = _sender_key(sender), self._now(), parse_case_number(number_text)
        if number is None:
            return None
        with session_scope(self._factory) as session:
            attempt = session.execute(
                select(VerificationAttempt).where(
                    VerificationAttempt.sender == key, VerificationAttempt.case_number == number,
                    VerificationAttempt.success.is_(True), VerificationAttempt.used.is_(False),
                    VerificationAttempt.at > now - within, VerificationAttempt.at <= now,
                ).order_by(VerificationAttempt.at.desc()).limit(1).with_for_update()
            ).scalar_one_or_none()
            if attempt is None:
                return None
            attempt.used = True
            case = self._load(session, number)
            return case_to_view(case).masked_copy()

    # ---------------------------------------------------------------- handling
    @staticmethod
    def _stamp(case: Case, target: CaseStatus, when: datetime) -> None:
        day = local_date(when)
        if target is CaseStatus.ACCEPTED:
            case.accepted_at = when
            case.handling_due = handling_due(day, case.extension_days)
        elif target is CaseStatus.ANSWERED:
            case.answered_at = when
        elif target is CaseStatus.REVIEW:
            case.review_requested_at = when
            case.review_due = review_answer_due(day)
        elif target is CaseStatus.RECHECK:
            case.recheck_requested_at = when
            case.recheck_due = recheck_answer_due(day)
        elif target is CaseStatus.CLOSED:
            case.closed_at = when

    def _effective_time(self, case: Case, at: datetime | None, now: datetime) -> datetime:
        if at is None:
            return now
        when = to_naive_utc(at)
        if when > now:
            raise CaseValidationError(["日期不能晚于现在 / date cannot be in the future"])
        stages = (case.received_at, case.accepted_at, case.answered_at,
                  case.review_requested_at, case.recheck_requested_at)
        if local_date(when) < max(local_date(moment) for moment in stages if moment is not None):
            raise CaseValidationError(["日期不能早于上一步 / date cannot precede the previous step"])
        return when

    def transition(
        self,
        number: str,
        to_status: str | CaseStatus,
        actor: str,
        note: str = "",
        *,
        at: datetime | None = None,
    ) -> CaseView:
        """Move a case to ``to_status`` (key or Chinese label); ``at`` backdates the step."""
        target, who = parse_status(to_status), _actor(actor)
        with session_scope(self._factory) as session:
            case = self._load(session, number, lock=True)
            before = CaseStatus(case.status)
            check_transition(before, target, reviewed=case.review_requested_at is not None)
            now = self._now()
            when = self._effective_time(case, at, now)
            case.status = target
            self._stamp(case, target, when)
            case.updated_at = now
            self._event(case, EventKind.STATUS, who, clean_field(note), when, before.value)
            notify_status(session, case, now)  # outbox row in this same transaction
            session.flush()
            log.info("case %s %s -> %s by %s", case.case_number, before.value, target.value, who)
            return case_to_view(case)

    def extend(self, number: str, days: int, reason: str, actor: str) -> CaseView:
        """Extend the handling period once by 1..30 days with a reason (第三十四条)."""
        who, why = _actor(actor), clean_field(reason)
        with session_scope(self._factory) as session:
            case = self._load(session, number, lock=True)
            if CaseStatus(case.status) not in (CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS):
                raise ExtensionError("只有已受理、办理中的案件可以延期 / only accepted or in-progress cases")
            validate_extension(case.extension_days, days, why)
            now = self._now()
            case.extension_days, case.extension_reason = days, why
            case.handling_due = handling_due(local_date(case.accepted_at), days)
            case.updated_at = now
            self._event(case, EventKind.EXTENSION, who, f"延长{days}日：{why}", now, case.status.value)
            notify_extension(session, case, now)  # outbox row in this same transaction
            session.flush()
            return case_to_view(case)

    def record_hearing(self, number: str, started: date, days: int | None, actor: str) -> CaseView:
        """Record a 复核 hearing (听证): its first day and, once it is over, its duration.

        ``started`` is a China date; ``days`` is the days it took (first and last day
        counted; ``None`` = still under way).  The hearing's time is not counted in the
        30-day 复核 period (第三十六条第二款): while it is under way the case is not
        overdue, afterwards the 复核 deadline moves by ``days``.
        """
        who = _actor(actor)
        if days is not None:
            try:
                days = validate_hearing_days(days)
            except ValueError as error:
                raise CaseValidationError([str(error)]) from error
        with session_scope(self._factory) as session:
            case = self._load(session, number, lock=True)
            if CaseStatus(case.status) is not CaseStatus.RECHECK or case.recheck_requested_at is None:
                raise CaseValidationError(["只有复核中的案件可以登记听证 / "
                                           "only a case under 复核 (recheck) has a hearing"])
            if case.hearing_days is not None:
                raise CaseValidationError(["本案的听证已登记结束 / the hearing is already recorded as finished"])
            now = self._now()
            today, requested = local_date(now), local_date(case.recheck_requested_at)
            problems = []
            if started < requested:
                problems.append("听证不能早于收到复核请求之日 / the hearing cannot start before the recheck request")
            if started > recheck_answer_due(requested):
                problems.append("复核期限届满后才开始的听证不能扣除时间 / a hearing begun after the "
                                "recheck period ended does not suspend it")
            if (days is not None and started + timedelta(days=days - 1) > today) or started > today:
                problems.append("听证日期不能晚于今天 / hearing dates cannot be in the future")
            if problems:
                raise CaseValidationError(problems)
            case.hearing_started_at, case.hearing_days = local_midnight(started), days
            case.recheck_due = recheck_answer_due(requested, days)
            case.updated_at = now
            note = (f"听证自{started.isoformat()}开始，共{days}日，不计入复核期限" if days is not None
                    else f"听证自{started.isoformat()}开始，进行中，不计入复核期限")
            self._event(case, EventKind.HEARING, who, note, now, case.status.value)
            session.flush()
            log.info("case %s hearing recorded by %s", case.case_number, who)
            return case_to_view(case)

    def reset_query_code(self, number: str, actor: str) -> str:
        """Issue a new query code (the old one stops working); returns it once."""
        who = _actor(actor)
        code = generate_query_code()
        with session_scope(self._factory) as session:
            case = self._load(session, number, lock=True)
            now = self._now()
            case.query_code_hash, case.updated_at = self._hasher.hash(code), now
            self._event(case, EventKind.CODE_RESET, who, "重置查询码", now, case.status.value)
        return code

    # ----------------------------------------------------------------- reading
    def get(self, number: str) -> CaseView | None:
        """Unmasked view of a case (internal use), or ``None``."""
        with session_scope(self._factory) as session:
            try:
                return case_to_view(self._load(session, number))
            except CaseNotFound:
                return None

    def view_for_officer(self, number: str, officer: str) -> CaseView:
        """Unmasked view, recording the officer's access in the timeline."""
        who = _actor(officer)
        with session_scope(self._factory) as session:
            case = self._load(session, number)
            self._event(case, EventKind.ACCESS, who, "查看完整个人信息", self._now(), case.status.value)
            session.flush()
            return case_to_view(case)

    @staticmethod
    def _overdue_clause(today: date) -> Any:
        return or_(
            and_(Case.status == CaseStatus.RECEIVED, Case.acceptance_due < today),
            and_(Case.status.in_([CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS]), Case.handling_due < today),
            and_(Case.status == CaseStatus.REVIEW, Case.review_due < today),
            # Not while a hearing is under way: its time is not counted (第三十六条第二款).
            and_(Case.status == CaseStatus.RECHECK, Case.recheck_due < today,
                 or_(Case.hearing_started_at.is_(None), Case.hearing_days.isnot(None))),
        )

    def list_cases(
        self,
        status: str | CaseStatus | None = None,
        *,
        matter: str | None = None,
        overdue_only: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> list[CaseView]:
        """Cases, newest first, filtered by status/matter/overdue (views without events)."""
        query = select(Case).order_by(Case.received_at.desc(), Case.id.desc())
        if status is not None:
            query = query.where(Case.status == parse_status(status))
        if matter:
            query = query.where(Case.matter == matter)
        if overdue_only:
            query = query.where(self._overdue_clause(self.today()))
        query = query.limit(max(1, min(limit, 10_000))).offset(max(0, offset))
        with session_scope(self._factory) as session:
            return [case_to_view(c, with_events=False) for c in session.execute(query).scalars()]

    # ------------------------------------------------------------------ import
    def _build_imported(self, record: ImportRecord, number: str, code_hash: str, actor: str) -> Case:
        now = self._now()
        case = self._new_case(record.fields, number, code_hash, record.received_at, now)
        case.extension_days, case.extension_reason = record.extension_days, record.extension_reason
        for target, date_field in _DATE_OF.items():
            moment = record.dates[date_field]
            if moment is not None:
                self._stamp(case, target, moment)
        case.status = record.status
        self._event(case, EventKind.IMPORTED, actor, f"导入，状态：{record.status.value}", now)
        return case

    def _import_one(self, record: ImportRecord, actor: str) -> FiledCase:
        code = record.query_code or generate_query_code()
        code_hash = self._hasher.hash(code)
        if record.case_number is None:
            year = local_date(record.received_at).year
            number = self._insert_numbered(lambda n: self._build_imported(record, n, code_hash, actor), year)
            return FiledCase(number, code)
        try:
            with session_scope(self._factory) as session:
                session.add(self._build_imported(record, record.case_number, code_hash, actor))
                session.flush()
        except IntegrityError as exc:
            if not _is_number_conflict(exc):
                raise
            raise CaseValidationError([f"案件编号已存在 / duplicate case number {record.case_number}"]) from exc
        return FiledCase(record.case_number, code)

    def import_cases(self, rows: Iterable[object], actor: str = "import") -> ImportReport:
        """Import exported rows (see ``bot.cases.importing``); bad rows are skipped and reported."""
        who, report, today = _actor(actor), ImportReport(), self.today()
        for index, row in enumerate(rows, start=1):
            try:
                report.imported.append(self._import_one(parse_import_row(row, today), who))
            except (CaseError, ValueError, TypeError, SQLAlchemyError) as exc:
                report.skipped.append(SkippedRow(index, str(exc)))
            except Exception as exc:  # noqa: BLE001 - one broken row must not stop an import
                log.warning("import row %d failed: %s", index, type(exc).__name__)
                report.skipped.append(SkippedRow(index, f"内部错误 / internal error: {type(exc).__name__}"))
        log.info("import: %d imported, %d skipped", len(report.imported), len(report.skipped))
        return report


_DATE_OF = {
    CaseStatus.ACCEPTED: "accepted_at",
    CaseStatus.ANSWERED: "answered_at",
    CaseStatus.REVIEW: "review_requested_at",
    CaseStatus.RECHECK: "recheck_requested_at",
    CaseStatus.CLOSED: "closed_at",
}
