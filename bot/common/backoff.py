"""Retry delays: exponential backoff with a cap, optionally with jitter."""
from __future__ import annotations

import random

__all__ = ["exponential_delay", "next_delay"]


def exponential_delay(attempt: int, base: float, cap: float, jitter: float = 0.0) -> float:
    """Delay before retry ``attempt`` (0-based).

    ``base * 2**attempt`` up to ``cap``, times a random factor in
    ``[1 - jitter, 1 + jitter]``.
    """
    delay = min(cap, base * 2 ** attempt)
    if jitter:
        delay *= random.uniform(1.0 - jitter, 1.0 + jitter)  # noqa: S311 - retry jitter
    return float(delay)


def next_delay(previous: float, first: float, cap: float) -> float:
    """The delay after ``previous`` (0 = none yet): ``first``, then doubled, up to ``cap``."""
    return min(cap, previous * 2 if previous else first)
