"""Time conventions: store naive UTC, reason about dates in China Standard Time (UTC+8).

A ``Clock`` is a zero-argument callable returning "now"; aware datetimes are
converted to naive UTC, naive ones are taken to be UTC already.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone

__all__ = ["CHINA_TZ", "Clock", "local_date", "local_midnight", "to_naive_utc", "utc_now"]

CHINA_TZ = timezone(timedelta(hours=8), "CST")
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock: current time as naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_naive_utc(moment: datetime) -> datetime:
    """Aware -> naive UTC; naive values are returned unchanged (assumed UTC)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def local_date(moment: datetime) -> date:
    """The calendar date in China of a naive-UTC (or aware) moment."""
    return (to_naive_utc(moment) + timedelta(hours=8)).date()


def local_midnight(day: date) -> datetime:
    """00:00 China time of ``day`` as naive UTC."""
    return datetime.combine(day, time()) - timedelta(hours=8)
