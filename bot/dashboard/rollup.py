"""The dashboard's incremental daily rollup of Rasa's ``events`` table.

The figures of a year would otherwise scan millions of events (and read each message's
channel out of its JSON).  :meth:`Rollup.refresh` summarises the events per China-local
day into ``dashboard_day``, ``dashboard_channel_day``, ``dashboard_answer`` (one row
per day × sender × matter × accepted flag) and ``dashboard_human`` (requests for a
person per day × sender); from the answers, :func:`bot.dashboard.senders.derive` adds the
per-day counts from which the distinct senders of any period are summed
(``dashboard_senders``) and the diverted sender-days (``dashboard_diverted``, matched
with later petitions in SQL).  It processes only what is new since the stored
watermark (the highest ``events.id`` summarised): the days touched by the new events are
deleted and recomputed from the events, so a refresh is idempotent, late events are
taken in, and today's partial day is always current.  The dashboard refreshes before it
reads (:class:`bot.dashboard.queries.Dashboard`); ``python -m bot dashboard rollup`` runs it
from the shell (the first run over a year of events takes a while).

The tables live in the application database; the tracker store may be another database
(rows are copied through Python; a day is a few thousand rows at most).
"""
from __future__ import annotations

import math
import threading
import time
from typing import Any

from sqlalchemy import (
    and_,
    delete,
    distinct,
    func,
    insert,
    inspect,
    literal,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.admin.tracker import EVENTS
from bot.dashboard.models import (
    RollupAnswer,
    RollupChannelDay,
    RollupDay,
    RollupDiverted,
    RollupHuman,
    RollupSenders,
    RollupState,
)
from bot.dashboard.senders import derive
from bot.dashboard.sql import CHINA_OFFSET_SECONDS, json_text, local_day, utc_at

__all__ = ["Rollup", "day_number", "day_start_epoch"]

STATE = "events"
FALLBACK_ACTION = "action_fallback_suggest"
FALLBACK_INTENT = "nlu_fallback"
HUMAN_ACTION = "action_request_human"
#: A matter answer (SlotSet matter) and its SlotSet(matter_accepted) are two consecutive
#: events written together; recomputing from this much before the earliest new event
#: keeps a pair split across a midnight and two refreshes whole.
SLACK_SECONDS = 3600
TABLES = (RollupDay, RollupChannelDay, RollupAnswer, RollupHuman, RollupSenders, RollupDiverted)


def day_number(epoch: float) -> int:
    """The China-local day number of an epoch timestamp (as :func:`local_day` in SQL)."""
    return math.floor((epoch + CHINA_OFFSET_SECONDS) / 86400)


def day_start_epoch(number: int) -> float:
    return float(number * 86400 - CHINA_OFFSET_SECONDS)


class Rollup:
    """Maintains the rollup tables (in ``app``) from ``tracker``'s events."""

    def __init__(self, tracker: Engine, app: Engine) -> None:
        self.tracker = tracker
        self.app = app
        self._available: bool | None = None
        #: one refresh at a time in this process (a page's charts are fetched together;
        #: SQLite would refuse the second writer); other processes: the state row lock
        self._lock = threading.Lock()

    def available(self) -> bool:
        """The rollup tables are migrated and the tracker store has its events table."""
        if not self._available:
            self._available = (inspect(self.app).has_table(RollupDay.__tablename__)
                               and inspect(self.tracker).has_table("events"))
        return bool(self._available)

    def _ensure_state(self) -> None:
        with self.app.connect() as connection:
            if connection.execute(select(RollupState.name).where(RollupState.name == STATE)).first():
                return
        try:
            with self.app.begin() as connection:
                connection.execute(insert(RollupState).values(name=STATE, last_event_id=0))
        except IntegrityError:  # another refresh created it first
            pass

    def refresh(self) -> dict[str, Any]:
        """Summarise the events added since the watermark; returns what was done."""
        with self._lock:
            return self._refresh()

    def _refresh(self) -> dict[str, Any]:
        started = time.perf_counter()
        self._ensure_state()
        e = EVENTS.c
        with self.app.begin() as app:
            mark = int(app.execute(select(RollupState.last_event_id).where(RollupState.name == STATE)
                                   .with_for_update()).scalar_one())
            with self.tracker.connect() as tracker:
                top = int(tracker.execute(select(func.coalesce(func.max(e.id), 0))).scalar_one())
                if top == mark:
                    return {"days": 0, "last_event_id": top, "seconds": time.perf_counter() - started}
                if top < mark:  # the events table was emptied or replaced: start again
                    mark = 0
                earliest = tracker.execute(select(func.min(e.timestamp)).where(
                    e.id > mark, e.id <= top, e.timestamp.isnot(None))).scalar_one()
                first_day: int | None = None
                rows: dict[Any, list[dict[str, Any]]] = {}
                if earliest is not None:
                    first_day = day_number(float(earliest) - SLACK_SECONDS)
                    rows = self._compute(tracker, day_start_epoch(first_day), top)
            if mark == 0:
                for table in TABLES:
                    app.execute(delete(table))
            elif first_day is not None:
                for table in TABLES:
                    app.execute(delete(table).where(table.day >= first_day))
            _insert(app, rows)
            if first_day is not None:  # after the answers: derived from them
                _insert(app, derive(app, first_day if mark else None, rows[RollupAnswer]))
            app.execute(update(RollupState).where(RollupState.name == STATE).values(last_event_id=top))
        days = len({row["day"] for row in rows.get(RollupDay, [])})
        return {"days": days, "from_day": first_day, "last_event_id": top,
                "answers": len(rows.get(RollupAnswer, [])), "seconds": time.perf_counter() - started}

    def _compute(self, tracker: Any, since: float, top: int) -> dict[Any, list[dict[str, Any]]]:
        e = EVENTS.c
        day = local_day(e.timestamp)
        scope = and_(e.timestamp >= since, e.id <= top)
        user = and_(e.type_name == "user", scope)
        channel = func.coalesce(json_text(e.data, "metadata", "channel"), literal("other"))
        channel_rows = [
            {"day": int(d), "channel": str(c), "conversations": int(n), "messages": int(m)}
            for d, c, n, m in tracker.execute(
                select(day, channel, func.count(distinct(e.sender_id)), func.count())
                .where(user).group_by(day, channel))]
        days: dict[int, dict[str, Any]] = {}

        def slot(number: Any) -> dict[str, Any]:
            return days.setdefault(int(number), {"day": int(number), "conversations": 0,
                                                 "not_understood": 0, "fallbacks": 0})

        for d, n in tracker.execute(select(day, func.count(distinct(e.sender_id))).where(user).group_by(day)):
            slot(d)["conversations"] = int(n)
        for d, n in tracker.execute(select(day, func.count())
                                    .where(user, e.intent_name == FALLBACK_INTENT).group_by(day)):
            slot(d)["not_understood"] = int(n)
        for d, n in tracker.execute(select(day, func.count())
                                    .where(e.type_name == "action", e.action_name == FALLBACK_ACTION,
                                           scope).group_by(day)):
            slot(d)["fallbacks"] = int(n)
        m = EVENTS.alias("m")
        a = EVENTS.alias("a")
        join = m.join(a, and_(a.c.sender_id == m.c.sender_id, a.c.id == m.c.id + 1,
                              a.c.type_name == "slot", a.c.action_name == "matter_accepted"))
        m_day = local_day(m.c.timestamp)
        matter = json_text(m.c.data, "value")
        accepted = json_text(a.c.data, "value")
        answer_rows = [
            {"day": int(d), "sender_id": str(s), "matter": None if k is None else str(k),
             "accepted": None if f is None else str(f), "answers": int(n), "first_at": float(t)}
            for d, s, k, f, n, t in tracker.execute(
                select(m_day, m.c.sender_id, matter, accepted, func.count(), func.min(m.c.timestamp))
                .select_from(join)
                .where(m.c.type_name == "slot", m.c.action_name == "matter",
                       m.c.timestamp >= since, m.c.id <= top)
                .group_by(m_day, m.c.sender_id, matter, accepted))]
        human_rows = [
            {"day": int(d), "sender_id": str(s), "last_at": utc_at(float(t))}
            for d, s, t in tracker.execute(
                select(day, e.sender_id, func.max(e.timestamp))
                .where(e.type_name == "action", e.action_name == HUMAN_ACTION, scope)
                .group_by(day, e.sender_id))]
        return {RollupChannelDay: channel_rows, RollupDay: sorted(days.values(), key=lambda r: r["day"]),
                RollupAnswer: answer_rows, RollupHuman: human_rows}


def _insert(app: Any, rows: dict[Any, list[dict[str, Any]]]) -> None:
    for table, values in rows.items():
        if values:
            app.execute(insert(table), values)
