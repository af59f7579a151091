"""Pushing replies to a Telegram chat outside an update (officers' answers)."""
from __future__ import annotations

import logging
from typing import Any

from telegram.error import TelegramError
from telegram.ext import Application

from bot.channels.telegram.bridge import Bridge
from bot.conversation.delivery import Deliver
from bot.replies import Reply

logger = logging.getLogger(__name__)


def make_delivery(
    application: Application[Any, Any, Any, Any, Any, Any], bridge: Bridge
) -> Deliver:
    """A DeliveryHub callback: sends replies (with keyboards) to ``sender_id``'s chat."""

    async def deliver(sender_id: str, replies: list[Reply]) -> bool:
        if not application.running:
            logger.warning("Telegram bridge not running; cannot deliver to chat %s", sender_id)
            return False
        try:
            await bridge.send(application.bot, int(sender_id), replies)
        except (TelegramError, ValueError) as error:
            logger.warning("Telegram delivery to chat %s failed: %s", sender_id, error)
            return False
        return True

    return deliver
