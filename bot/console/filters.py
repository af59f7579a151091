"""Jinja2 filters of the console: China time, durations, percentages, masking."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.common.clock import china_time
from bot.privacy import mask_text

__all__ = ["FILTERS", "china_time", "duration"]

def duration(seconds: float | None) -> str:
    """12秒 / 3分05秒 / 2小时04分 / 3天2小时."""
    if seconds is None:
        return ""
    total = max(0, int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时"
    if hours:
        return f"{hours}小时{minutes:02d}分"
    if minutes:
        return f"{minutes}分{secs:02d}秒"
    return f"{secs}秒"


def percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.0f}%"


FILTERS: dict[str, Callable[..., Any]] = {
    "cst": china_time,
    "duration": duration,
    "percent": percent,
    "masked": mask_text,
}
