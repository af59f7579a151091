"""The per-address login limit on its own (a movable clock)."""
from __future__ import annotations

from bot.console.throttle import ADDRESS_LIMIT, ADDRESS_WINDOW, LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_ten_failures_block_for_fifteen_minutes_from_the_oldest() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    assert (ADDRESS_LIMIT, ADDRESS_WINDOW) == (10, 900.0)
    reached = []
    for _ in range(10):
        reached.append(throttle.failed("198.51.100.7"))
        clock.now += 10
    assert reached == [False] * 9 + [True]
    assert throttle.blocked("198.51.100.7") and not throttle.blocked("198.51.100.8")
    assert throttle.retry_after("198.51.100.7") == 900 - 100 + 1
    clock.now = 1000.0 + 900  # the first failure has left the window
    assert not throttle.blocked("198.51.100.7")
    assert throttle.retry_after("198.51.100.7") == 0


def test_failures_spread_over_time_never_block() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    for _ in range(50):
        throttle.failed("10.0.0.1")
        clock.now += 100  # 9 per 15 minutes
    assert not throttle.blocked("10.0.0.1")


def test_memory_is_bounded(monkeypatch) -> None:
    import bot.console.throttle as module

    monkeypatch.setattr(module, "MAX_ADDRESSES", 3)
    throttle = LoginThrottle(limit=1)
    for index in range(5):
        throttle.failed(f"10.0.0.{index}")
    assert not throttle.blocked("10.0.0.0") and throttle.blocked("10.0.0.4")
