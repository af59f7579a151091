"""The dashboard's figures for a period, from the databases the product already writes.

Two databases (they may be one): Rasa's tracker store (``events``: ``user`` messages with
the gateway's ``metadata.channel``, ``action`` events, ``slot`` events whose
``action_name`` column holds the slot name) and the application database (cases,
handoffs, officers).  Everything is grouped in SQL; only small results (per day, per
matter, per officer …) and the few rows that need Python (deadlines, percentiles,
cross-database matching of diverted conversations with petitions) come back.

Definitions (also shown on the page):

* a *conversation* is one sender on one China-local day with at least one message;
* a matter answer is ``action_explain_matter``'s ``SlotSet(matter, <id>)`` followed by
  ``SlotSet(matter_accepted, …)``; a clarifying question is its ``SlotSet(matter, None)``;
* **分流**: a sender told in the period that the matter is not the traffic police's
  (``matter_accepted`` false).  *Nevertheless petitioned*: a case filed from that
  conversation (``cases.sender_id``) at or after the answer; *asked for a person*:
  ``action_request_human`` at or after it;
* fallback rate: ``action_fallback_suggest`` per citizen message; not understood:
  messages whose intent is ``nlu_fallback``.

The tracker-store figures are read from the daily rollup (:mod:`bot.dashboard.rollup`,
refreshed before each read) when its tables are migrated, otherwise (or with
``rollup=False``) straight from the events; both give the same numbers.
"""
from __future__ import annotations

import hashlib
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from sqlalchemy import and_, distinct, func, inspect, literal, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.expression import ColumnElement

from bot.accounts.models import Officer
from bot.admin.tracker import EVENTS
from bot.cases.deadlines import next_deadline
from bot.cases.models import Case
from bot.cases.status import CaseStatus
from bot.common.clock import Clock, local_date, utc_now
from bot.dashboard.models import RollupAnswer, RollupChannelDay, RollupDay
from bot.dashboard.period import Period
from bot.dashboard.rollup import Rollup, day_number
from bot.dashboard.sql import FALSE_TEXTS, TRUE_TEXTS, day_to_date, json_text, local_day
from bot.handoff.models import Handoff, Status
from bot.privacy import mask_phone

__all__ = ["CaseFigures", "ConversationFigures", "Dashboard", "DiversionFigures", "Figures",
           "HandoffFigures", "MatterCount", "RepeatContact", "percentile", "phone_hash"]

log = logging.getLogger(__name__)

EXPLAIN = "action_explain_matter"
FALLBACK_ACTION = "action_fallback_suggest"
HUMAN_ACTION = "action_request_human"
FALLBACK_INTENT = "nlu_fallback"
TOP_MATTERS = 15
FUNNEL = ("received", "accepted", "answered", "closed")
#: Indexes on Rasa's events table (see Dashboard.ensure_indexes).
EVENT_INDEXES = {"ix_events_dashboard_type_ts": "type_name, timestamp",
                 "ix_events_dashboard_type_action_ts": "type_name, action_name, timestamp"}


def _epoch(moment: datetime) -> float:
    return moment.replace(tzinfo=timezone.utc).timestamp()


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None)


def phone_hash(phone: str) -> str:
    """A stable pseudonym for a phone number (digits only), shown instead of the number."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return hashlib.sha256(f"dashboard:{digits}".encode()).hexdigest()[:10]


def percentile(values: Sequence[float], q: float) -> Optional[float]:
    """Nearest-rank percentile (``q`` in 0..100) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def _rate(part: int, whole: int) -> Optional[float]:
    return part / whole if whole else None


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class MatterCount:
    matter: str
    accepted: Optional[bool]
    conversations: int
    answers: int


@dataclass
class ConversationFigures:
    #: (date, channel) → (conversations, messages)
    per_day: Dict[Tuple[date, str], Tuple[int, int]] = field(default_factory=dict)
    conversations: int = 0
    messages: int = 0
    matters: List[MatterCount] = field(default_factory=list)
    matter_answers: int = 0
    clarifications: int = 0
    fallbacks: int = 0
    not_understood: int = 0

    @property
    def channels(self) -> List[str]:
        return sorted({channel for _, channel in self.per_day})

    @property
    def clarification_rate(self) -> Optional[float]:
        return _rate(self.clarifications, self.matter_answers + self.clarifications)

    @property
    def fallback_rate(self) -> Optional[float]:
        return _rate(self.fallbacks, self.messages)


@dataclass
class DiversionFigures:
    """分流: told the matter is not the traffic police's; and what they did next."""

    answered: int = 0  # senders who got a matter answer
    diverted: int = 0
    petitioned: int = 0
    asked_person: int = 0
    either: int = 0
    #: date → (diverted, petitioned or asked for a person)
    per_day: Dict[date, Tuple[int, int]] = field(default_factory=dict)
    #: matter → diverted senders
    by_matter: Dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> Optional[float]:
        return _rate(self.diverted, self.answered)

    @property
    def still_rate(self) -> Optional[float]:
        return _rate(self.either, self.diverted)


@dataclass
class HandoffFigures:
    total: int = 0
    claimed: int = 0
    wait_p50: Optional[float] = None  # seconds
    wait_p95: Optional[float] = None
    per_officer: List[Tuple[str, int]] = field(default_factory=list)
    ratings: Dict[int, int] = field(default_factory=dict)
    warnings: Dict[str, int] = field(default_factory=dict)
    by_reason: Dict[str, int] = field(default_factory=dict)

    @property
    def mean_rating(self) -> Optional[float]:
        count = sum(self.ratings.values())
        return sum(k * v for k, v in self.ratings.items()) / count if count else None


@dataclass(frozen=True)
class RepeatContact:
    kind: str  # "phone" | "place"
    key: str  # phone hash, or "matter @ place"
    matter: str
    count: int
    cases: Tuple[str, ...] = ()  # case numbers (personal view only)
    phone: str = ""  # masked phone (personal view only)


@dataclass
class CaseFigures:
    filed: int = 0
    #: (iso week "2026-W49", matter, channel) → count
    per_week: Dict[Tuple[str, str, str], int] = field(default_factory=dict)
    funnel: Dict[str, int] = field(default_factory=dict)
    by_status: Dict[str, int] = field(default_factory=dict)
    #: deadline label → (on time, overdue), for the cases still open today
    deadlines: Dict[str, Tuple[int, int]] = field(default_factory=dict)
    overdue: List[Tuple[str, str, str, date]] = field(default_factory=list)  # number, matter, label, due
    repeats: List[RepeatContact] = field(default_factory=list)

    @property
    def overdue_total(self) -> int:
        return sum(late for _, late in self.deadlines.values())


@dataclass
class Figures:
    period: Period
    conversations: ConversationFigures
    diversion: DiversionFigures
    handoffs: HandoffFigures
    cases: CaseFigures
    personal: bool = False
    computed_at: datetime = field(default_factory=utc_now)


# --------------------------------------------------------------------------- queries


class Dashboard:
    """Computes :class:`Figures`; ``tracker`` and ``app`` may be the same engine."""

    def __init__(self, tracker: Engine, app: Engine, clock: Clock = utc_now, rollup: bool = True) -> None:
        self.tracker = tracker
        self.app = app
        self.clock = clock
        self.rollup = Rollup(tracker, app) if rollup else None

    def _rolled_up(self) -> bool:
        """Refresh the rollup and say whether to read from it (not when the refresh failed,
        e.g. another process holding SQLite's write lock: then the direct queries)."""
        if self.rollup is None or not self.rollup.available():
            return False
        try:
            self.rollup.refresh()
        except OperationalError:
            log.warning("dashboard rollup refresh failed; reading the events directly", exc_info=True)
            return False
        return True

    @staticmethod
    def _days(period: Period) -> Tuple[int, int]:
        """The period's first and last China-local day numbers."""
        return day_number(_epoch(period.start)), day_number(_epoch(period.end)) - 1

    def figures(self, period: Period, personal: bool = False) -> Figures:
        has_events = inspect(self.tracker).has_table("events")
        conversations = self.conversations(period) if has_events else ConversationFigures()
        diversion = self.diversion(period) if has_events else DiversionFigures()
        return Figures(period, conversations, diversion, self.handoffs(period),
                       self.cases(period, personal), personal, self.clock())

    # -- tracker store --------------------------------------------------------

    def ensure_indexes(self) -> List[str]:
        """Create the indexes the dashboard's queries use on Rasa's ``events`` table (if
        missing; ``CREATE INDEX IF NOT EXISTS`` on SQLite and PostgreSQL).  Not run
        implicitly: on a large production table build them in a quiet hour
        (``python -m bot dashboard index``)."""
        if not inspect(self.tracker).has_table("events"):
            return []
        made = []
        with self.tracker.begin() as connection:
            for name, columns in EVENT_INDEXES.items():
                connection.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON events ({columns})"))
                made.append(name)
        return made

    def _in(self, period: Period) -> ColumnElement:
        return and_(EVENTS.c.timestamp >= _epoch(period.start), EVENTS.c.timestamp < _epoch(period.end))

    def conversations(self, period: Period) -> ConversationFigures:
        if self._rolled_up():
            return self._rollup_conversations(period)
        e = EVENTS.c
        day = local_day(e.timestamp)
        channel = func.coalesce(json_text(e.data, "metadata", "channel"), literal("other"))
        result = ConversationFigures()
        with self.tracker.connect() as connection:
            rows = connection.execute(
                select(day.label("day"), channel.label("channel"),
                       func.count(distinct(e.sender_id)), func.count())
                .where(e.type_name == "user", self._in(period))
                .group_by(day, channel))
            for number, name, conversations, messages in rows:
                result.per_day[(day_to_date(number), str(name))] = (int(conversations), int(messages))
            # sender-days across channels (a sender on two channels the same day counts once)
            sender_days = select(day.label("day"), e.sender_id).where(
                e.type_name == "user", self._in(period)).group_by(day, e.sender_id).subquery()
            result.conversations = int(connection.execute(
                select(func.count()).select_from(sender_days)).scalar_one())
            result.messages = sum(m for _, m in result.per_day.values())
            result.not_understood = int(connection.execute(
                select(func.count()).where(e.type_name == "user", e.intent_name == FALLBACK_INTENT,
                                           self._in(period))).scalar_one())
            result.fallbacks = int(connection.execute(
                select(func.count()).where(e.type_name == "action", e.action_name == FALLBACK_ACTION,
                                           self._in(period))).scalar_one())
            result.matters, result.matter_answers, result.clarifications = self._matters(connection, period)
        return result

    def _matter_pairs(self):  # type: ignore[no-untyped-def]
        """``SlotSet(matter, id)`` joined with the ``SlotSet(matter_accepted, …)`` right after it."""
        m = EVENTS.alias("m")
        a = EVENTS.alias("a")
        join = m.join(a, and_(a.c.sender_id == m.c.sender_id, a.c.id == m.c.id + 1,
                              a.c.type_name == "slot", a.c.action_name == "matter_accepted"))
        return m, a, join

    def _matters(self, connection: Any, period: Period) -> Tuple[List[MatterCount], int, int]:
        m, a, join = self._matter_pairs()
        matter = json_text(m.c.data, "value")
        accepted = json_text(a.c.data, "value")
        in_period = and_(m.c.timestamp >= _epoch(period.start), m.c.timestamp < _epoch(period.end))
        rows = connection.execute(
            select(matter.label("matter"), accepted.label("accepted"),
                   func.count(distinct(m.c.sender_id)), func.count())
            .select_from(join)
            .where(m.c.type_name == "slot", m.c.action_name == "matter", matter.isnot(None), in_period)
            .group_by(matter, accepted))
        ranked, answers = _ranked(rows)
        clarifications = int(connection.execute(
            select(func.count()).select_from(join)
            .where(m.c.type_name == "slot", m.c.action_name == "matter", matter.is_(None), in_period)
        ).scalar_one())
        return ranked, answers, clarifications

    def diversion(self, period: Period) -> DiversionFigures:
        """分流 and what the diverted citizens did next (petition: cases in the app database)."""
        if self._rolled_up():
            first, last = self._days(period)
            r = RollupAnswer
            in_days = and_(r.day >= first, r.day <= last)
            with self.app.connect() as connection:
                answered = int(connection.execute(
                    select(func.count(distinct(r.sender_id))).where(in_days, r.matter.isnot(None))
                ).scalar_one())
                diverted = {str(s): (_at(float(t)), str(k)) for s, t, k in connection.execute(
                    select(r.sender_id, func.min(r.first_at), func.min(r.matter))
                    .where(in_days, r.accepted.in_(FALSE_TEXTS)).group_by(r.sender_id))}
            return self._diversion(period, answered, diverted)
        m, a, join = self._matter_pairs()
        accepted = json_text(a.c.data, "value")
        matter = json_text(m.c.data, "value")
        in_period = and_(m.c.timestamp >= _epoch(period.start), m.c.timestamp < _epoch(period.end))
        answered_q = (select(func.count(distinct(m.c.sender_id))).select_from(join)
                      .where(m.c.type_name == "slot", m.c.action_name == "matter",
                             matter.isnot(None), in_period))
        diverted_q = (select(m.c.sender_id, func.min(m.c.timestamp), func.min(matter))
                      .select_from(join)
                      .where(m.c.type_name == "slot", m.c.action_name == "matter",
                             accepted.in_(FALSE_TEXTS), in_period)
                      .group_by(m.c.sender_id))
        with self.tracker.connect() as connection:
            answered = int(connection.execute(answered_q).scalar_one())
            diverted = {str(s): (_at(float(t)), str(k)) for s, t, k in connection.execute(diverted_q)}
        return self._diversion(period, answered, diverted)

    def _diversion(self, period: Period, answered: int,
                   diverted: Dict[str, Tuple[datetime, str]]) -> DiversionFigures:
        # Requests for a person from the period's start on (few rows), matched in Python.
        human_q = (select(EVENTS.c.sender_id, func.max(EVENTS.c.timestamp))
                   .where(EVENTS.c.type_name == "action", EVENTS.c.action_name == HUMAN_ACTION,
                          EVENTS.c.timestamp >= _epoch(period.start))
                   .group_by(EVENTS.c.sender_id))
        result = DiversionFigures()
        result.answered = answered
        with self.tracker.connect() as connection:
            asked = {str(s) for s, last in connection.execute(human_q)
                     if str(s) in diverted and _at(float(last)) >= diverted[str(s)][0]}
        petitioned = self._petitioned(diverted)
        result.diverted = len(diverted)
        result.asked_person = len(asked)
        result.petitioned = len(petitioned)
        result.either = len(asked | petitioned)
        per_day: Dict[date, List[int]] = {d: [0, 0] for d in period.dates()}
        by_matter: Counter = Counter()
        for sender, (at, matter_id) in diverted.items():
            slot = per_day.setdefault(local_date(at), [0, 0])
            slot[0] += 1
            slot[1] += sender in asked or sender in petitioned
            by_matter[matter_id] += 1
        result.per_day = {d: (v[0], v[1]) for d, v in sorted(per_day.items())}
        result.by_matter = dict(by_matter.most_common())
        return result

    def _rollup_conversations(self, period: Period) -> ConversationFigures:
        """:meth:`conversations` from the rollup tables (same figures)."""
        first, last = self._days(period)
        result = ConversationFigures()
        with self.app.connect() as connection:
            c = RollupChannelDay
            for number, name, conversations, messages in connection.execute(
                    select(c.day, c.channel, c.conversations, c.messages)
                    .where(c.day >= first, c.day <= last)):
                result.per_day[(day_to_date(number), str(name))] = (int(conversations), int(messages))
            result.messages = sum(m for _, m in result.per_day.values())
            d = RollupDay
            conversations, not_understood, fallbacks = connection.execute(
                select(func.coalesce(func.sum(d.conversations), 0),
                       func.coalesce(func.sum(d.not_understood), 0),
                       func.coalesce(func.sum(d.fallbacks), 0))
                .where(d.day >= first, d.day <= last)).one()
            result.conversations = int(conversations)
            result.not_understood = int(not_understood)
            result.fallbacks = int(fallbacks)
            r = RollupAnswer
            in_days = and_(r.day >= first, r.day <= last)
            rows = connection.execute(
                select(r.matter, r.accepted, func.count(distinct(r.sender_id)), func.sum(r.answers))
                .where(in_days, r.matter.isnot(None)).group_by(r.matter, r.accepted))
            result.matters, result.matter_answers = _ranked(rows)
            result.clarifications = int(connection.execute(
                select(func.coalesce(func.sum(r.answers), 0)).where(in_days, r.matter.is_(None))
            ).scalar_one())
        return result

    def _petitioned(self, diverted: Dict[str, Tuple[datetime, str]]) -> Set[str]:
        """Diverted senders with a case filed from their conversation at or after the answer."""
        if not diverted:
            return set()
        earliest = min(at for at, _ in diverted.values())
        query = (select(Case.sender_id, Case.received_at)
                 .where(Case.sender_id.isnot(None), Case.received_at >= earliest))
        found: Set[str] = set()
        with self.app.connect() as connection:
            for sender, received in connection.execute(query):
                told = diverted.get(sender)
                if told is not None and received >= told[0]:
                    found.add(sender)
        return found

    # -- application database -------------------------------------------------

    def handoffs(self, period: Period) -> HandoffFigures:
        in_period = and_(Handoff.created_at >= period.start, Handoff.created_at < period.end)
        result = HandoffFigures()
        with self.app.connect() as connection:
            waits = [(claimed - created).total_seconds() for created, claimed in connection.execute(
                select(Handoff.created_at, Handoff.claimed_at).where(in_period))
                if claimed is not None]
            result.total = int(connection.execute(
                select(func.count()).select_from(Handoff).where(in_period)).scalar_one())
            result.claimed = len(waits)
            result.wait_p50, result.wait_p95 = percentile(waits, 50), percentile(waits, 95)
            result.per_officer = [(str(name), int(n)) for name, n in connection.execute(
                select(Officer.display_name, func.count())
                .select_from(Handoff.__table__.join(Officer.__table__, Officer.id == Handoff.officer_id))
                .where(in_period, Handoff.status == Status.CLOSED)
                .group_by(Officer.display_name).order_by(func.count().desc(), Officer.display_name))]
            result.ratings = {int(r): int(n) for r, n in connection.execute(
                select(Handoff.rating, func.count()).where(in_period, Handoff.rating.isnot(None))
                .group_by(Handoff.rating))}
            result.by_reason = {str(r): int(n) for r, n in connection.execute(
                select(Handoff.reason, func.count()).where(in_period).group_by(Handoff.reason))}
            warnings: Counter = Counter()
            for tags, n in connection.execute(
                    select(Handoff.warning_tags, func.count())
                    .where(in_period, Handoff.warning_tags != "").group_by(Handoff.warning_tags)):
                for tag in filter(None, (t.strip() for t in str(tags).split(","))):
                    warnings[tag] += int(n)
            result.warnings = dict(warnings.most_common())
        return result

    def cases(self, period: Period, personal: bool = False) -> CaseFigures:
        in_period = and_(Case.received_at >= period.start, Case.received_at < period.end)
        result = CaseFigures()
        today = local_date(self.clock())
        columns = (Case.case_number, Case.matter, Case.channel, Case.status, Case.received_at,
                   Case.accepted_at, Case.answered_at, Case.review_requested_at,
                   Case.recheck_requested_at, Case.closed_at, Case.extension_days)
        per_week: Counter = Counter()
        by_status: Counter = Counter()
        funnel: Counter = Counter()
        deadlines: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
        with self.app.connect() as connection:
            for row in connection.execute(select(*columns).where(in_period)):
                status = _value(row.status)
                year, week, _ = local_date(row.received_at).isocalendar()
                per_week[(f"{year}-W{week:02d}", row.matter, _value(row.channel))] += 1
                by_status[status] += 1
                funnel["received"] += 1
                funnel["accepted"] += row.accepted_at is not None
                funnel["answered"] += row.answered_at is not None
                funnel["closed"] += status == CaseStatus.CLOSED.value
                deadline = next_deadline(row, today)
                if deadline is not None:
                    deadlines[deadline.label][1 if deadline.overdue else 0] += 1
                    if deadline.overdue:
                        result.overdue.append((row.case_number, row.matter, deadline.label,
                                               deadline.due_date))
            result.repeats = self._repeats(connection, in_period, personal)
        result.filed = funnel["received"]
        result.per_week = dict(sorted(per_week.items()))
        result.by_status = dict(by_status)
        result.funnel = {step: funnel[step] for step in FUNNEL}
        result.deadlines = {label: (v[0], v[1]) for label, v in sorted(deadlines.items())}
        result.overdue.sort(key=lambda item: (item[3], item[0]))
        if not personal:
            result.overdue = [("", matter, label, due) for _, matter, label, due in result.overdue]
        return result

    def _repeats(self, connection: Any, in_period: ColumnElement, personal: bool) -> List[RepeatContact]:
        """排查: the same phone, or the same matter at the same place, several times."""
        found: List[RepeatContact] = []
        phones = connection.execute(
            select(Case.petitioner_phone, func.count(), func.min(Case.matter))
            .where(in_period).group_by(Case.petitioner_phone).having(func.count() > 1)
            .order_by(func.count().desc(), Case.petitioner_phone)).all()
        numbers: Dict[str, List[str]] = defaultdict(list)
        if personal and phones:
            for phone, number in connection.execute(
                    select(Case.petitioner_phone, Case.case_number)
                    .where(in_period, Case.petitioner_phone.in_([p for p, _, _ in phones]))
                    .order_by(Case.case_number)):
                numbers[phone].append(number)
        for phone, count, matter in phones:
            found.append(RepeatContact("phone", phone_hash(phone), str(matter), int(count),
                                       tuple(numbers.get(phone, ())),
                                       mask_phone(phone) if personal else ""))
        place = func.trim(Case.location)
        for matter, where, count in connection.execute(
                select(Case.matter, place, func.count())
                .where(in_period, place != "").group_by(Case.matter, place)
                .having(func.count() > 1).order_by(func.count().desc(), Case.matter, place)):
            found.append(RepeatContact("place", f"{matter} @ {where}", str(matter), int(count)))
        return found


def _ranked(rows: Iterable[Any]) -> Tuple[List[MatterCount], int]:
    """(matter, accepted flag, senders, answers) rows → the top matters and all answers."""
    by_matter: Dict[str, List[Any]] = {}
    answers = 0
    for name, flag, senders, count in rows:
        entry = by_matter.setdefault(str(name), [None, 0, 0])
        entry[0] = True if flag in TRUE_TEXTS else False if flag in FALSE_TEXTS else entry[0]
        entry[1] += int(senders)
        entry[2] += int(count)
        answers += int(count)
    ranked = sorted((MatterCount(k, v[0], v[1], v[2]) for k, v in by_matter.items()),
                    key=lambda c: (-c.conversations, -c.answers, c.matter))
    return ranked[:TOP_MATTERS], answers


def _value(item: Any) -> str:
    return str(getattr(item, "value", item))


def daily_series(figures: ConversationFigures, dates: Iterable[date]) -> Dict[str, List[int]]:
    """channel → conversations per day over ``dates`` (zeros filled)."""
    days = list(dates)
    return {channel: [figures.per_day.get((d, channel), (0, 0))[0] for d in days]
            for channel in figures.channels}
