"""Rate limiting plus retries: backoff on network errors and 5xx, waiting out 429s."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

from bot.common.backoff import exponential_delay

logger = logging.getLogger(__name__)

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]


class RetryingRateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter (which honours ``RetryAfter``) with exponential backoff.

    Backs off on :class:`NetworkError` (timeouts, connection errors, HTTP 5xx); 4xx are
    not retried.
    """

    def __init__(
        self,
        network_retries: int = 4,
        base_delay: float = 0.5,
        max_delay: float = 8.0,
        retry_after_retries: int = 3,
        **limits: float,
    ) -> None:
        super().__init__(max_retries=retry_after_retries, **limits)
        self.network_retries = network_retries
        self.base_delay = base_delay
        self.max_delay = max_delay

    def backoff(self, attempt: int) -> float:
        """Delay before retry ``attempt`` (0-based), with a little jitter."""
        return exponential_delay(attempt, self.base_delay, self.max_delay, jitter=0.2)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        for attempt in range(self.network_retries + 1):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except NetworkError as error:
                if attempt == self.network_retries:
                    raise
                delay = self.backoff(attempt)
                logger.warning("Telegram %s failed (%s); retry %d in %.1fs",
                               endpoint, error, attempt + 1, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")
