"""The one place the python-telegram-bot Application is built and wired."""
from __future__ import annotations

import logging
from typing import Any

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.channels.telegram import handlers
from bot.channels.telegram.bridge import (
    BRIDGE_KEY,
    CHANNEL,
    Bridge,
    OfficersGroupHandler,
    ignore_officers_update,
)
from bot.channels.telegram.delivery import make_delivery
from bot.channels.telegram.retry import RetryingRateLimiter
from bot.channels.telegram.texts import TelegramTexts, load_texts
from bot.conversation import ConversationRouter
from bot.conversation.delivery import DeliveryHub
from bot.settings import Settings

TelegramApp = Application[Any, Any, Any, Any, Any, Any]

# Commands in menu order; the routed ones send a fixed Rasa payload.
COMMANDS = ("start", "help", "status", "file", "human", "cancel", "privacy")
ROUTED_COMMANDS: dict[str, str] = {
    "status": "/check_case_status",
    "file": "/file_petition",
    "human": "/request_human",
    "cancel": "/cancel",
}
CONCURRENT_UPDATES = 256

logger = logging.getLogger(__name__)


def file_base_url(base_url: str) -> str:
    """Bot API file URL next to ``base_url`` (``…/bot`` → ``…/file/bot``)."""
    root, _, last = base_url.rstrip("/").rpartition("/")
    return f"{root}/file/{last}" if root else base_url


def officers_chat_id(settings: Settings) -> int | None:
    value = settings.telegram_officers_chat_id.strip()
    return int(value) if value.lstrip("-").isdigit() else None


def bot_commands(texts: TelegramTexts) -> list[BotCommand]:
    """The command menu with Chinese descriptions."""
    return [BotCommand(name, texts.commands[name]) for name in COMMANDS]


async def register_commands(application: TelegramApp) -> None:
    """set_my_commands; a failure is logged, not fatal."""
    texts = application.bot_data[BRIDGE_KEY].texts
    try:
        await application.bot.set_my_commands(bot_commands(texts))
    except TelegramError as error:
        logger.warning("could not register Telegram commands: %s", error)


def add_handlers(application: TelegramApp) -> None:
    """Group -1 filters out non-private chats; group 0 answers citizens."""
    only_new = filters.UpdateType.MESSAGE
    application.add_handler(TypeHandler(Update, handlers.non_private), group=-1)
    application.add_handler(CommandHandler("start", handlers.start, only_new))
    application.add_handler(CommandHandler("help", handlers.help_command, only_new))
    application.add_handler(CommandHandler("privacy", handlers.privacy, only_new))
    for command, payload in ROUTED_COMMANDS.items():
        application.add_handler(CommandHandler(command, handlers.routed_command(payload), only_new))
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(MessageHandler(only_new & filters.COMMAND,
                                           handlers.unknown_command))
    application.add_handler(MessageHandler(only_new & filters.TEXT, handlers.text_message))
    application.add_handler(MessageHandler(filters.UpdateType.EDITED, handlers.edited_message))
    application.add_handler(MessageHandler(only_new & ~filters.StatusUpdate.ALL,
                                           handlers.non_text_message))
    application.add_error_handler(handlers.on_error)


def build_application(
    settings: Settings,
    router: ConversationRouter,
    delivery: DeliveryHub,
    officers_group_handler: OfficersGroupHandler = ignore_officers_update,
    texts: TelegramTexts | None = None,
) -> TelegramApp:
    """The bridge's Application: handlers, rate limiter, retries, delivery registration."""
    # httpx logs every request URL at INFO, and the URL contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    application = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(file_base_url(settings.telegram_api_base_url))
        .rate_limiter(RetryingRateLimiter())
        .concurrent_updates(CONCURRENT_UPDATES)
        .build()
    )
    bridge = Bridge(router, texts or load_texts(), officers_chat_id(settings),
                    officers_group_handler)
    application.bot_data[BRIDGE_KEY] = bridge
    add_handlers(application)
    delivery.register(CHANNEL, make_delivery(application, bridge))
    return application
