"""Lockout rule for case verification: too many failures from one sender lock it for a while.

Default: 5 failed verifications within 1 hour lock the sender for 1 hour from the
5th failure.  Attempts made while locked are recorded as ``blocked`` and do not
extend the lock; a success does not reset anything.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["LockPolicy", "locked_until"]


@dataclass(frozen=True)
class LockPolicy:
    """How many failures within ``window`` lock a sender, and for how long."""

    max_failures: int = 5
    window: timedelta = timedelta(hours=1)
    lock_for: timedelta = timedelta(hours=1)

    @property
    def lookback(self) -> timedelta:
        """How far back failures can still matter."""
        return self.window + self.lock_for


def locked_until(failures: Iterable[datetime], policy: LockPolicy) -> datetime | None:
    """End of the latest lock triggered by ``failures`` (may lie in the past), or ``None``."""
    times = sorted(failures)
    span = policy.max_failures - 1
    until: datetime | None = None
    for index in range(span, len(times)):
        if times[index] - times[index - span] <= policy.window:
            until = times[index] + policy.lock_for
    return until
