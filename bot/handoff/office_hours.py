"""Office hours (China time): are officers on duty now, and when do they come back?"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.common.clock import CHINA_OFFSET, to_naive_utc
from bot.handoff.texts import HandoffTexts

__all__ = ["OfficeHours", "OfficeStatus"]



@dataclass(frozen=True)
class OfficeStatus:
    """Whether officers are on duty and (when not) the next opening in China time."""

    open: bool
    next_open_local: datetime


@dataclass(frozen=True)
class OfficeHours:
    """``hours`` = (start, end) in whole hours, China time; weekdays only unless ``all_week``."""

    hours: tuple[int, int] = (9, 17)
    weekdays_only: bool = True

    def _working_day(self, local: datetime) -> bool:
        return not self.weekdays_only or local.weekday() < 5

    def status(self, now_utc: datetime) -> OfficeStatus:
        """On duty at ``now_utc`` (naive UTC or aware)?  Otherwise when next."""
        local = to_naive_utc(now_utc) + CHINA_OFFSET
        start, end = self.hours
        if self._working_day(local) and start <= local.hour < end:
            return OfficeStatus(True, local)
        day = local.replace(hour=start, minute=0, second=0, microsecond=0)
        if local.hour >= start or not self._working_day(local):
            day += timedelta(days=1)
        while not self._working_day(day):
            day += timedelta(days=1)
        return OfficeStatus(False, day)

    def describe(self, texts: HandoffTexts) -> str:
        """The office-hours line, e.g. ``人工服务时间：周一至周五9:00–17:00。``."""
        days = texts.get("weekdays_only") if self.weekdays_only else texts.get("all_week")
        start, end = self.hours
        return texts.get("office_hours_line", days=days, start=f"{start}:00", end=f"{end}:00")

    @staticmethod
    def next_open_text(now_utc: datetime, next_open_local: datetime, texts: HandoffTexts) -> str:
        """今天9点 / 明天9点 / 周一9点."""
        today = (to_naive_utc(now_utc) + CHINA_OFFSET).date()
        days = (next_open_local.date() - today).days
        hour = next_open_local.hour
        if days == 0:
            return texts.get("next_open_today", hour=hour)
        if days == 1:
            return texts.get("next_open_tomorrow", hour=hour)
        return texts.get("next_open_weekday", weekday=texts.weekday_names[next_open_local.weekday()],
                         hour=hour)
