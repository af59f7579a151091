"""Starting the bridge (long polling or webhook) and stopping it without losing updates."""
from __future__ import annotations

import asyncio
import itertools
import logging

from telegram import Update
from telegram.error import InvalidToken, TelegramError

from bot.channels.telegram.application import TelegramApp, register_commands
from bot.secrets import weak_secret
from bot.settings import Settings

POLL_TIMEOUT = 10
RESTART_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)

logger = logging.getLogger(__name__)


def webhook_secret(settings: Settings) -> str:
    """TELEGRAM_WEBHOOK_SECRET: the header Telegram must send with every webhook update."""
    return settings.telegram_webhook_secret


def webhook_refused(settings: Settings) -> bool:
    """Webhook mode with a placeholder secret.

    Refused, because officers are recognised by the sender of an update and anyone
    knowing the secret could forge one.
    """
    return bool(settings.telegram_webhook_url) and weak_secret(settings.telegram_webhook_secret)


class BridgeRunner:
    """Runs one Application.

    Starts in the background (retrying while Telegram is unreachable, so the gateway
    keeps serving), stops after pending updates are handled.
    """

    def __init__(self, application: TelegramApp, settings: Settings) -> None:
        self.application = application
        self.webhook_url = settings.telegram_webhook_url
        self.secret = webhook_secret(settings)
        self.started = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def mode(self) -> str:
        return "webhook" if self.webhook_url else "polling"

    def start(self) -> None:
        """Begin bringing the bridge up; returns at once."""
        self._task = asyncio.create_task(self._bring_up(), name="telegram-bridge-start")

    async def _bring_up(self) -> None:
        for attempt in itertools.count():
            try:
                await self._start_once()
            except InvalidToken as error:
                logger.error("Telegram rejected the bot token (%s): bridge not started", error)
                return
            except TelegramError as error:
                delay = RESTART_DELAYS[min(attempt, len(RESTART_DELAYS) - 1)]
                logger.warning("Telegram bridge could not start (%s); retrying in %.0fs",
                               error, delay)
                await asyncio.sleep(delay)
            else:
                self.started.set()
                logger.info("Telegram bridge started (%s)", self.mode)
                return

    async def _start_once(self) -> None:
        application = self.application
        await application.initialize()  # getMe; a no-op once it succeeded
        await register_commands(application)
        if not application.running:
            await application.start()
        if self.webhook_url:
            await application.bot.set_webhook(self.webhook_url, secret_token=self.secret,
                                              allowed_updates=Update.ALL_TYPES)
        elif application.updater is not None and not application.updater.running:
            await application.updater.start_polling(timeout=POLL_TIMEOUT,
                                                    allowed_updates=Update.ALL_TYPES)

    async def stop(self) -> None:
        """Stop fetching, finish every accepted update, release connections."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.wait([self._task])
        application = self.application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        logger.info("Telegram bridge stopped")
