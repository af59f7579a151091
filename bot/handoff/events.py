"""In-process publish/subscribe for live console updates (one queue per open websocket)."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

__all__ = ["EventBus"]

log = logging.getLogger(__name__)
QUEUE_SIZE = 256


class EventBus:
    """Fan-out of small JSON-able events; a slow subscriber loses events, never blocks others."""

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[dict[str, Any]]] = set()

    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._queues.discard(queue)

    @property
    def subscribers(self) -> int:
        return len(self._queues)

    def publish(self, event: dict[str, Any]) -> None:
        for queue in list(self._queues):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                log.warning("console subscriber too slow; dropping event %s", event.get("type"))
