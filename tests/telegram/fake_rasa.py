"""A tiny fake of Rasa's REST channel (an external API) for bridge tests."""
from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from tests.loopback_server import LoopbackServer

Replies = list[dict[str, Any]]
Responder = Callable[[str, str], Awaitable[Replies]]


async def echo(sender: str, message: str) -> list[dict[str, Any]]:
    """Default behaviour: echo the message back."""
    return [{"recipient_id": sender, "text": f"收到：{message}"}]


class FakeRasa(LoopbackServer):
    """POST /webhooks/rest/webhook answered by ``respond``; every message is recorded."""

    def __init__(self, respond: Responder = echo, max_delay: float = 0.0) -> None:
        self.respond = respond
        self.max_delay = max_delay
        self.received: list[tuple[str, str]] = []
        self.metadata: list[dict[str, Any]] = []  # the metadata of each received message
        self.busy_seconds: dict[str, float] = {}  # message → time spent answering it
        self.in_flight: dict[str, int] = {}
        self.max_in_flight = 0  # over all senders
        self.max_in_flight_per_sender = 0
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def messages_from(self, sender: str) -> list[str]:
        return [message for who, message in self.received if who == sender]

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        sender, message = str(body["sender"]), str(body["message"])
        started = time.monotonic()
        self.received.append((sender, message))
        self.metadata.append(dict(body.get("metadata") or {}))
        self._enter(sender)
        try:
            if self.max_delay:
                await asyncio.sleep(random.uniform(0, self.max_delay))
            replies = await self.respond(sender, message)
        finally:
            self.in_flight[sender] -= 1
        self.busy_seconds[message] = time.monotonic() - started
        return web.json_response(replies, dumps=lambda o: json.dumps(o, ensure_ascii=False))

    def _enter(self, sender: str) -> None:
        self.in_flight[sender] = self.in_flight.get(sender, 0) + 1
        self.max_in_flight_per_sender = max(self.max_in_flight_per_sender, self.in_flight[sender])
        self.max_in_flight = max(self.max_in_flight, sum(self.in_flight.values()))

    def build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self._webhook)
        return app
