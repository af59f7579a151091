"""The local web chat: a page, a JSON endpoint and a websocket for pushed messages."""
from __future__ import annotations

import asyncio
import json
import logging
import re
from collections import defaultdict
from pathlib import Path
from typing import TypeGuard

from aiohttp import WSMsgType, web

from bot.conversation import ConversationRouter
from bot.gateway.ratelimit import TOO_FAST, AddressRateLimiter, ClientKeys, is_loopback
from bot.replies import Reply
from bot.web.addresses import client_ip
from bot.web.http import json_error, read_json
from bot.web.keys import (
    CLIENT_KEYS_KEY,
    DELIVERY_KEY,
    RATE_LIMITER_KEY,
    ROUTER_KEY,
    SETTINGS_KEY,
    WEBCHAT_HUB_KEY,
)

CHANNEL = "webchat"
STATIC_DIR = Path(__file__).parent / "static"
SENDER_PATTERN = re.compile(r"^web-[A-Za-z0-9_-]{8,64}$")
PENDING_LIMIT = 200

logger = logging.getLogger(__name__)


def reply_json(reply: Reply) -> dict[str, object]:
    message: dict[str, object] = {"text": reply.text, "buttons": [b.to_rasa() for b in reply.buttons]}
    if reply.notice:
        message["notice"] = True
    return message


class WebChatHub:
    """Open websockets per sender, with a queue for citizens who are offline."""

    def __init__(self) -> None:
        self.sockets: dict[str, set[web.WebSocketResponse]] = defaultdict(set)
        self.pending: dict[str, list[Reply]] = defaultdict(list)

    async def deliver(self, sender_id: str, replies: list[Reply]) -> bool:
        """Push to open sockets; keep the messages until the citizen reconnects."""
        sockets = [ws for ws in self.sockets.get(sender_id, ()) if not ws.closed]
        if not sockets:
            self.pending[sender_id] = (self.pending[sender_id] + replies)[-PENDING_LIMIT:]
            return True
        payload = json.dumps({"messages": [reply_json(r) for r in replies]}, ensure_ascii=False)
        await asyncio.gather(*(ws.send_str(payload) for ws in sockets), return_exceptions=True)
        return True

    async def flush(self, sender_id: str, ws: web.WebSocketResponse) -> None:
        replies = self.pending.pop(sender_id, [])
        if replies:
            await ws.send_str(
                json.dumps({"messages": [reply_json(r) for r in replies]}, ensure_ascii=False)
            )


def valid_sender(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(SENDER_PATTERN.match(value))


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html")


async def post_message(request: web.Request) -> web.Response:
    """POST /api/chat {"sender": "web-…", "message": "…"} → {"messages": […]}."""
    body = await read_json(request)
    sender, message = body.get("sender"), body.get("message")
    if not valid_sender(sender):
        return json_error(400, "会话编号无效，请刷新页面后重试。")
    if not isinstance(message, str):
        return json_error(400, "消息内容需要是文字。")
    address = client_ip(request)
    limiter: AddressRateLimiter = request.app[RATE_LIMITER_KEY]
    if not limiter.allow(address):
        return json_error(429, TOO_FAST)
    router: ConversationRouter = request.app[ROUTER_KEY]  # counts the message (MeteredRouter)
    client_keys: ClientKeys = request.app[CLIENT_KEYS_KEY]
    metadata = {} if is_loopback(address) else {"client": client_keys.key(address)}
    replies = await router.handle(CHANNEL, sender, message, metadata)
    return web.json_response({"messages": [reply_json(r) for r in replies]},
                             dumps=lambda o: json.dumps(o, ensure_ascii=False))


async def websocket(request: web.Request) -> web.StreamResponse:
    """GET /api/chat/ws?sender=… — pushed messages (e.g. an officer's reply)."""
    sender = request.query.get("sender", "")
    if not valid_sender(sender):
        return json_error(400, "会话编号无效，请刷新页面后重试。")
    hub: WebChatHub = request.app[WEBCHAT_HUB_KEY]
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    hub.sockets[sender].add(ws)
    try:
        await hub.flush(sender, ws)
        async for message in ws:
            if message.type == WSMsgType.ERROR:
                break
    finally:
        hub.sockets[sender].discard(ws)
    return ws


def setup_webchat(app: web.Application) -> None:
    settings = app[SETTINGS_KEY]
    app[RATE_LIMITER_KEY] = AddressRateLimiter(settings.chat_rate_per_minute, settings.chat_burst)
    app[CLIENT_KEYS_KEY] = ClientKeys(settings.session_secret)
    hub = WebChatHub()
    app[WEBCHAT_HUB_KEY] = hub
    app[DELIVERY_KEY].register(CHANNEL, hub.deliver)
    app.router.add_get("/", index)
    app.router.add_static("/static/", STATIC_DIR)
    app.router.add_post("/api/chat", post_message)
    app.router.add_get("/api/chat/ws", websocket)
