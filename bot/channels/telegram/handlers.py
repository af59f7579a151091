"""Update handlers (PTB style: typed async callbacks) and the one error handler."""
from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.channels.telegram.bridge import Bridge, Context, bridge_of
from bot.channels.telegram.keyboards import keyboard_for, pressed_title
from bot.channels.telegram.split import MAX_MESSAGE_UNITS, utf16_len
from bot.privacy import mask_text

logger = logging.getLogger(__name__)

Callback = Callable[[Update, Context], Coroutine[Any, Any, None]]


def in_chat_order(callback: Callback) -> Callback:
    """Run the callback under its chat's lock so one chat's updates never overtake."""

    @functools.wraps(callback)
    async def ordered(update: Update, context: Context) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        async with bridge_of(context).locks.hold(chat.id):
            await callback(update, context)

    return ordered


def _chat_id(update: Update) -> int:
    assert update.effective_chat is not None  # noqa: S101 - handlers only see updates with a chat
    return update.effective_chat.id


async def non_private(update: Update, context: Context) -> None:
    """Groups, supergroups and channels: only the officers' group reaches its hook."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    bridge = bridge_of(context)
    if bridge.officers_chat_id is not None and chat.id == bridge.officers_chat_id:
        await bridge.officers_group_handler(update, context)
    raise ApplicationHandlerStop


@in_chat_order
async def start(update: Update, context: Context) -> None:
    """/start: welcome and the main menu."""
    bridge = bridge_of(context)
    await context.bot.send_message(_chat_id(update), bridge.texts.welcome,
                                   reply_markup=keyboard_for(bridge.texts.menu, bridge.payloads))


@in_chat_order
async def help_command(update: Update, context: Context) -> None:
    """/help: what the bot can do, with examples."""
    await context.bot.send_message(_chat_id(update), bridge_of(context).texts.help)


@in_chat_order
async def privacy(update: Update, context: Context) -> None:
    """/privacy: what we store, why, for how long, who sees it."""
    await context.bot.send_message(_chat_id(update), bridge_of(context).texts.privacy)


def routed_command(payload: str) -> Callback:
    """A command that sends a fixed Rasa payload (e.g. /status → /check_case_status)."""

    @in_chat_order
    async def command(update: Update, context: Context) -> None:
        await bridge_of(context).answer(context.bot, _chat_id(update), payload)

    command.__doc__ = f"Sends {payload} through the router."
    return command


@in_chat_order
async def unknown_command(update: Update, context: Context) -> None:
    await context.bot.send_message(_chat_id(update), bridge_of(context).texts.unknown_command)


@in_chat_order
async def text_message(update: Update, context: Context) -> None:
    """A citizen's text → router → replies."""
    assert update.message is not None and update.message.text is not None  # noqa: S101 - the handler's filter
    await bridge_of(context).answer(context.bot, _chat_id(update), update.message.text)


@in_chat_order
async def edited_message(update: Update, context: Context) -> None:
    await context.bot.send_message(_chat_id(update), bridge_of(context).texts.edited)


def non_text_kind(message: Message) -> str:
    """Which explanation fits a message that carries no text."""
    kinds = (("sticker", "sticker"), ("photo", "photo"), ("voice", "voice"), ("audio", "voice"),
             ("video", "video"), ("video_note", "video"), ("animation", "video"),
             ("document", "document"), ("location", "location"), ("venue", "location"),
             ("contact", "contact"))
    for attribute, kind in kinds:
        if getattr(message, attribute, None):
            return kind
    return "other"


@in_chat_order
async def non_text_message(update: Update, context: Context) -> None:
    """Photos, voice, stickers, files, locations, contacts…: explain we take text."""
    assert update.message is not None  # noqa: S101 - the handler's filter
    texts = bridge_of(context).texts
    await context.bot.send_message(_chat_id(update), texts.non_text[non_text_kind(update.message)])


async def _mark_chosen(bridge: Bridge, message: Message, title: str) -> None:
    """Remove the keyboard and note the choice, so it cannot be pressed twice."""
    marked = f"{message.text}\n\n{bridge.texts.chosen_line(title)}" if message.text else ""
    try:
        if marked and utf16_len(marked) <= MAX_MESSAGE_UNITS:
            await message.edit_text(marked)  # no reply_markup: the keyboard goes away
        else:
            await message.edit_reply_markup(reply_markup=None)
    except BadRequest as error:  # too old to edit, or already edited
        logger.info("could not mark button message %s: %s", message.message_id, error)


async def _acknowledge(query: CallbackQuery, text: str | None = None) -> None:
    """answerCallbackQuery; an expired query must not stop the citizen's choice."""
    try:
        await query.answer(text)
    except BadRequest as error:
        logger.info("could not answer callback query: %s", error)


@in_chat_order
async def button(update: Update, context: Context) -> None:
    """A pressed inline button: acknowledge, mark the message, send the payload."""
    query = update.callback_query
    assert query is not None  # noqa: S101 - a CallbackQueryHandler
    bridge, chat_id, data = bridge_of(context), _chat_id(update), query.data or ""
    payload = bridge.payloads.payload_for(data) if data else None
    message = query.message if isinstance(query.message, Message) else None
    key = (chat_id, message.message_id) if message else None
    if payload is None:
        await _acknowledge(query, bridge.texts.button_expired)
        return
    if key is not None and key in bridge.pressed:
        await _acknowledge(query, bridge.texts.already_chosen)
        return
    await _acknowledge(query)
    if message is not None and key is not None:
        bridge.pressed.put(key, True)
        await _mark_chosen(bridge, message, pressed_title(message, data) or payload)
    await bridge.answer(context.bot, chat_id, payload)


def _masked_trace(error: BaseException | None) -> str:
    if error is None:
        return "unknown error"
    return mask_text("".join(traceback.format_exception(error)))


async def on_error(update: object, context: Context) -> None:
    """Log without personal data; tell the citizen to try again when we know the chat."""
    update_id = update.update_id if isinstance(update, Update) else None
    logger.error("Telegram update %s failed:\n%s", update_id, _masked_trace(context.error))
    chat = update.effective_chat if isinstance(update, Update) else None
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    try:
        await context.bot.send_message(chat.id, bridge_of(context).texts.error)
    except TelegramError as error:
        logger.warning("could not tell chat %s about the error: %s", chat.id, error)
