"""Demo and test data for the dashboard, written the way the product writes it.

* :class:`EventWriter` appends Rasa tracker rows (``events``) exactly as the tracker
  store stores them: ``user`` events with the gateway's ``metadata.channel`` and the NLU
  intent, ``action`` events, and ``slot`` events (``action_name`` = slot name);
* :func:`add_case` / :func:`add_handoff` insert application rows directly (no Argon2,
  no status machine walk: the timestamps are what the dashboard reads);
* :func:`seed_month` fills both databases with a realistic month (``make demo``):
  conversations across matters and channels, clarifications and fallbacks, diverted
  citizens some of whom still petition or ask for a person, cases in every status
  (some overdue), handoffs with waiting times, officers and ratings.

Random but seeded: the same seed and end date give the same data.
"""
from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine

from bot.accounts.models import Officer
from bot.admin.tracker import EVENTS
from bot.cases.deadlines import acceptance_due, handling_due
from bot.cases.models import Case
from bot.cases.numbers import format_case_number
from bot.cases.status import CaseStatus
from bot.common.clock import local_midnight
from bot.followup.models import Followup, FollowupState, Rating
from bot.handoff.models import Handoff, Status
from bot.knowledge import default_knowledge
from bot.notify.addressing import chat_channel_of
from bot.notify.models import OutboxRow, State

__all__ = ["EventWriter", "add_case", "add_handoff", "add_officer", "ensure_events_table",
           "seed_month"]

CHANNELS = ("webchat", "telegram", "wechat")


def ensure_events_table(engine: Engine) -> None:
    """Create Rasa's ``events`` table (same columns) if Rasa has not yet."""
    EVENTS.metadata.create_all(engine, tables=[EVENTS], checkfirst=True)


def _epoch(moment: datetime) -> float:
    return moment.replace(tzinfo=UTC).timestamp()


@dataclass
class EventWriter:
    """Collects tracker rows; :meth:`flush` inserts them in order (ids ascending)."""

    engine: Engine
    rows: list[dict[str, Any]] = field(default_factory=list)

    def _add(self, sender: str, type_name: str, at: datetime, data: dict[str, Any],
             intent: str | None = None, action: str | None = None) -> None:
        stamp = _epoch(at)
        self.rows.append({"sender_id": sender, "type_name": type_name, "timestamp": stamp,
                          "intent_name": intent, "action_name": action,
                          "data": json.dumps({**data, "timestamp": stamp}, ensure_ascii=False)})

    def user(self, sender: str, at: datetime, channel: str, intent: str, text: str = "…") -> None:
        self._add(sender, "user", at, {
            "event": "user", "text": text, "input_channel": "rest",
            "metadata": {"channel": channel},
            "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": []}},
            intent=intent)

    def action(self, sender: str, at: datetime, name: str) -> None:
        self._add(sender, "action", at, {"event": "action", "name": name}, action=name)

    def slot(self, sender: str, at: datetime, name: str, value: Any) -> None:
        self._add(sender, "slot", at, {"event": "slot", "name": name, "value": value}, action=name)

    def explain(self, sender: str, at: datetime, matter: str | None, accepted: bool | None) -> None:
        """``action_explain_matter``: an answer (matter + accepted) or a clarifying question."""
        self.action(sender, at, "action_explain_matter")
        self.slot(sender, at, "matter", matter)
        self.slot(sender, at, "matter_accepted", accepted)

    def flush(self) -> int:
        count = len(self.rows)
        if self.rows:
            with self.engine.begin() as connection:
                for start in range(0, count, 5000):
                    connection.execute(insert(EVENTS), self.rows[start:start + 5000])
        self.rows = []
        return count


def add_officer(connection: Any, username: str, name: str, role: str = "officer",
                at: datetime | None = None) -> int:
    at = at or datetime(2026, 1, 1)
    existing = connection.execute(select(Officer.id).where(Officer.username == username)).scalar()
    if existing is not None:
        return int(existing)
    result = connection.execute(insert(Officer).values(
        username=username, display_name=name, role=role, active=True,
        password_hash="!demo",  # noqa: S106 - not a hash: demo officers cannot log in
        failed_logins=0, created_at=at))
    return int(result.inserted_primary_key[0])


def _next_seq(connection: Any, year: int) -> int:
    return int(connection.execute(select(func.coalesce(func.max(Case.seq), 0))
                                  .where(Case.year == year)).scalar_one()) + 1


def add_case(connection: Any, *, matter: str, received_at: datetime, status: str = "received",
             channel: str = "online", phone: str = "13800000000", name: str = "张三",
             location: str = "", sender_id: str | None = None,
             accepted_at: datetime | None = None, answered_at: datetime | None = None,
             closed_at: datetime | None = None, review_requested_at: datetime | None = None,
             recheck_requested_at: datetime | None = None) -> str:
    year = received_at.year
    seq = _next_seq(connection, year)
    number = format_case_number(year, seq)
    local = (received_at + timedelta(hours=8)).date()
    connection.execute(insert(Case).values(
        case_number=number, year=year, seq=seq, matter=matter, petitioner_name=name,
        petitioner_phone=phone, channel=channel, description="（演示）", requested_outcome="（演示）",
        reasons="（演示）", location=location, occurred_at="", handling_unit=None, status=status,
        query_code_hash="!demo", sender_id=sender_id, received_at=received_at,
        accepted_at=accepted_at, answered_at=answered_at, closed_at=closed_at,
        review_requested_at=review_requested_at, recheck_requested_at=recheck_requested_at,
        acceptance_due=acceptance_due(local),
        handling_due=handling_due((accepted_at + timedelta(hours=8)).date()) if accepted_at else None,
        created_at=received_at, updated_at=received_at))
    return number


def add_handoff(connection: Any, *, sender_id: str, created_at: datetime, channel: str = "webchat",
                reason: str = "requested", officer_id: int | None = None,
                claimed_at: datetime | None = None, closed_at: datetime | None = None,
                rating: int | None = None, warning_tags: str = "",
                matter: str | None = None) -> None:
    status = Status.CLOSED if closed_at else Status.ASSIGNED if claimed_at else Status.WAITING
    connection.execute(insert(Handoff).values(
        channel=channel, sender_id=sender_id, status=status, reason=reason,
        priority="urgent" if warning_tags else "normal", paused=False, matter=matter,
        warning_tags=warning_tags, officer_id=officer_id, created_at=created_at,
        claimed_at=claimed_at, closed_at=closed_at, updated_at=closed_at or claimed_at or created_at,
        rating=rating, rated_at=closed_at if rating else None, citizen_acked=True))


# --------------------------------------------------------------------------- a month


OFFICERS = (("demo_wang", "王警官"), ("demo_li", "李警官"), ("demo_zhao", "赵警官"))
PLACES = ("人民路与解放路路口", "火车站北广场", "中山大道88号", "滨江路隧道口", "新城区学府路")
WARNINGS = ("self_harm", "violence", "group_petition", "media")


def _weighted_matters(rng: random.Random) -> list[str]:
    kb = default_knowledge()
    ids = sorted(kb.ids)
    weights = {m: rng.randint(1, 12) for m in ids}
    for hot in ("parking_fee", "violation_handling", "accident_determination", "penalty_appeal"):
        if hot in weights:
            weights[hot] += 25
    return [m for m in ids for _ in range(weights[m])]


def seed_month(tracker: Engine, app: Engine, end: date, *, seed: int = 17, per_day: int = 60,
               days: int = 30) -> dict[str, int]:
    """A realistic month ending on ``end`` (China dates) in both databases."""
    rng = random.Random(seed)  # noqa: S311 - demo data, reproducible
    kb = default_knowledge()
    pool = _weighted_matters(rng)
    ensure_events_table(tracker)
    writer = EventWriter(tracker)
    counts = {"conversations": 0, "cases": 0, "handoffs": 0, "events": 0}
    with app.begin() as connection:
        officer_ids = [add_officer(connection, u, n) for u, n in OFFICERS]
    phones = [f"139{rng.randint(10000000, 99999999)}" for _ in range(400)]
    phones[:5] = ["13900001111"] * 5  # a repeat petitioner
    for offset in range(days):
        day = end - timedelta(days=days - 1 - offset)
        # One transaction per day for the application rows; the day's tracker rows after
        # it (the two may be one SQLite file: one writer at a time).
        with app.begin() as connection:
            _seed_day(connection, writer, rng, kb, pool, day, per_day, officer_ids, phones, end, counts)
        counts["events"] += writer.flush()
    return counts


def _seed_day(connection: Any, writer: EventWriter, rng: random.Random, kb: Any, pool: list[str],
              day: date, per_day: int, officer_ids: Sequence[int], phones: list[str], end: date,
              counts: dict[str, int]) -> None:
    midnight = local_midnight(day)
    weekday_factor = 0.6 if day.weekday() >= 5 else 1.0
    for index in range(int(per_day * weekday_factor * rng.uniform(0.8, 1.2))):
        counts["conversations"] += 1
        channel = rng.choices(CHANNELS, (6, 2, 4))[0]
        sender = (f"web-{day:%y%m%d}-{index}" if channel == "webchat" else
                  str(rng.randint(10**8, 10**9)) if channel == "telegram" else
                  f"o{rng.getrandbits(40):x}")
        at = midnight + timedelta(hours=rng.uniform(7, 22))
        writer.user(sender, at, channel, "greet")
        at += timedelta(seconds=20)
        if rng.random() < 0.12:  # not understood first
            writer.user(sender, at, channel, "nlu_fallback")
            writer.action(sender, at, "action_fallback_suggest")
            at += timedelta(seconds=30)
        record = kb.get(rng.choice(pool))
        writer.user(sender, at, channel, "describe_matter")
        if rng.random() < 0.15:  # a clarifying question first
            writer.explain(sender, at, None, None)
            at += timedelta(seconds=25)
            writer.user(sender, at, channel, "describe_matter")
        writer.explain(sender, at, record.id, record.accepted)
        at += timedelta(seconds=40)
        still = rng.random() < (0.10 if not record.accepted else 0.25)
        if still and rng.random() < 0.5:
            writer.user(sender, at, channel, "request_human")
            writer.action(sender, at, "action_request_human")
            _demo_handoff(connection, rng, sender, channel, at, record.id, officer_ids)
            counts["handoffs"] += 1
        elif still:
            writer.user(sender, at, channel, "file_petition")
            _demo_case(connection, rng, record.id, at + timedelta(minutes=5), sender,
                       rng.choice(phones), end)
            counts["cases"] += 1
        else:
            writer.user(sender, at, channel, rng.choice(("thank", "goodbye", "ask_materials")))
    for _ in range(rng.randint(1, 3)):  # letters, calls and visits of the day
        at = midnight + timedelta(hours=rng.uniform(8, 17))
        _demo_case(connection, rng, rng.choice(pool), at, None, rng.choice(phones), end,
                   channel=rng.choice(("letter", "phone", "visit")))
        counts["cases"] += 1


def _demo_handoff(connection: Any, rng: random.Random, sender: str, channel: str, at: datetime,
                  matter: str, officers: Sequence[int]) -> None:
    wait = timedelta(seconds=rng.choice((20, 45, 60, 90, 120, 180, 300, 600, 1500)))
    closed = at + wait + timedelta(minutes=rng.randint(3, 30))
    add_handoff(connection, sender_id=sender, created_at=at, channel=channel,
                reason=rng.choice(("requested", "requested", "fallback", "early_warning")),
                officer_id=rng.choice(officers), claimed_at=at + wait, closed_at=closed,
                rating=rng.choices((1, 2, 3, 4, 5), (1, 1, 3, 8, 12))[0] if rng.random() < 0.7 else None,
                warning_tags=rng.choice(WARNINGS) if rng.random() < 0.1 else "", matter=matter)


def _demo_case(connection: Any, rng: random.Random, matter: str, at: datetime, sender: str | None,
               phone: str, end: date, channel: str = "online") -> None:
    status = rng.choices([s.value for s in CaseStatus], (5, 4, 1, 5, 3, 1, 1, 3))[0]
    accepted = at + timedelta(days=rng.randint(1, 20)) if status not in ("received", "rejected") else None
    answered = (accepted + timedelta(days=rng.randint(5, 25))
                if accepted and status in ("answered", "review", "recheck", "closed") else None)
    review = answered + timedelta(days=3) if answered and status in ("review", "recheck") else None
    recheck = review + timedelta(days=3) if review and status == "recheck" else None
    closed = (answered or accepted or at) + timedelta(days=2) if status in ("closed", "rejected") else None
    limit = local_midnight(end + timedelta(days=1))
    if any(moment and moment >= limit for moment in (accepted, answered, review, recheck, closed)):
        status, accepted, answered, review, recheck, closed = "received", None, None, None, None, None
    number = add_case(connection, matter=matter, received_at=at, status=status, channel=channel,
                      phone=phone, location=rng.choice(PLACES) if rng.random() < 0.6 else "",
                      sender_id=sender, accepted_at=accepted, answered_at=answered,
                      review_requested_at=review, recheck_requested_at=recheck, closed_at=closed)
    if sender and answered and status in ("answered", "closed"):
        _demo_followup(connection, number, sender, answered, limit)


def _demo_followup(connection: Any, number: str, sender: str, answered: datetime, limit: datetime) -> None:
    """The 回访 three days after the answer, answered by most citizens.

    It draws from its own random stream, so the rest of the demo month is the same with or
    without 回访.
    """
    asked = answered + timedelta(days=3)
    if asked >= limit:
        return
    rng = random.Random(number)  # noqa: S311 - demo data, reproducible
    case_id = connection.execute(select(Case.id).where(Case.case_number == number)).scalar_one()
    outbox_id = connection.execute(insert(OutboxRow).values(
        case_id=case_id, case_number=number, kind="followup", status="answered",
        channel=chat_channel_of(sender) or "webchat", recipient=sender, text="（演示）回访",
        state=State.SENT, attempts=1, next_attempt_at=asked, created_at=asked, sent_at=asked,
    )).inserted_primary_key[0]
    reply = asked + timedelta(hours=rng.randint(1, 30))
    rating = rng.choices(Rating.ALL, (6, 3, 1))[0] if rng.random() < 0.7 and reply < limit else None
    connection.execute(insert(Followup).values(
        case_id=case_id, case_number=number, recipient=sender, outbox_id=outbox_id, after_review=False,
        case_answered_at=answered, due_at=asked, created_at=asked,
        state=FollowupState.ANSWERED if rating else FollowupState.OPEN, rating=rating,
        answered_at=reply if rating else None))
