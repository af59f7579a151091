"""The Telegram bridge: citizens chat with the assistant through python-telegram-bot.

``build_application`` builds the PTB Application (the one place); ``setup_telegram``
runs it inside the aiohttp gateway so it shares the router and the DeliveryHub.
"""
from bot.channels.telegram.application import (
    COMMANDS,
    ROUTED_COMMANDS,
    TelegramApp,
    build_application,
)
from bot.channels.telegram.bridge import CHANNEL, Bridge, OfficersGroupHandler, bridge_of
from bot.channels.telegram.gateway import (
    NOT_STARTED_LOG,
    WEAK_SECRET_LOG,
    WEBHOOK_PATH,
    setup_telegram,
)
from bot.channels.telegram.lifecycle import BridgeRunner, webhook_refused, webhook_secret
from bot.channels.telegram.split import split_message

__all__ = [
    "CHANNEL",
    "COMMANDS",
    "NOT_STARTED_LOG",
    "ROUTED_COMMANDS",
    "WEAK_SECRET_LOG",
    "WEBHOOK_PATH",
    "Bridge",
    "BridgeRunner",
    "OfficersGroupHandler",
    "TelegramApp",
    "bridge_of",
    "build_application",
    "setup_telegram",
    "split_message",
    "webhook_refused",
    "webhook_secret",
]
