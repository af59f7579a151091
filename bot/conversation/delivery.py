"""Pushing messages to citizens outside a request/response cycle (officer replies)."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.replies import Reply

logger = logging.getLogger(__name__)

Deliver = Callable[[str, list[Reply]], Awaitable[bool]]


class DeliveryHub:
    """Maps a channel name to the coroutine that delivers to its citizens."""

    def __init__(self) -> None:
        self._channels: dict[str, Deliver] = {}

    def register(self, channel: str, deliver: Deliver) -> None:
        self._channels[channel] = deliver

    async def deliver(self, channel: str, sender_id: str, replies: list[Reply]) -> bool:
        """True when the channel accepted the messages."""
        deliver = self._channels.get(channel)
        if deliver is None:
            logger.warning("no delivery registered for channel %s", channel)
            return False
        return await deliver(sender_id, replies)
