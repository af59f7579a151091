"""Per-address limit on failed console logins (next to the per-account lockout).

Ten failed logins from one address within 15 minutes refuse further attempts from it
until the oldest failure is 15 minutes old.  Kept in memory (one gateway process);
successful logins do not reset the count, so an attacker's own account cannot be
used to clear it.
"""
from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable

__all__ = ["ADDRESS_LIMIT", "ADDRESS_WINDOW", "LoginThrottle"]

ADDRESS_LIMIT = 10
ADDRESS_WINDOW = 15 * 60.0  # seconds
MAX_ADDRESSES = 10_000


class LoginThrottle:
    """Sliding-window count of failed logins per client address."""

    def __init__(self, limit: int = ADDRESS_LIMIT, window: float = ADDRESS_WINDOW,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self._clock = limit, window, clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, address: str) -> deque[float]:
        failures = self._failures.get(address, deque())
        horizon = self._clock() - self.window
        while failures and failures[0] <= horizon:
            failures.popleft()
        if not failures:
            self._failures.pop(address, None)
        return failures

    def blocked(self, address: str) -> bool:
        """Whether this address has used up its failed attempts."""
        return len(self._recent(address)) >= self.limit

    def retry_after(self, address: str) -> int:
        """Seconds until the next attempt is allowed (0 when not blocked)."""
        failures = self._recent(address)
        if len(failures) < self.limit:
            return 0
        return max(1, int(failures[-self.limit] + self.window - self._clock()) + 1)

    def failed(self, address: str) -> bool:
        """Count a failed login; True when this failure reached the limit."""
        failures = self._recent(address)
        failures.append(self._clock())
        self._failures[address] = failures
        self._failures.move_to_end(address)
        while len(self._failures) > MAX_ADDRESSES:
            self._failures.popitem(last=False)
        return len(failures) == self.limit
