"""The dashboard's figures for a period, from the databases the product already writes.

Two databases (they may be one): Rasa's tracker store (``events``: ``user`` messages with
the gateway's ``metadata.channel``, ``action`` events, ``slot`` events whose
``action_name`` column holds the slot name) and the application database (cases,
handoffs, officers).  Everything is grouped in SQL; only small results (per day, per
matter, per officer …) come back, and the period's case rows, whose deadlines need
:func:`next_deadline` (remembered per case inputs and day, see :func:`_deadline`).

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
``rollup=False``) straight from the events; both give the same numbers.  From the
rollup, a period's distinct senders are sums of per-day counts
(:mod:`bot.dashboard.senders`) and the diverted senders are matched with later petitions
and requests for a person in one SQL join; straight from the events, in Python.
"""
from __future__ import annotations

import hashlib
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    String,
    and_,
    case,
    distinct,
    func,
    inspect,
    literal,
    select,
    text,
    type_coerce,
    union_all,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.expression import ColumnElement

from bot.accounts.models import Officer
from bot.admin.tracker import EVENTS
from bot.cases.deadlines import Deadline, next_deadline
from bot.cases.models import Case
from bot.cases.status import CaseStatus
from bot.common.clock import Clock, local_date, utc_now
from bot.dashboard.models import (
    RollupChannelDay,
    RollupDay,
    RollupDiverted,
    RollupHuman,
    RollupSenders,
)
from bot.dashboard.period import Period
from bot.dashboard.rollup import Rollup, day_number
from bot.dashboard.senders import first_in_period
from bot.dashboard.sql import (
    FALSE_TEXTS,
    TRUE_TEXTS,
    day_to_date,
    json_text,
    local_day,
    microseconds_between,
    utc_at,
)
from bot.followup.service import FollowupService
from bot.handoff.models import Handoff, Status
from bot.privacy import mask_phone
from bot.store.db import make_session_factory

__all__ = ["CaseFigures", "ConversationFigures", "Dashboard", "DiversionFigures", "Figures",
           "HandoffFigures", "MatterCount", "RepeatContact", "forget_deadlines", "nearest_rank", "percentile",
           "phone_hash"]

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
    return moment.replace(tzinfo=UTC).timestamp()





def phone_hash(phone: str) -> str:
    """A stable pseudonym for a phone number (digits only), shown instead of the number."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return hashlib.sha256(f"dashboard:{digits}".encode()).hexdigest()[:10]


def nearest_rank(count: int, q: float) -> int:
    """The 1-based rank of the nearest-rank percentile ``q`` (0..100) of ``count`` values."""
    return int(max(1, -(-count * q // 100)))


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0..100) of ``values``; None when empty."""
    if not values:
        return None
    return sorted(values)[nearest_rank(len(values), q) - 1]


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class MatterCount:
    matter: str
    accepted: bool | None
    conversations: int
    answers: int


@dataclass
class ConversationFigures:
    #: (date, channel) → (conversations, messages)
    per_day: dict[tuple[date, str], tuple[int, int]] = field(default_factory=dict)
    conversations: int = 0
    messages: int = 0
    matters: list[MatterCount] = field(default_factory=list)
    matter_answers: int = 0
    clarifications: int = 0
    fallbacks: int = 0
    not_understood: int = 0

    @property
    def channels(self) -> list[str]:
        return sorted({channel for _, channel in self.per_day})

    @property
    def clarification_rate(self) -> float | None:
        return _rate(self.clarifications, self.matter_answers + self.clarifications)

    @property
    def fallback_rate(self) -> float | None:
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
    per_day: dict[date, tuple[int, int]] = field(default_factory=dict)
    #: matter → diverted senders
    by_matter: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        return _rate(self.diverted, self.answered)

    @property
    def still_rate(self) -> float | None:
        return _rate(self.either, self.diverted)


@dataclass
class HandoffFigures:
    total: int = 0
    claimed: int = 0
    wait_p50: float | None = None  # seconds
    wait_p95: float | None = None
    per_officer: list[tuple[str, int]] = field(default_factory=list)
    ratings: dict[int, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)
    by_reason: dict[str, int] = field(default_factory=dict)

    @property
    def mean_rating(self) -> float | None:
        count = sum(self.ratings.values())
        return sum(k * v for k, v in self.ratings.items()) / count if count else None


@dataclass(frozen=True)
class RepeatContact:
    kind: str  # "phone" | "place"
    key: str  # phone hash, or "matter @ place"
    matter: str
    count: int
    cases: tuple[str, ...] = ()  # case numbers (personal view only)
    phone: str = ""  # masked phone (personal view only)


@dataclass
class CaseFigures:
    filed: int = 0
    #: (iso week "2026-W49", matter, channel) → count
    per_week: dict[tuple[str, str, str], int] = field(default_factory=dict)
    funnel: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    #: deadline label → (on time, overdue), for the cases still open today
    deadlines: dict[str, tuple[int, int]] = field(default_factory=dict)
    overdue: list[tuple[str, str, str, date]] = field(default_factory=list)  # number, matter, label, due
    repeats: list[RepeatContact] = field(default_factory=list)
    #: 回访 answers given in the period, by rating (bot.followup), and the questions delivered
    followup: dict[str, int] = field(default_factory=dict)
    followup_asked: int = 0

    @property
    def overdue_total(self) -> int:
        return sum(late for _, late in self.deadlines.values())

    @property
    def satisfaction_rate(self) -> float | None:
        """满意 or 基本满意 among the 回访 answers."""
        answers = sum(self.followup.values())
        return _rate(self.followup.get("satisfied", 0) + self.followup.get("basic", 0), answers)


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
        """Refresh the rollup and say whether to read from it.

        Not when the refresh failed (e.g. another process holding SQLite's write lock): then
        the direct queries.
        """
        if self.rollup is None or not self.rollup.available():
            return False
        try:
            self.rollup.refresh()
        except OperationalError:
            log.warning("dashboard rollup refresh failed; reading the events directly", exc_info=True)
            return False
        return True

    @staticmethod
    def _days(period: Period) -> tuple[int, int]:
        """The period's first and last China-local day numbers."""
        return day_number(_epoch(period.start)), day_number(_epoch(period.end)) - 1

    def figures(self, period: Period, personal: bool = False) -> Figures:
        has_events = inspect(self.tracker).has_table("events")
        conversations = self.conversations(period) if has_events else ConversationFigures()
        diversion = self.diversion(period) if has_events else DiversionFigures()
        return Figures(period, conversations, diversion, self.handoffs(period),
                       self.cases(period, personal), personal, self.clock())

    # -- tracker store --------------------------------------------------------

    def ensure_indexes(self) -> list[str]:
        """Create the indexes the dashboard's queries use on Rasa's ``events`` table.

        Only the missing ones (``CREATE INDEX IF NOT EXISTS`` on SQLite and PostgreSQL).  Not
        run implicitly: on a large production table build them in a quiet hour
        (``python -m bot dashboard index``).
        """
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

    def _matters(self, connection: Any, period: Period) -> tuple[list[MatterCount], int, int]:
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
            return self._rollup_diversion(period)
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
            diverted = {str(s): (utc_at(float(t)), str(k)) for s, t, k in connection.execute(diverted_q)}
        return self._diversion(period, answered, diverted)

    def _diversion(self, period: Period, answered: int,
                   diverted: dict[str, tuple[datetime, str]]) -> DiversionFigures:
        # Requests for a person from the period's start on (few rows), matched in Python.
        human_q = (select(EVENTS.c.sender_id, func.max(EVENTS.c.timestamp))
                   .where(EVENTS.c.type_name == "action", EVENTS.c.action_name == HUMAN_ACTION,
                          EVENTS.c.timestamp >= _epoch(period.start))
                   .group_by(EVENTS.c.sender_id))
        result = DiversionFigures()
        result.answered = answered
        with self.tracker.connect() as connection:
            asked = {str(s) for s, last in connection.execute(human_q)
                     if str(s) in diverted and utc_at(float(last)) >= diverted[str(s)][0]}
        petitioned = self._petitioned(diverted)
        result.diverted = len(diverted)
        result.asked_person = len(asked)
        result.petitioned = len(petitioned)
        result.either = len(asked | petitioned)
        per_day: dict[date, list[int]] = {d: [0, 0] for d in period.dates()}
        by_matter: Counter = Counter()
        for sender, (at, matter_id) in diverted.items():
            slot = per_day.setdefault(local_date(at), [0, 0])
            slot[0] += 1
            slot[1] += sender in asked or sender in petitioned
            by_matter[matter_id] += 1
        result.per_day = {d: (v[0], v[1]) for d, v in sorted(per_day.items())}
        result.by_matter = _by_count(by_matter)
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
            s = RollupSenders
            matters = and_(s.kind == "matter", s.day >= first, s.day <= last)
            rows = connection.execute(
                select(s.matter, s.accepted, _first_senders(first), func.sum(s.answers))
                .where(matters, s.matter.isnot(None)).group_by(s.matter, s.accepted))
            result.matters, result.matter_answers = _ranked(rows)
            result.clarifications = int(connection.execute(
                select(func.coalesce(func.sum(s.answers), 0)).where(matters, s.matter.is_(None))
            ).scalar_one())
        return result

    def _rollup_diversion(self, period: Period) -> DiversionFigures:
        """:meth:`diversion` from the rollup tables (the same figures).

        The period's distinct senders summed from per-day counts
        (:mod:`bot.dashboard.senders`), and the diverted senders' first answers in the
        period joined with their later petitions and requests for a person, all in SQL.
        """
        first, last = self._days(period)
        s = RollupSenders
        in_days = and_(s.day >= first, s.day <= last)
        result = DiversionFigures()
        per_day: dict[date, list[int]] = {d: [0, 0] for d in period.dates()}
        by_matter: Counter = Counter()
        with self.app.connect() as connection:
            result.answered = int(connection.execute(
                select(func.coalesce(_first_senders(first), 0)).where(s.kind == "answered", in_days)
            ).scalar_one())
            for number, matter, senders in connection.execute(
                    select(s.day, s.matter, func.sum(s.senders))
                    .where(s.kind == "diverted", in_days, first_in_period(s.prev_day, first))
                    .group_by(s.day, s.matter)):
                per_day[day_to_date(number)][0] += int(senders)
                by_matter[str(matter)] += int(senders)
            by_matter.update(_matter_corrections(connection, first, last))
            acted = _acted(connection, period, first, last)
        either = acted["petitioned"] | acted["asked"]
        for _, number in either:
            per_day[day_to_date(number)][1] += 1
        result.petitioned, result.asked_person = len(acted["petitioned"]), len(acted["asked"])
        result.either = len(either)
        result.diverted = sum(v[0] for v in per_day.values())
        result.per_day = {d: (v[0], v[1]) for d, v in sorted(per_day.items())}
        result.by_matter = _by_count(by_matter)
        return result

    def _petitioned(self, diverted: dict[str, tuple[datetime, str]]) -> set[str]:
        """Diverted senders with a case filed from their conversation at or after the answer."""
        if not diverted:
            return set()
        earliest = min(at for at, _ in diverted.values())
        query = (select(Case.sender_id, Case.received_at)
                 .where(Case.sender_id.isnot(None), Case.received_at >= earliest))
        found: set[str] = set()
        with self.app.connect() as connection:
            for sender, received in connection.execute(query):
                told = diverted.get(sender)
                if told is not None and received >= told[0]:
                    found.add(sender)
        return found

    # -- application database -------------------------------------------------

    def handoffs(self, period: Period) -> HandoffFigures:
        """Handoffs created in the period.

        Counts, ratings, reasons and warnings from one grouped scan; waiting percentiles and
        officers by their own query.
        """
        in_period = and_(Handoff.created_at >= period.start, Handoff.created_at < period.end)
        result = HandoffFigures()
        ratings: Counter = Counter()
        reasons: Counter = Counter()
        warnings: Counter = Counter()
        with self.app.connect() as connection:
            for rating, reason, tags, n, claimed in connection.execute(
                    select(Handoff.rating, Handoff.reason, Handoff.warning_tags, func.count(),
                           func.count(Handoff.claimed_at))
                    .where(in_period).group_by(Handoff.rating, Handoff.reason, Handoff.warning_tags)):
                result.total += int(n)
                result.claimed += int(claimed)
                if rating is not None:
                    ratings[int(rating)] += int(n)
                reasons[str(reason)] += int(n)
                for tag in filter(None, (t.strip() for t in str(tags or "").split(","))):
                    warnings[tag] += int(n)
            result.wait_p50, result.wait_p95 = _wait_percentiles(connection, in_period, result.claimed, 50, 95)
            result.per_officer = [(str(name), int(n)) for name, n in connection.execute(
                select(Officer.display_name, func.count())
                .select_from(Handoff.__table__.join(Officer.__table__, Officer.id == Handoff.officer_id))
                .where(in_period, Handoff.status == Status.CLOSED)
                .group_by(Officer.display_name).order_by(func.count().desc(), Officer.display_name))]
        result.ratings = dict(ratings)
        result.by_reason = dict(reasons)
        result.warnings = _by_count(warnings)
        return result

    def cases(self, period: Period, personal: bool = False) -> CaseFigures:
        """Cases received in the period, in one pass over their rows (a year: ~40,000).

        Each case's deadline needs :func:`next_deadline`, and the other figures (weeks,
        statuses, repeats) are counted on the way rather than grouped again in SQL.
        """
        in_period = and_(Case.received_at >= period.start, Case.received_at < period.end)
        columns = (Case.case_number, Case.matter, type_coerce(Case.channel, String).label("channel"),
                   Case.petitioner_phone, Case.location,  # then what next_deadline reads (last):
                   type_coerce(Case.status, String).label("status"), Case.received_at, Case.accepted_at,
                   Case.answered_at, Case.review_requested_at, Case.recheck_requested_at,
                   Case.extension_days, Case.hearing_started_at, Case.hearing_days)
        with self.app.connect() as connection:
            rows = connection.execute(select(*columns).where(in_period)).all()  # fetchall: faster
        figures = _case_figures(rows, local_date(self.clock()), personal)
        followups = FollowupService(make_session_factory(self.app))
        figures.followup, figures.followup_asked = followups.counts(period.start, period.end)
        return figures


def _wait_percentiles(connection: Any, in_period: ColumnElement, claimed: int,
                      *qs: float) -> list[float | None]:
    """:func:`percentile` ``qs`` of the claimed handoffs' waits (seconds), picked in SQL.

    One sort by exact microseconds: a year's 40,000 waits are not fetched.
    """
    if not claimed:
        return [None for _ in qs]
    wait = microseconds_between(Handoff.created_at, Handoff.claimed_at)
    ranked = select(wait.label("micros"), func.row_number().over(order_by=wait).label("rank")).where(
        in_period, Handoff.claimed_at.isnot(None)).subquery()
    ranks = [nearest_rank(claimed, q) for q in qs]
    found = dict(connection.execute(select(ranked.c.rank, ranked.c.micros).where(ranked.c.rank.in_(ranks))).all())
    return [int(found[rank]) / 1_000_000 for rank in ranks]  # as timedelta.total_seconds()


class _WeekLabels(dict):
    """date → its ISO week label ``2026-W49`` (computed once per date)."""

    def __missing__(self, day: date) -> str:
        year, week, _ = day.isocalendar()
        label = self[day] = f"{year}-W{week:02d}"
        return label


class _Deadlines:
    """:func:`next_deadline` of case rows, remembered for one day.

    It is a pure function of today and the row's status, dates and extension (``row[5:]``,
    all it reads), so a year's cases are worked out once a day per process, and again only
    when they change (their inputs are the key).
    """

    LIMIT = 100_000  # ~15 MB

    def __init__(self) -> None:
        self.day: date | None = None
        self.known: dict[tuple[Any, ...], Deadline | None] = {}

    def __call__(self, row: Any, today: date) -> Deadline | None:
        if today != self.day or len(self.known) >= self.LIMIT:
            self.day, self.known = today, {}
        key = tuple(row[5:])
        if key not in self.known:
            self.known[key] = next_deadline(row, today)
        return self.known[key]


_deadline = _Deadlines()


def forget_deadlines() -> None:
    """Forget the remembered deadlines (the benchmark times a first view of the day)."""
    _deadline.day = None


def _case_figures(rows: Sequence[Any], today: date, personal: bool) -> CaseFigures:
    """The case figures of the period's rows (see :meth:`Dashboard.cases`)."""
    result = CaseFigures()
    per_week: Counter = Counter()
    by_status: Counter = Counter()
    accepted_n = answered_n = 0
    deadlines: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    phones: dict[str, list[Any]] = {}
    places: Counter = Counter()
    weeks = _WeekLabels()
    for row in rows:
        number, matter, channel, phone, location, status, received, accepted, answered = row[:9]
        per_week[(weeks[local_date(received)], matter, channel)] += 1
        by_status[status] += 1
        accepted_n += accepted is not None
        answered_n += answered is not None
        deadline = _deadline(row, today)
        if deadline is not None:
            deadlines[deadline.label][deadline.overdue] += 1
            if deadline.overdue:
                result.overdue.append((number, matter, deadline.label, deadline.due_date))
        seen = phones.setdefault(phone, [matter, []])
        seen[0] = min(seen[0], matter)
        seen[1].append(number)
        place = location.strip(" ")  # as SQL's trim()
        if place:
            places[(matter, place)] += 1
    result.filed = len(rows)
    result.per_week = dict(sorted(per_week.items()))
    result.by_status = dict(by_status)
    result.funnel = {"received": result.filed, "accepted": accepted_n, "answered": answered_n,
                     "closed": by_status[CaseStatus.CLOSED.value]}
    result.deadlines = {label: (v[0], v[1]) for label, v in sorted(deadlines.items())}
    result.overdue.sort(key=lambda item: (item[3], item[0]))
    if not personal:
        result.overdue = [("", matter, label, due) for _, matter, label, due in result.overdue]
    result.repeats = _repeat_contacts(phones, places, personal)
    return result


def _repeat_contacts(phones: dict[str, list[Any]], places: Counter, personal: bool) -> list[RepeatContact]:
    """排查: the same phone, or the same matter at the same place, more than once.

    A phone is shown with its least matter; most first, then by phone / matter and place
    (code-point order, the same on every database).
    """
    found = [RepeatContact("phone", phone_hash(phone), str(matter), len(numbers),
                           tuple(sorted(numbers)) if personal else (),
                           mask_phone(phone) if personal else "")
             for phone, (matter, numbers) in sorted(phones.items(), key=lambda kv: (-len(kv[1][1]), kv[0]))
             if len(numbers) > 1]
    found += [RepeatContact("place", f"{matter} @ {place}", str(matter), count)
              for (matter, place), count in sorted(places.items(), key=lambda kv: (-kv[1], kv[0]))
              if count > 1]
    return found


def _by_count(counter: Counter) -> dict[str, int]:
    """Largest first, ties by name (the same order however the counts were gathered)."""
    return {k: v for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])) if v}


def _first_senders(first: int) -> ColumnElement:
    """The distinct senders of a period starting on day ``first``, from per-day counts."""
    s = RollupSenders
    return func.sum(case((first_in_period(s.prev_day, first), s.senders), else_=0))


def _matter_corrections(connection: Any, first: int, last: int) -> Counter:
    """The few senders diverted on several days of the period, corrected.

    Such a sender counts under its least matter over the period, not that of its first day.
    """
    d = RollupDiverted
    in_days = and_(d.day >= first, d.day <= last)
    # (prev_day alone, so that the prev_day index is used; prev_day <= day <= last)
    again = select(d.sender_id).where(d.prev_day >= first, d.prev_day <= last)
    change: Counter = Counter()
    for (matter,) in connection.execute(select(d.matter).where(
            in_days, first_in_period(d.prev_day, first), d.sender_id.in_(again))):
        change[str(matter)] -= 1
    for (matter,) in connection.execute(select(func.min(d.matter)).where(
            in_days, d.sender_id.in_(again)).group_by(d.sender_id)):
        change[str(matter)] += 1
    return change


def _acted(connection: Any, period: Period, first: int, last: int) -> dict[str, set[tuple[str, int]]]:
    """``petitioned`` / ``asked``: the diverted senders who later acted.

    Each diverted sender (with the day of its first answer in the period) that has a case from
    its conversation, or a request for a person, at or after that answer: the acts from the
    period's start on (few rows) joined with the diverted sender-days by primary key.
    """
    d, h, c = RollupDiverted, RollupHuman, Case
    acts = union_all(
        select(c.sender_id.label("sender_id"), c.received_at.label("at"), literal("petitioned").label("kind"))
        .where(c.sender_id.isnot(None), c.received_at >= period.start),
        select(h.sender_id, h.last_at, literal("asked")).where(h.day >= first)).subquery()
    found: dict[str, set[tuple[str, int]]] = {"petitioned": set(), "asked": set()}
    for sender, number, kind in connection.execute(
            select(d.sender_id, d.day, acts.c.kind).distinct()
            .select_from(d.__table__.join(acts, and_(acts.c.sender_id == d.sender_id,
                                                      acts.c.at >= d.first_at)))
            .where(d.day >= first, d.day <= last, first_in_period(d.prev_day, first))):
        found[str(kind)].add((str(sender), int(number)))
    return found


def _ranked(rows: Iterable[Any]) -> tuple[list[MatterCount], int]:
    """(matter, accepted flag, senders, answers) rows → the top matters and all answers."""
    by_matter: dict[str, list[Any]] = {}
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


def daily_series(figures: ConversationFigures, dates: Iterable[date]) -> dict[str, list[int]]:
    """Channel → conversations per day over ``dates`` (zeros filled)."""
    days = list(dates)
    return {channel: [figures.per_day.get((d, channel), (0, 0))[0] for d in days]
            for channel in figures.channels}
