"""Distinct senders over any period, summed from per-day rows (rollup migration 0010).

``COUNT(DISTINCT sender)`` over a year of per-day rows was the slowest part of the page.
Instead, each sender-day in a set (``matter``: one matter and accepted flag;
``answered``: any matter answer; ``diverted``: told "not ours") carries ``prev_day``, the
same sender's previous day in that set.  A sender appears in a period ``first..last``
exactly once on the row with ``first <= day <= last`` and ``prev_day`` NULL or
``< first`` (its first day in the period), so the period's distinct senders are the sum
of the per-day counts of such rows — exact, whatever the period.

:func:`derive` computes those per-day counts (``dashboard_senders``) and the diverted
sender-days (``dashboard_diverted``) for the days a refresh recomputes, from the answer
rows just computed and, for ``prev_day``, the answers kept from the days before.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.sql.expression import ColumnElement

from bot.dashboard.models import RollupAnswer, RollupDiverted, RollupSenders
from bot.dashboard.sql import FALSE_TEXTS, utc_at

__all__ = ["derive", "first_in_period"]

CHUNK = 500
Key = tuple[Any, ...]


def first_in_period(prev_day: Any, first: int) -> ColumnElement:
    """The row is its sender's first in a period starting on day ``first``."""
    return or_(prev_day.is_(None), prev_day < first)


def _prior(app: Any, before: int, senders: Sequence[str]) -> dict[Key, int]:
    """Each set's last day before ``before`` for ``senders`` (from the kept answers)."""
    r = RollupAnswer
    last: dict[Key, int] = {}
    for start in range(0, len(senders), CHUNK):
        for sender, matter, accepted, day in app.execute(
                select(r.sender_id, r.matter, r.accepted, func.max(r.day))
                .where(r.day < before, r.sender_id.in_(senders[start:start + CHUNK]))
                .group_by(r.sender_id, r.matter, r.accepted)):
            keys: list[Key] = [("matter", sender, matter, accepted)]
            keys += [("answered", sender)] if matter is not None else []
            keys += [("diverted", sender)] if accepted in FALSE_TEXTS else []
            for key in keys:
                last[key] = max(last.get(key, day), day)
    return last


def _step(last: dict[Key, int], key: Key, day: int) -> tuple[bool, int | None]:
    """(new sender-day?, previous day) of ``key`` on ``day`` (rows come in day order)."""
    prev = last.get(key)
    if prev == day:
        return False, None
    last[key] = day
    return True, prev


def _count_rows(counts: dict[Key, list[int]]) -> list[dict[str, Any]]:
    return [{"kind": kind, "day": day, "prev_day": prev, "matter": matter, "accepted": accepted,
             "senders": n, "answers": answers}
            for (kind, day, prev, matter, accepted), (n, answers) in counts.items()]


def derive(app: Any, since_day: int | None, answers: Iterable[dict[str, Any]]) -> dict[Any, list[dict[str, Any]]]:
    """Rows of ``dashboard_senders`` and ``dashboard_diverted`` for the days from ``since_day``.

    ``since_day`` None: all days.  The ``dashboard_answer`` rows (``answers``) are already
    written in ``app``'s transaction.
    """
    ordered = sorted(answers, key=lambda row: row["day"])
    r = RollupAnswer
    recomputed = r.day >= since_day if since_day is not None else r.day.isnot(None)
    last = _prior(app, since_day, sorted({a["sender_id"] for a in ordered})) if since_day is not None else {}
    counts: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for row in ordered:
        sender, day, matter, accepted = row["sender_id"], row["day"], row["matter"], row["accepted"]
        _, prev = _step(last, ("matter", sender, matter, accepted), day)
        entry = counts[("matter", day, prev, matter, accepted)]
        entry[0] += 1
        entry[1] += row["answers"]
        if matter is not None:
            new, prev = _step(last, ("answered", sender), day)
            if new:
                counts[("answered", day, prev, None, None)][0] += 1
    diverted = []
    for day, sender, first_at, matter in app.execute(
            select(r.day, r.sender_id, func.min(r.first_at), func.min(r.matter))
            .where(recomputed, r.accepted.in_(FALSE_TEXTS))
            .group_by(r.day, r.sender_id).order_by(r.day)):
        _, prev = _step(last, ("diverted", sender), day)
        counts[("diverted", day, prev, matter, None)][0] += 1
        diverted.append({"sender_id": sender, "day": day, "first_at": utc_at(float(first_at)),
                         "matter": matter, "prev_day": prev})
    return {RollupSenders: _count_rows(counts), RollupDiverted: diverted}
