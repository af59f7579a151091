"""The bridge's shared state and the one path from a citizen's text to Telegram replies."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from telegram import Bot, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.channels.telegram.keyboards import BoundedMap, CallbackPayloads, keyboard_for
from bot.channels.telegram.ordering import ChatLocks
from bot.channels.telegram.split import split_message
from bot.channels.telegram.texts import TelegramTexts
from bot.conversation import ConversationRouter
from bot.replies import Reply

CHANNEL = "telegram"
BRIDGE_KEY = "bridge"
TYPING_DELAY = 0.3  # only show "typing…" when the answer is not instant
TYPING_EVERY = 4.5  # Telegram shows a chat action for about five seconds

logger = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
OfficersGroupHandler = Callable[[Update, Context], Awaitable[None]]


async def ignore_officers_update(update: Update, context: Context) -> None:
    """Default officers'-group hook (the handoff feature replaces it)."""


@dataclass
class Bridge:
    """Everything the handlers share: router, texts, button payloads and per-chat locks."""

    router: ConversationRouter
    texts: TelegramTexts
    officers_chat_id: int | None = None
    officers_group_handler: OfficersGroupHandler = ignore_officers_update
    payloads: CallbackPayloads = field(default_factory=CallbackPayloads)
    locks: ChatLocks = field(default_factory=ChatLocks)
    pressed: BoundedMap[tuple[int, int], bool] = field(default_factory=lambda: BoundedMap(4096))

    async def answer(self, bot: Bot, chat_id: int, text: str) -> None:
        """Send the citizen's text through the router and every reply back, in order."""
        async with typing(bot, chat_id):
            replies = await self.router.handle(CHANNEL, str(chat_id), text)
        if not replies:
            logger.warning("the router returned no reply for chat %s", chat_id)
        await self.send(bot, chat_id, replies)

    async def send(self, bot: Bot, chat_id: int, replies: Sequence[Reply]) -> None:
        """Send replies in order; long texts split, buttons on the last part."""
        for reply in replies:
            parts = self._parts(reply)
            markup = keyboard_for(reply.buttons, self.payloads)
            for index, part in enumerate(parts):
                last = index == len(parts) - 1
                await bot.send_message(chat_id, part, reply_markup=markup if last else None)


    def _parts(self, reply: Reply) -> list[str]:
        """Telegram-sized texts; a buttons-only reply gets a short prompt."""
        parts = split_message(reply.text)
        return parts or ([self.texts.choose_prompt] if reply.buttons else [])


def bridge_of(source: Context | Mapping[str, Any]) -> Bridge:
    """The bridge stored in ``bot_data`` (pass a context or ``application.bot_data``)."""
    data = source if isinstance(source, Mapping) else source.bot_data
    return cast(Bridge, data[BRIDGE_KEY])


async def _keep_typing(bot: Bot, chat_id: int) -> None:
    await asyncio.sleep(TYPING_DELAY)
    while True:
        try:
            await bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError as error:
            logger.debug("typing indicator failed for chat %s: %s", chat_id, error)
        await asyncio.sleep(TYPING_EVERY)


@asynccontextmanager
async def typing(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" while the body runs (after a short delay); never leaks the task."""
    task = asyncio.create_task(_keep_typing(bot, chat_id), name=f"typing-{chat_id}")
    try:
        yield
    finally:
        task.cancel()
        await asyncio.wait([task])
