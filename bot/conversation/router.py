"""The single entry point for citizen messages from every channel."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Awaitable, Callable, Dict, List, Optional, Protocol, Tuple

from bot.common.text import MAX_MESSAGE_CHARS, clean_message
from bot.conversation.commands import command_name
from bot.conversation.rasa_client import RasaClient, RasaUnavailable
from bot.privacy import mask_text
from bot.replies import FALLBACK_SIGNAL, Reply

logger = logging.getLogger(__name__)

BUSY_REPLY = "系统繁忙，请稍后再试。您的消息已记录，请过一两分钟再发送一次。"
EMPTY_REPLY = "您好，消息是空的。请直接输入您想咨询的问题，例如“事故认定书多久能出”。"
NO_ANSWER_REPLY = "系统繁忙，这条消息暂时没能处理好。您的消息已记录，请稍后再发送一次，或者说“转人工”找民警。"
TOO_LONG_REPLY = (
    f"您的消息超过了{MAX_MESSAGE_CHARS}字，系统无法一次处理。"
    "请分几段发送，或先用一两句话说明您想办的事。"
)


class Outcome(str, Enum):
    """What became of one citizen message (the ``outcome`` label of the metrics)."""

    ANSWERED = "answered"        # Rasa answered
    BUSY = "busy"                # Rasa unreachable: busy reply, message journalled
    NO_REPLY = "no_reply"        # Rasa answered nothing (an action failed): journalled
    EMPTY_INPUT = "empty_input"  # nothing left after cleaning
    TOO_LONG = "too_long"        # over MAX_MESSAGE_CHARS
    TO_OFFICER = "to_officer"    # an interceptor (a handoff) took the message


@dataclass(frozen=True)
class Handled:
    """The replies to one message, what became of it and the bot's signals."""

    replies: List[Reply]
    outcome: Outcome
    signals: Tuple[str, ...] = field(default=())

    @property
    def fallback(self) -> bool:
        """The bot did not understand the message (its fallback action answered)."""
        return FALLBACK_SIGNAL in self.signals


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


# A fixed command (bot.conversation.commands) answered by the gateway: (channel, sender) → replies.
Command = Callable[[str, str], Awaitable[List[Reply]]]


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
        self._commands: Dict[str, Command] = {}
        self.channels: Dict[str, str] = {}

    def add_command(self, name: str, command: Command) -> None:
        """Answer the fixed phrases of ``name`` (data/channels/commands.yml) with ``command``."""
        self._commands[name] = command

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
        return (await self.handle_message(channel, sender_id, text, metadata)).replies

    async def handle_message(
        self,
        channel: str,
        sender_id: str,
        text: str,
        metadata: Optional[Dict[str, Any]] = None,
    ) -> Handled:
        """:meth:`handle` with the outcome and the signals (what metrics record)."""
        text = clean_message(text)
        if not text:
            return Handled([Reply(EMPTY_REPLY)], Outcome.EMPTY_INPUT)
        if len(text) > MAX_MESSAGE_CHARS:
            return Handled([Reply(TOO_LONG_REPLY)], Outcome.TOO_LONG)
        self.channels[sender_id] = channel
        command = self._commands.get(command_name(text) or "")
        if command is not None:
            return Handled(await command(channel, sender_id), Outcome.ANSWERED)
        for interceptor in self._interceptors:
            claimed = await interceptor(channel, sender_id, text)
            if claimed is not None:
                return Handled(claimed, Outcome.TO_OFFICER)
        try:
            replies = await self.rasa.send(sender_id, text, {"channel": channel, **(metadata or {})})
        except RasaUnavailable as error:
            await self._journal(channel, sender_id, text, f"rasa unavailable: {error}")
            return Handled([Reply(BUSY_REPLY)], Outcome.BUSY)
        await self._notify_observers(channel, sender_id, text, replies)
        signals = tuple(reply.signal for reply in replies if reply.signal)
        replies = [reply for reply in replies if not reply.signal]
        if not replies:
            # Rasa answers an empty list when a custom action failed: never leave
            # the citizen without an answer.
            await self._journal(channel, sender_id, text, "rasa returned no reply")
            return Handled([Reply(NO_ANSWER_REPLY)], Outcome.NO_REPLY, signals)
        return Handled(replies, Outcome.ANSWERED, signals)
