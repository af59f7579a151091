"""A fake of the parts of Rasa's HTTP API the handoff uses (an external API, so a fake is fine).

REST webhook (answers through ``respond``; paused conversations answer nothing, like Rasa),
GET tracker, POST tracker/events (pause/resume/action), POST execute
(``action_handoff_resumed`` answers with the rating prompt from the real texts).
"""
from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.handoff.texts import default_texts
from tests.loopback_server import LoopbackServer

Replies = list[dict[str, Any]]
Responder = Callable[[str, str, dict[str, Any]], Awaitable[Replies]]


async def echo(sender: str, message: str, metadata: dict[str, Any]) -> Replies:
    return [{"recipient_id": sender, "text": f"收到：{message}"}]


class FakeRasaApi(LoopbackServer):
    """Records every call; ``down`` makes every endpoint answer 503."""

    def __init__(self, respond: Responder = echo) -> None:
        self.respond = respond
        self.events: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.received: list[tuple[str, str]] = []
        self.executed: list[tuple[str, str]] = []
        self.down = False
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def paused(self, sender: str) -> bool:
        state = False
        for event in self.events[sender]:
            if event.get("event") == "pause":
                state = True
            elif event.get("event") == "resume":
                state = False
        return state

    def event_names(self, sender: str) -> list[str]:
        return [e.get("event", "") for e in self.events[sender]]

    def _check(self) -> None:
        if self.down:
            raise web.HTTPServiceUnavailable()

    async def _webhook(self, request: web.Request) -> web.Response:
        self._check()
        body = await request.json()
        sender, text = str(body["sender"]), str(body["message"])
        self.received.append((sender, text))
        now = time.time()
        self.events[sender].append({"event": "user", "text": text, "timestamp": now,
                                    "parse_data": {"intent": {"name": "greet", "confidence": 0.91}}})
        if self.paused(sender):
            return web.json_response([])
        replies = await self.respond(sender, text, body.get("metadata") or {})
        for reply in replies:
            self.events[sender].append({"event": "bot", "text": reply.get("text", ""),
                                        "timestamp": time.time(),
                                        "data": {"buttons": reply.get("buttons")}})
        return web.json_response(replies, dumps=lambda o: json.dumps(o, ensure_ascii=False))

    async def _tracker(self, request: web.Request) -> web.Response:
        self._check()
        sender = request.match_info["sender"]
        users = [e for e in self.events[sender] if e.get("event") == "user"]
        latest = users[-1]["parse_data"] if users else {}
        return web.json_response({"sender_id": sender, "events": self.events[sender],
                                  "slots": {"matter": None}, "paused": self.paused(sender),
                                  "latest_message": latest})

    async def _append(self, request: web.Request) -> web.Response:
        self._check()
        sender = request.match_info["sender"]
        body = await request.json()
        for event in body if isinstance(body, list) else [body]:
            self.events[sender].append({**event, "timestamp": time.time()})
        return web.json_response({"sender_id": sender})

    async def _execute(self, request: web.Request) -> web.Response:
        self._check()
        sender = request.match_info["sender"]
        name = (await request.json())["name"]
        self.executed.append((sender, name))
        texts = default_texts()
        messages = [{"recipient_id": sender, "text": texts.get("resumed"),
                     "buttons": [b.to_rasa() for b in texts.rating_buttons]}]
        for message in messages:
            self.events[sender].append({"event": "bot", "text": message["text"],
                                        "timestamp": time.time(),
                                        "data": {"buttons": message["buttons"]}})
        return web.json_response({"tracker": {}, "messages": messages},
                                 dumps=lambda o: json.dumps(o, ensure_ascii=False))

    def build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self._webhook)
        app.router.add_get("/conversations/{sender}/tracker", self._tracker)
        app.router.add_post("/conversations/{sender}/tracker/events", self._append)
        app.router.add_post("/conversations/{sender}/execute", self._execute)
        return app
