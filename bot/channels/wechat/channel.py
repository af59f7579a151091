"""What the assistant answers a WeChat user, and pushing messages to a user (客服消息).

``respond`` turns one :class:`Incoming` into text parts: messages and menu clicks go
through the conversation router (a number answers the numbered list shown last),
subscribe gets the greeting and the privacy notice, unsubscribe is recorded,
voice uses WeChat's recognition text, and other kinds get a polite explanation.
``deliver`` is the DeliveryHub callback (an officer's reply, the bot's messages after a
handoff); ``push`` sends what could not go as a passive reply.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from bot.channels.wechat import CHANNEL
from bot.channels.wechat.api import Unreachable, WeChatApi, WeChatApiError
from bot.channels.wechat.formatting import Formatted, format_replies, parse_choice
from bot.channels.wechat.inbound import Incoming
from bot.channels.wechat.store import Arrival, WeChatStore
from bot.channels.wechat.texts import WeChatTexts
from bot.conversation import ConversationRouter
from bot.privacy import mask_sender_id, mask_text
from bot.replies import Reply

__all__ = ["WeChatChannel", "unreachable_reason"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
Journal = Callable[[str, str, str, str], Awaitable[None]]
OnUnreachable = Callable[[str, str], Awaitable[None]]  # (openid, reason)
OnReopened = Callable[[str], Awaitable[None]]

#: Events that are the user's own doing (they reopen the 48-hour window).
USER_EVENTS = frozenset({"subscribe", "click", "view", "scan", "scancode_push",
                         "scancode_waitmsg", "pic_sysphoto", "pic_photo_or_album",
                         "pic_weixin", "location_select"})


def unreachable_reason(error: Unreachable) -> str:
    """window_closed (45015), unsubscribed (43004) or blocked (43019)."""
    return {45015: "window_closed", 43004: "unsubscribed"}.get(error.errcode or 0, "blocked")


async def _nothing(*_: Any) -> None:
    return None


class WeChatChannel:
    """The channel's behaviour, independent of HTTP."""

    def __init__(self, router: ConversationRouter, store: WeChatStore, texts: WeChatTexts,
                 api: WeChatApi | None = None, journal: Journal | None = None,
                 on_unreachable: OnUnreachable = _nothing,
                 on_reopened: OnReopened = _nothing) -> None:
        self.router = router
        self.store = store
        self.texts = texts
        self.api = api
        self.journal = journal
        self.on_unreachable = on_unreachable
        self.on_reopened = on_reopened

    async def db(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(function, *args)

    # ------------------------------------------------------------ answering
    async def respond(self, incoming: Incoming) -> Formatted:
        """The text parts answering ``incoming`` (possibly none) and the choices shown."""
        arrival = await self._arrive(incoming)
        replies, routed = await self._replies(incoming, arrival)
        formatted = format_replies(replies, self.texts.choose_hint)
        if routed and (formatted.choices or arrival.choices):
            await self._remember(incoming.openid, formatted.choices)
        return formatted

    async def _arrive(self, incoming: Incoming) -> Arrival:
        if incoming.kind == "event" and incoming.event not in USER_EVENTS:
            return Arrival([], False)
        try:
            arrival = await self.db(self.store.arrive, incoming.openid)
        except SQLAlchemyError as error:
            logger.error("WeChat user state unavailable (%s)", type(error).__name__)
            return Arrival([], False)
        if arrival.reopened:
            logger.info("WeChat user %s is reachable again", mask_sender_id(incoming.openid))
            await self.on_reopened(incoming.openid)
        return arrival

    async def _remember(self, openid: str, choices: Sequence[str]) -> None:
        try:
            await self.db(self.store.set_choices, openid, list(choices))
        except SQLAlchemyError as error:
            logger.error("could not store WeChat choices (%s)", type(error).__name__)

    async def _route(self, openid: str, text: str) -> list[Reply]:
        return await self.router.handle(CHANNEL, openid, text)

    async def _replies(self, incoming: Incoming, arrival: Arrival) -> tuple[list[Reply], bool]:
        """(replies, whether the router answered them)."""
        if incoming.kind == "event":
            return await self._event(incoming)
        if incoming.kind == "text":
            text = incoming.text
            number = parse_choice(text)
            if number is not None and arrival.choices:
                if not 1 <= number <= len(arrival.choices):
                    return [Reply(self.texts.choice_unknown.format(number=number))], False
                text = arrival.choices[number - 1]
            return await self._route(incoming.openid, text), True
        if incoming.kind == "voice" and incoming.text.strip():
            return await self._route(incoming.openid, incoming.text), True
        kind = incoming.kind if incoming.kind in self.texts.non_text else "other"
        return [Reply(self.texts.non_text[kind])], False

    async def _event(self, incoming: Incoming) -> tuple[list[Reply], bool]:
        openid, event = incoming.openid, incoming.event
        if event == "subscribe":
            await self._record(self.store.subscribe, openid, "subscribe")
            return [Reply(self.texts.welcome), Reply(self.texts.privacy)], False
        if event == "unsubscribe":
            await self._record(self.store.unsubscribe, openid, "unsubscribe")
            logger.info("WeChat user %s unsubscribed: no more messages to them",
                        mask_sender_id(openid))
            return [], False
        if event == "click":
            payload = self.texts.payload_for_key(incoming.event_key)
            if not payload:
                return [Reply(self.texts.menu_unknown)], False
            return await self._route(openid, payload), True
        return [], False  # view, scan, location reports …: nothing to say

    async def _record(self, function: Callable[[str], None], openid: str, what: str) -> None:
        try:
            await self.db(function, openid)
        except SQLAlchemyError as error:
            logger.error("could not record WeChat %s of %s (%s)", what, mask_sender_id(openid),
                         type(error).__name__)

    # -------------------------------------------------------------- pushing
    async def send_parts(self, openid: str, parts: Sequence[str]) -> None:
        """Send text parts in order as 客服消息; raises WeChatApiError."""
        if self.api is None:
            raise WeChatApiError(None, "WECHAT_APP_ID / WECHAT_APP_SECRET not set: "
                                       "no customer-service messages")
        for part in parts:
            await self.api.send_text(openid, part)

    async def push(self, openid: str, parts: Sequence[str], incoming: Incoming) -> bool:
        """Send what could not go passively.

        A failure is logged and journalled, never lost silently (the citizen's message
        goes to the journal with the reason).
        """
        if not parts:
            return True
        try:
            await self.send_parts(openid, parts)
            return True
        except WeChatApiError as error:
            if isinstance(error, Unreachable):
                await self._mark(openid, unreachable_reason(error))
            reason = f"wechat reply not delivered: {error.errcode} {error.errmsg}"[:255]
            logger.error("WeChat reply to %s not delivered (%s): %s", mask_sender_id(openid),
                         error, mask_text(parts[0][:80]))
            if self.journal is not None:
                await self.journal(CHANNEL, openid, incoming.text or f"[{incoming.kind}]", reason)
            return False

    async def _mark(self, openid: str, reason: str) -> bool:
        try:
            return await self.db(self.store.mark_unreachable, openid, reason)
        except SQLAlchemyError as error:
            logger.error("could not record WeChat reachability (%s)", type(error).__name__)
            return False

    async def deliver(self, openid: str, replies: list[Reply]) -> bool:
        """DeliveryHub callback.

        False (retried later by the caller) when WeChat refuses; when the user cannot be
        reached, ``on_unreachable`` tells the officers.
        """
        try:
            known = await self.db(self.store.unreachable, openid)
        except SQLAlchemyError:
            known = None
        if known is not None:
            await self.on_unreachable(openid, known)
            return False
        formatted = format_replies(replies, self.texts.choose_hint)
        try:
            await self.send_parts(openid, formatted.parts)
        except Unreachable as error:
            reason = unreachable_reason(error)
            await self._mark(openid, reason)
            logger.warning("WeChat user %s cannot be reached (%s)", mask_sender_id(openid), reason)
            await self.on_unreachable(openid, reason)
            return False
        except WeChatApiError as error:
            logger.warning("WeChat delivery to %s failed: %s", mask_sender_id(openid), error)
            return False
        if formatted.choices:
            await self._remember(openid, formatted.choices)
        return True
