"""The single entry point for citizen messages from every channel."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from bot.common.text import MAX_MESSAGE_CHARS, clean_message
from bot.common.texts import GATEWAY_TEXTS_PATH, load_texts
from bot.conversation.commands import command_name
from bot.conversation.rasa_client import RasaClient, RasaUnavailable
from bot.privacy import mask_text
from bot.replies import FALLBACK_SIGNAL, Reply

logger = logging.getLogger(__name__)

_TEXTS = load_texts(GATEWAY_TEXTS_PATH, ("busy_reply", "empty_reply", "no_answer_reply", "too_long_reply"))
BUSY_REPLY = _TEXTS["busy_reply"]
EMPTY_REPLY = _TEXTS["empty_reply"]
NO_ANSWER_REPLY = _TEXTS["no_answer_reply"]
TOO_LONG_REPLY = _TEXTS["too_long_reply"].format(max_chars=MAX_MESSAGE_CHARS)


class Outcome(StrEnum):
    """What became of one citizen message (the ``outcome`` label of the metrics)."""

    ANSWERED = "answered"        # Rasa answered
    BUSY = "busy"                # Rasa unreachable: busy reply, message journalled
    NO_REPLY = "no_reply"        # Rasa answered nothing (an action failed): journalled
    EMPTY_INPUT = "empty_input"  # nothing left after cleaning
    TOO_LONG = "too_long"        # over MAX_MESSAGE_CHARS
    TO_OFFICER = "to_officer"    # an interceptor (a handoff) took the message
    FOLLOWUP = "followup"        # an answer to the 回访 question (bot.followup)


@dataclass(frozen=True)
class Handled:
    """The replies to one message, what became of it and the bot's signals."""

    replies: list[Reply]
    outcome: Outcome
    signals: tuple[str, ...] = field(default=())

    @property
    def fallback(self) -> bool:
        """The bot did not understand the message (its fallback action answered)."""
        return FALLBACK_SIGNAL in self.signals


class Interceptor(Protocol):
    """Takes a message before Rasa (e.g. a conversation handed to an officer)."""

    async def __call__(
        self, channel: str, sender_id: str, text: str
    ) -> list[Reply] | None: ...


Journal = Callable[[str, str, str, str], Awaitable[None]]
# Called after Rasa answered a message, with its signals (e.g. a handoff the bot just opened).
Observer = Callable[[str, str, str, list[Reply]], Awaitable[None]]


async def _log_only_journal(channel: str, sender_id: str, text: str, reason: str) -> None:
    logger.warning(
        "undelivered message channel=%s sender=%s reason=%s text=%s",
        channel, sender_id, reason, mask_text(text),
    )


# A fixed command (bot.conversation.commands) answered by the gateway: (channel, sender) → replies.
Command = Callable[[str, str], Awaitable[list[Reply]]]


class ConversationRouter:
    """Cleans input, lets interceptors claim it, otherwise asks Rasa."""

    def __init__(
        self,
        rasa: RasaClient,
        journal: Journal = _log_only_journal,
        interceptors: list[Interceptor] | None = None,
    ) -> None:
        self.rasa = rasa
        self._journal = journal
        self._interceptors: list[tuple[Interceptor, Outcome]] = [
            (interceptor, Outcome.TO_OFFICER) for interceptor in interceptors or []]
        self._observers: list[Observer] = []
        self._commands: dict[str, Command] = {}
        self.channels: dict[str, str] = {}

    def add_command(self, name: str, command: Command) -> None:
        """Answer the fixed phrases of ``name`` (data/channels/commands.yml) with ``command``."""
        self._commands[name] = command

    def add_interceptor(self, interceptor: Interceptor, outcome: Outcome = Outcome.TO_OFFICER) -> None:
        """Offer every message to ``interceptor`` (in the order added) before Rasa."""
        self._interceptors.append((interceptor, outcome))

    def add_observer(self, observer: Observer) -> None:
        self._observers.append(observer)

    async def _notify_observers(
        self, channel: str, sender_id: str, text: str, replies: list[Reply]
    ) -> None:
        for observer in self._observers:
            try:
                await observer(channel, sender_id, text, replies)
            except Exception:
                logger.exception("router observer failed for sender %s", sender_id)

    async def handle(
        self,
        channel: str,
        sender_id: str,
        text: str,
        metadata: dict[str, Any] | None = None,
    ) -> list[Reply]:
        """Answer one citizen message; never raises for bad input or Rasa outages."""
        return (await self.handle_message(channel, sender_id, text, metadata)).replies

    async def handle_message(
        self,
        channel: str,
        sender_id: str,
        text: str,
        metadata: dict[str, Any] | None = None,
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
        for interceptor, outcome in self._interceptors:
            claimed = await interceptor(channel, sender_id, text)
            if claimed is not None:
                return Handled(claimed, outcome)
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
