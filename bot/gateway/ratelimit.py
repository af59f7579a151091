"""Per-address limits for the citizens' chat API, and the opaque client key.

A token bucket per client address (``client_ip``): ``CHAT_RATE_PER_MINUTE`` messages a
minute with bursts up to ``CHAT_BURST``; beyond that the citizen gets a polite 429.
Loopback clients (local tools, the bench, the tests) are neither limited nor keyed:
behind a proxy set ``TRUSTED_PROXIES`` so that the real address is seen. The address,
keyed with ``SESSION_SECRET``, becomes the ``client`` the case lookup counts failures
against, so fresh sender ids from one address do not get more guesses.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from bot.common.texts import GATEWAY_TEXTS_PATH, load_text
from bot.secrets import weak_secret

MAX_TRACKED = 50_000
TOO_FAST = load_text(GATEWAY_TEXTS_PATH, "too_fast")


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class AddressRateLimiter:
    """Token buckets per address (at most ``MAX_TRACKED`` addresses, oldest dropped)."""

    def __init__(self, per_minute: int, burst: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(max(1, burst))
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def allow(self, address: str) -> bool:
        """Take one message from ``address``'s bucket; False when it is empty."""
        if not self.enabled or is_loopback(address):
            return True
        now = self._clock()
        bucket = self._buckets.pop(address, None) or _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        allowed = bucket.tokens >= 1.0
        if allowed:
            bucket.tokens -= 1.0
        self._buckets[address] = bucket
        while len(self._buckets) > MAX_TRACKED:
            self._buckets.popitem(last=False)
        return allowed


class ClientKeys:
    """An address → an opaque key (HMAC), the same in every gateway sharing the secret."""

    def __init__(self, session_secret: str) -> None:
        self._key = (secrets.token_bytes(32) if weak_secret(session_secret)
                     else hashlib.sha256(b"jiaojing-client:" + session_secret.encode()).digest())

    def key(self, address: str) -> str:
        return hmac.new(self._key, address.encode(), hashlib.sha256).hexdigest()[:32]
