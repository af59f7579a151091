"""Time conventions: store naive UTC, reason about dates in China Standard Time (UTC+8).

A ``Clock`` is a zero-argument callable returning "now"; aware datetimes are
converted to naive UTC, naive ones are taken to be UTC already.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone

__all__ = ["CHINA_OFFSET", "CHINA_TZ", "Clock", "china_time", "local_date", "local_midnight",
           "to_naive_utc", "utc_now"]

CHINA_OFFSET = timedelta(hours=8)
CHINA_TZ = timezone(CHINA_OFFSET, "CST")
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
    return (to_naive_utc(moment) + CHINA_OFFSET).date()


def china_time(moment: datetime | None, fmt: str = "%m-%d %H:%M:%S", missing: str = "") -> str:
    """A naive-UTC moment as China time text (``missing`` for None; a date as ISO)."""
    if moment is None:
        return missing
    if isinstance(moment, date) and not isinstance(moment, datetime):
        return moment.isoformat()
    return (moment + CHINA_OFFSET).strftime(fmt)


def local_midnight(day: date) -> datetime:
    """00:00 China time of ``day`` as naive UTC."""
    return datetime.combine(day, time()) - CHINA_OFFSET
