"""The server URL WeChat pushes to (``/wechat`` on the gateway).

GET: URL verification (echo ``echostr`` when the signature is right). POST: signature
(and in 安全模式 ``msg_signature``) checked before anything else — 403 otherwise, nothing
processed; a push whose signed timestamp is older (or newer) than ``MAX_AGE_SECONDS``, or
whose MsgId was taken before (also before a restart), is answered ``success`` and not
processed again. Otherwise the message is answered passively when the answer is ready
within ``passive_seconds`` (WeChat waits five seconds); else WeChat gets ``success`` at
once and the answer follows as 客服消息. One user's messages are answered in order.
"""
from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.channels.wechat.channel import WeChatChannel
from bot.channels.wechat.formatting import Formatted
from bot.channels.wechat.inbound import Incoming, ParseError, parse_incoming, passive_text_xml
from bot.channels.wechat.security import SignatureError, WeChatSecurity
from bot.privacy import mask_sender_id, mask_text

__all__ = ["MAX_AGE_SECONDS", "PASSIVE_SECONDS", "SUCCESS", "WeChatEndpoint"]

logger = logging.getLogger(__name__)

PASSIVE_SECONDS = 4.0
MAX_AGE_SECONDS = 300
SUCCESS = "success"  # WeChat: "received, no passive reply"


class UserLocks:
    """A lock per user, dropped when nobody holds or awaits it."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @asynccontextmanager
    async def hold(self, openid: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(openid, asyncio.Lock())
        self._users[openid] = self._users.get(openid, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[openid] -= 1
            if not self._users[openid]:
                del self._users[openid], self._locks[openid]


class Handover:
    """Between the request handler and the task answering its message.

    The handler either takes the answer in time (and sends the first part passively) or
    gives up.
    """

    def __init__(self) -> None:
        self.answer: asyncio.Future[Formatted] = asyncio.get_running_loop().create_future()
        self.sent = asyncio.Event()  # the handler is done with its response
        self.passive_ok = False  # the first part went out as the passive reply

    def offer(self, formatted: Formatted) -> bool:
        """True when the handler still waits (it will send the first part)."""
        if self.answer.done():
            return False
        self.answer.set_result(formatted)
        return True

    def give_up(self) -> Formatted | None:
        """The handler stops waiting; returns the answer if it arrived just now."""
        if self.answer.done() and not self.answer.cancelled():
            return self.answer.result()
        self.answer.cancel()
        self.sent.set()
        return None


class WeChatEndpoint:
    """The aiohttp handlers and the answering tasks they start."""

    def __init__(self, security: WeChatSecurity, channel: WeChatChannel, *,
                 passive_seconds: float = PASSIVE_SECONDS, max_age_seconds: int = MAX_AGE_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self.security = security
        self.channel = channel
        self.passive_seconds = passive_seconds
        self.max_age_seconds = max_age_seconds
        self.clock = clock
        self.locks = UserLocks()
        self.tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ GET
    async def verify(self, request: web.Request) -> web.Response:
        """URL verification when the server address is saved in the 公众号 settings."""
        try:
            self.security.verify(request.query)
        except SignatureError as error:
            logger.warning("WeChat verification refused: %s", error)
            return web.Response(status=403, text="forbidden")
        return web.Response(text=request.query.get("echostr", ""))

    # ----------------------------------------------------------------- POST
    async def receive(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        body = await request.read()
        try:
            xml = self.security.open(query, body)
        except SignatureError as error:
            logger.warning("WeChat push refused (not processed): %s", error)
            return web.Response(status=403, text="forbidden")
        try:
            incoming = parse_incoming(xml)
        except ParseError as error:
            logger.error("unreadable WeChat push: %s", error)
            return web.Response(text=SUCCESS)
        if self._stale(query.get("timestamp", "")):
            logger.warning("WeChat push from %s with an old timestamp: not processed",
                           mask_sender_id(incoming.openid))
            return web.Response(text=SUCCESS)
        if not await self._first_time(incoming):
            logger.info("WeChat push %s seen before: not processed again", incoming.kind)
            return web.Response(text=SUCCESS)
        return await self._answer(request, incoming)

    def _stale(self, timestamp: str) -> bool:
        try:
            return abs(self.clock() - int(timestamp)) > self.max_age_seconds
        except ValueError:
            return True

    async def _first_time(self, incoming: Incoming) -> bool:
        try:
            return await self.channel.db(self.channel.store.first_time, incoming.dedupe_key)
        except SQLAlchemyError as error:  # answer rather than drop; WeChat's retries may repeat
            logger.error("WeChat replay check unavailable (%s): answering anyway",
                         type(error).__name__)
            return True

    async def _answer(self, request: web.Request, incoming: Incoming) -> web.StreamResponse:
        handover = Handover()
        task = asyncio.create_task(self._process(incoming, handover), name="wechat-answer")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        try:
            formatted: Formatted | None = await asyncio.wait_for(
                asyncio.shield(handover.answer), self.passive_seconds)
        except TimeoutError:
            formatted = handover.give_up()
            if formatted is None:
                logger.info("WeChat answer not ready in %.1fs: sent as 客服消息",
                            self.passive_seconds)
                return web.Response(text=SUCCESS)
        except asyncio.CancelledError:
            handover.give_up()
            raise
        assert formatted is not None  # noqa: S101 - set whenever the wait above did not return
        try:
            if not formatted.parts:
                return web.Response(text=SUCCESS)
            reply = self.security.seal(passive_text_xml(incoming, formatted.parts[0]), request.query)
            data = reply.encode("utf-8")
            response = web.StreamResponse(headers={"Content-Type": "application/xml; charset=utf-8"})
            response.content_length = len(data)
            await response.prepare(request)
            await response.write(data)
            await response.write_eof()
            handover.passive_ok = True
            return response
        finally:
            handover.sent.set()

    async def _process(self, incoming: Incoming, handover: Handover) -> None:
        """Answer under the user's lock; what the handler did not send goes as 客服消息."""
        async with self.locks.hold(incoming.openid):
            try:
                formatted = await self.channel.respond(incoming)
            except Exception as error:  # noqa: BLE001 - the citizen still gets an answer
                logger.error("WeChat message from %s failed:\n%s", mask_sender_id(incoming.openid),
                             mask_text("".join(traceback.format_exception(error))))
                formatted = Formatted([self.channel.texts.error])
            if handover.offer(formatted):
                await handover.sent.wait()
                rest = formatted.parts[1:] if handover.passive_ok else formatted.parts
            else:
                rest = formatted.parts
            await self.channel.push(incoming.openid, rest, incoming)

    async def drain(self, timeout: float = 10.0) -> None:
        """Let answers in progress finish (gateway shutdown)."""
        if self.tasks:
            _done, pending = await asyncio.wait(set(self.tasks), timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
