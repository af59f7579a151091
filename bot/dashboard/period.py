"""The dashboard's period: an inclusive range of China-local dates."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.common.clock import local_date, local_midnight

__all__ = ["KINDS", "MAX_DAYS", "Period", "PeriodError", "iso_week", "period_from_query"]

KINDS = {"week": "本周", "30d": "近30天", "custom": "自定义"}
MAX_DAYS = 366


class PeriodError(ValueError):
    """An unreadable or too long period."""


@dataclass(frozen=True)
class Period:
    """``first`` .. ``last`` (China dates, both included)."""

    first: date
    last: date
    kind: str = "custom"

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise PeriodError("结束日期早于开始日期")
        if self.days > MAX_DAYS:
            raise PeriodError(f"时间段最长{MAX_DAYS}天")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        """Naive UTC start (China midnight of ``first``)."""
        return local_midnight(self.first)

    @property
    def end(self) -> datetime:
        """Naive UTC end, exclusive (China midnight after ``last``)."""
        return local_midnight(self.last + timedelta(days=1))

    def dates(self) -> Iterator[date]:
        for offset in range(self.days):
            yield self.first + timedelta(days=offset)

    def previous(self) -> Period:
        """The period of the same length just before (for the changes in the report)."""
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1), "custom")

    @property
    def label(self) -> str:
        return f"{self.first.isoformat()} 至 {self.last.isoformat()}"

    @classmethod
    def this_week(cls, now: datetime) -> Period:
        today = local_date(now)
        return cls(today - timedelta(days=today.weekday()), today, "week")

    @classmethod
    def last_30_days(cls, now: datetime) -> Period:
        today = local_date(now)
        return cls(today - timedelta(days=29), today, "30d")


def iso_week(text: str) -> Period:
    """``2026-W49`` → Monday..Sunday of that ISO week."""
    try:
        year, week = text.upper().split("-W")
        monday = date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise PeriodError(f"周的格式应为 2026-W49，收到 {text!r}") from None
    return Period(monday, monday + timedelta(days=6), "custom")


def _date(value: str | None) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise PeriodError(f"日期格式应为 YYYY-MM-DD，收到 {value!r}") from None


def period_from_query(query: Mapping[str, str], now: datetime) -> Period:
    """``?period=week|30d|custom&from=…&to=…`` (default: last 30 days)."""
    kind = query.get("period", "30d")
    if kind == "week":
        return Period.this_week(now)
    if kind == "custom":
        return Period(_date(query.get("from")), _date(query.get("to")), "custom")
    return Period.last_30_days(now)
