"""A fake Telegram Bot API server (aiohttp on 127.0.0.1) for testing the bridge.

The bridge talks to it over real HTTP through python-telegram-bot's ``base_url``.
It records every call, lets a test enqueue updates (served by long-polling
``getUpdates`` with offset semantics), keeps sent messages so buttons can be
pressed and messages edited, enforces Telegram's text and callback_data limits,
and can fail the next N calls of a method with 429 (``retry_after``) or 5xx.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from tests.loopback_server import LoopbackServer

TOKEN = "123:abc"
BOT_USER = {"id": 123, "is_bot": True, "first_name": "交警信访助手", "username": "jj_petition_bot",
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False}
# Form fields PTB sends as plain strings; every other field is JSON-encoded.
STRING_FIELDS = {"text", "url", "secret_token", "action", "callback_query_id", "parse_mode",
                 "description", "short_description", "name", "caption", "language_code",
                 "inline_message_id", "ip_address"}
MAX_TEXT_UNITS = 4096
MAX_CALLBACK_BYTES = 64

JSON = dict[str, Any]


@dataclass
class Call:
    """One request the bridge made."""

    method: str
    params: JSON
    at: float = field(default_factory=time.monotonic)
    ok: bool = False
    ended: float | None = None  # when the answer was sent (None: still in flight)
    returned: tuple[int, ...] = ()  # getUpdates: the update_ids it handed out


@dataclass
class Failure:
    status: int
    retry_after: int | None = None


class ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters


def _decode_form_value(name: str, value: str) -> Any:
    if name in STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeTelegram(LoopbackServer):
    """The fake server: start(), enqueue updates, inspect ``calls``, stop()."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.updates: list[JSON] = []
        self.available_at: dict[int, float] = {}
        self.messages: dict[tuple[int, int], JSON] = {}
        self.commands: list[JSON] = []
        self.webhook: JSON = {}
        self.failures: dict[str, deque[Failure]] = defaultdict(deque)
        self.port = 0
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._handlers: dict[str, Callable[[JSON], Any]] = {
            "getMe": lambda p: BOT_USER,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_text,
            "editMessageReplyMarkup": self._edit_markup,
            "answerCallbackQuery": lambda p: True,
            "setMyCommands": self._set_commands,
            "getMyCommands": lambda p: self.commands,
            "deleteMyCommands": self._delete_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": lambda p: {"url": self.webhook.get("url", ""),
                                         "has_custom_certificate": False,
                                         "pending_update_count": 0},
            "sendChatAction": lambda p: True,
            "close": lambda p: True,
            "logOut": lambda p: True,
        }

    # ---- server -------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """What to pass as python-telegram-bot's ``base_url``."""
        return f"http://127.0.0.1:{self.port}/bot"

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        return app

    async def _params(self, request: web.Request) -> JSON:
        params: JSON = dict(request.query)
        if request.content_type == "application/json":
            body = await request.json()
            params.update(body if isinstance(body, dict) else {})
        elif request.can_read_body:
            form = await request.post()
            params.update({k: _decode_form_value(k, v) for k, v in form.items()
                           if isinstance(v, str)})
        return params

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._error(ApiError(401, "Unauthorized"))
        params = await self._params(request)
        call = Call(method, params)
        self.calls.append(call)
        try:
            self._maybe_fail(method)
            if method == "getUpdates":
                result: Any = await self._get_updates(params)
                call.returned = tuple(u["update_id"] for u in result)
            elif method in self._handlers:
                result = self._handlers[method](params)
            else:
                raise ApiError(404, "Not Found: method not found")
        except ApiError as error:
            return self._error(error)
        finally:
            call.ended = time.monotonic()
        call.ok = True
        return web.json_response({"ok": True, "result": result},
                                 dumps=lambda o: json.dumps(o, ensure_ascii=False))

    @staticmethod
    def _error(error: ApiError) -> web.Response:
        body: JSON = {"ok": False, "error_code": error.status, "description": error.description}
        if error.parameters:
            body["parameters"] = error.parameters
        return web.json_response(body, status=error.status)

    # ---- failure injection --------------------------------------------------
    def fail(self, method: str, times: int = 1, status: int = 429,
             retry_after: int | None = 1) -> None:
        """Fail the next ``times`` calls of ``method`` with 429 (retry_after) or a 5xx."""
        for _ in range(times):
            self.failures[method].append(Failure(status, retry_after if status == 429 else None))

    def _maybe_fail(self, method: str) -> None:
        if not self.failures[method]:
            return
        failure = self.failures[method].popleft()
        if failure.status == 429:
            raise ApiError(429, f"Too Many Requests: retry after {failure.retry_after}",
                           {"retry_after": failure.retry_after})
        raise ApiError(failure.status, {500: "Internal Server Error", 502: "Bad Gateway",
                                        503: "Service Unavailable"}.get(failure.status, "Error"))

    # ---- updates ------------------------------------------------------------
    def enqueue(self, update: JSON) -> JSON:
        """Make a raw update (without update_id) available to getUpdates."""
        update = {"update_id": next(self._update_ids), **update}
        self.updates.append(update)
        self.available_at[update["update_id"]] = time.monotonic()
        self._new_update.set()
        return update

    async def _get_updates(self, params: JSON) -> list[JSON]:
        offset = int(params.get("offset") or 0)
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while not self.updates and time.monotonic() < deadline:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), deadline - time.monotonic())
            except TimeoutError:
                break
        return self.updates[:limit]

    @staticmethod
    def chat(chat_id: int, chat_type: str = "private") -> JSON:
        if chat_type == "private":
            return {"id": chat_id, "type": "private", "first_name": "市民"}
        return {"id": chat_id, "type": chat_type, "title": "测试群"}

    @staticmethod
    def user(user_id: int) -> JSON:
        return {"id": abs(user_id), "is_bot": False, "first_name": "市民", "language_code": "zh-hans"}

    def message(self, chat_id: int, chat_type: str = "private", **fields: Any) -> JSON:
        """A message object from a citizen (fields: text, photo, sticker, …)."""
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": self.chat(chat_id, chat_type), "from": self.user(chat_id), **fields}
        text = fields.get("text", "")
        if isinstance(text, str) and text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": utf16_units(command)}]
        return message

    def send_text(self, chat_id: int, text: str, chat_type: str = "private") -> JSON:
        return self.enqueue({"message": self.message(chat_id, chat_type, text=text)})

    def send_media(self, chat_id: int, kind: str) -> JSON:
        """A non-text message: photo, sticker, voice, document, video, location, contact."""
        file = {"file_id": f"file-{kind}", "file_unique_id": f"u-{kind}"}
        payloads: dict[str, Any] = {
            "photo": [{**file, "width": 90, "height": 90}],
            "sticker": {**file, "width": 512, "height": 512, "is_animated": False,
                        "is_video": False, "type": "regular"},
            "voice": {**file, "duration": 3},
            "document": {**file, "file_name": "认定书.pdf"},
            "video": {**file, "width": 640, "height": 480, "duration": 5},
            "location": {"latitude": 31.23, "longitude": 121.47},
            "contact": {"phone_number": "13812345678", "first_name": "张三"},
        }
        message = self.message(chat_id, **{kind: payloads[kind]})
        return self.enqueue({"message": message})

    def edit_text(self, chat_id: int, text: str) -> JSON:
        message = {**self.message(chat_id, text=text), "edit_date": int(time.time())}
        return self.enqueue({"edited_message": message})

    def press(self, chat_id: int, message_id: int, data: str) -> JSON:
        """The citizen presses the button with ``data`` under a message the bot sent."""
        message = json.loads(json.dumps(self.messages[(chat_id, message_id)]))
        return self.enqueue({"callback_query": {
            "id": str(next(self._query_ids)), "from": self.user(chat_id),
            "chat_instance": f"ci-{chat_id}", "message": message, "data": data}})

    # ---- bot methods --------------------------------------------------------
    def _check_text(self, text: Any) -> str:
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_units(text) > MAX_TEXT_UNITS:
            raise ApiError(400, "Bad Request: message is too long")
        return text

    @staticmethod
    def _check_markup(markup: Any) -> JSON | None:
        if not isinstance(markup, dict):
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if len(str(button.get("callback_data", "")).encode("utf-8")) > MAX_CALLBACK_BYTES:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _stored(self, params: JSON) -> JSON:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise ApiError(400, "Bad Request: message to edit not found")
        return self.messages[key]

    def _send_message(self, params: JSON) -> JSON:
        chat_id = int(params["chat_id"])
        message: JSON = {"message_id": next(self._message_ids), "date": int(time.time()),
                         "chat": self.chat(chat_id, "private" if chat_id > 0 else "supergroup"),
                         "from": BOT_USER, "text": self._check_text(params.get("text"))}
        markup = self._check_markup(params.get("reply_markup"))
        if markup:
            message["reply_markup"] = markup
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _edit_text(self, params: JSON) -> JSON:
        message = self._stored(params)
        message["text"] = self._check_text(params.get("text"))
        self._replace_markup(message, params.get("reply_markup"))
        return message

    def _edit_markup(self, params: JSON) -> JSON:
        message = self._stored(params)
        self._replace_markup(message, params.get("reply_markup"))
        return message

    def _replace_markup(self, message: JSON, markup: Any) -> None:
        message.pop("reply_markup", None)
        if self._check_markup(markup):
            message["reply_markup"] = markup

    def _set_commands(self, params: JSON) -> bool:
        self.commands = list(params.get("commands") or [])
        return True

    def _delete_commands(self, params: JSON) -> bool:
        self.commands = []
        return True

    def _set_webhook(self, params: JSON) -> bool:
        self.webhook = {"url": params.get("url", ""), "secret_token": params.get("secret_token")}
        return True

    def _delete_webhook(self, params: JSON) -> bool:
        self.webhook = {}
        return True

    # ---- inspection ---------------------------------------------------------
    def calls_of(self, method: str, chat_id: int | None = None,
                 ok_only: bool = True) -> list[Call]:
        """Calls of ``method`` (to ``chat_id``); by default only those that succeeded."""
        return [c for c in self.calls if c.method == method and (c.ok or not ok_only)
                and (chat_id is None or int(c.params.get("chat_id", 0)) == chat_id)]

    # ---- long polling, without timing ---------------------------------------
    def waiting_long_poll(self, fresh: float = 5.0) -> Call | None:
        """A ``getUpdates`` long poll in flight that began less than ``fresh`` seconds ago
        (so it will not time out in the next moments), if any."""
        now = time.monotonic()
        for call in reversed(self.calls):
            if (call.method == "getUpdates" and call.ended is None
                    and float(call.params.get("timeout") or 0) > 0 and now - call.at < fresh):
                return call
        return None

    async def wait_for_long_poll(self, timeout: float = 30.0) -> Call:
        """Wait until the bridge is waiting in a (fresh) long poll; returns that call."""
        await self.wait_for(lambda: self.waiting_long_poll() is not None, timeout)
        call = self.waiting_long_poll()
        assert call is not None
        return call

    def handed_out_by(self, update_id: int) -> Call | None:
        """The first ``getUpdates`` call that returned ``update_id``."""
        return next((c for c in self.calls_of("getUpdates") if update_id in c.returned), None)

    def confirmed(self, update_id: int) -> bool:
        """A later ``getUpdates`` confirmed the update (offset past it): the bridge has
        queued it for processing and Telegram would not hand it out again."""
        return any(int(c.params.get("offset") or 0) > update_id
                   for c in self.calls_of("getUpdates", ok_only=False))

    def last_message(self, chat_id: int) -> JSON:
        """The newest message the bot sent to the chat, as it is now (after edits)."""
        return self.messages[(chat_id, max(m for c, m in self.messages if c == chat_id))]

    def sent_texts(self, chat_id: int) -> list[str]:
        """Texts delivered to the chat, in order."""
        return [c.params["text"] for c in self.calls_of("sendMessage", chat_id)]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until ``predicate()`` holds (raises AssertionError on timeout)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                seen = [(c.method, c.params.get("chat_id")) for c in self.calls]
                raise AssertionError(f"timed out after {timeout}s; calls: {seen}")
            await asyncio.sleep(0.01)

    async def wait_sent(self, chat_id: int, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Wait for at least ``count`` sendMessage calls to the chat; return them."""
        await self.wait_for(lambda: len(self.calls_of("sendMessage", chat_id)) >= count, timeout)
        return self.calls_of("sendMessage", chat_id)


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    """A running fake Bot API server on 127.0.0.1 (random port)."""
    async with FakeTelegram() as server:
        yield server
