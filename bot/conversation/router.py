"""The single entry point for citizen messages from every channel."""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Protocol

from bot.conversation.rasa_client import RasaClient, RasaUnavailable
from bot.conversation.text import MAX_MESSAGE_CHARS, clean_text
from bot.privacy import mask_text
from bot.replies import Reply

logger = logging.getLogger(__name__)

BUSY_REPLY = "系统繁忙，请稍后再试。您的消息已记录，请过一两分钟再发送一次。"
EMPTY_REPLY = "您好，消息是空的。请直接输入您想咨询的问题，例如“事故认定书多久能出”。"
NO_ANSWER_REPLY = "系统繁忙，这条消息暂时没能处理好。您的消息已记录，请稍后再发送一次，或者说“转人工”找民警。"
TOO_LONG_REPLY = (
    f"您的消息超过了{MAX_MESSAGE_CHARS}字，系统无法一次处理。"
    "请分几段发送，或先用一两句话说明您想办的事。"
)


class Interceptor(Protocol):
    """Takes a message before Rasa (e.g. a conversation handed to an officer)."""

    async def __call__(
        self, channel: str, sender_id: str, text: str
    ) -> Optional[List[Reply]]: ...


Journal = Callable[[str, str, str, str], Awaitable[None]]
# Called after Rasa answered a message, with its signals (e.g. a handoff the bot just opened).
Observer = Callable[[str, str, str, List[Reply]], Awaitable[None]]


async def _log_only_journal(channel: str, sender_id: str, text: str, reason: str) -> None:
    logger.warning(
        "undelivered message channel=%s sender=%s reason=%s text=%s",
        channel, sender_id, reason, mask_text(text),
    )


class ConversationRouter:
    """Cleans input, lets interceptors claim it, otherwise asks Rasa."""

    def __init__(
        self,
        rasa: RasaClient,
        journal: Journal = _log_only_journal,
        interceptors: Optional[List[Interceptor]] = None,
    ) -> None:
        self.rasa = rasa
        self._journal = journal
        self._interceptors: List[Interceptor] = list(interceptors or [])
        self._observers: List[Observer] = []
        self.channels: Dict[str, str] = {}

    def add_interceptor(self, interceptor: Interceptor) -> None:
        self._interceptors.append(interceptor)

    def add_observer(self, observer: Observer) -> None:
        self._observers.append(observer)

    async def _notify_observers(
        self, channel: str, sender_id: str, text: str, replies: List[Reply]
    ) -> None:
        for observer in self._observers:
            try:
                await observer(channel, sender_id, text, replies)
            except Exception:  # noqa: BLE001 - an observer must never cost the citizen a reply
                logger.exception("router observer failed for sender %s", sender_id)

    async def handle(
        self,
        channel: str,
        sender_id: str,
        text: str,
        metadata: Optional[Dict[str, Any]] = None,
    ) -> List[Reply]:
        """Answer one citizen message; never raises for bad input or Rasa outages."""
        text = clean_text(text)
        if not text:
            return [Reply(EMPTY_REPLY)]
        if len(text) > MAX_MESSAGE_CHARS:
            return [Reply(TOO_LONG_REPLY)]
        self.channels[sender_id] = channel
        for interceptor in self._interceptors:
            claimed = await interceptor(channel, sender_id, text)
            if claimed is not None:
                return claimed
        try:
            replies = await self.rasa.send(sender_id, text, {"channel": channel, **(metadata or {})})
        except RasaUnavailable as error:
            await self._journal(channel, sender_id, text, f"rasa unavailable: {error}")
            return [Reply(BUSY_REPLY)]
        await self._notify_observers(channel, sender_id, text, replies)
        replies = [reply for reply in replies if not reply.signal]
        if not replies:
            # Rasa answers an empty list when a custom action failed: never leave
            # the citizen without an answer.
            await self._journal(channel, sender_id, text, "rasa returned no reply")
            return [Reply(NO_ANSWER_REPLY)]
        return replies
