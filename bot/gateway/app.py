"""Builds the gateway application (one place) and runs it."""
from __future__ import annotations

import asyncio
import logging
from typing import AsyncIterator, Optional

from aiohttp import web

from bot.admin.web import setup_admin
from bot.channels.telegram import setup_telegram
from bot.channels.wechat.gateway import setup_wechat
from bot.console.app import setup_console
from bot.conversation import RasaClient
from bot.conversation.delivery import DeliveryHub
from bot.conversation.journal import MessageJournal
from bot.gateway.handoff import setup_handoff
from bot.gateway.health import setup_health
from bot.gateway.metrics import MeteredRouter, Metrics, metrics_middleware
from bot.gateway.webchat import setup_webchat
from bot.logging_setup import configure_logging
from bot.settings import Settings, get_settings
from bot.web.addresses import console_allow_middleware
from bot.web.http import error_middleware

MAX_BODY_BYTES = 256 * 1024

logger = logging.getLogger(__name__)


def create_app(settings: Optional[Settings] = None) -> web.Application:
    """The gateway with all its parts wired together."""
    settings = settings or get_settings()
    app = web.Application(middlewares=[metrics_middleware, error_middleware,
                                       console_allow_middleware],
                          client_max_size=MAX_BODY_BYTES)
    app["settings"] = settings
    app["metrics"] = Metrics()
    app["delivery"] = DeliveryHub()
    rasa = RasaClient(settings.rasa_backends, settings.rasa_auth_token,
                      settings.rasa_timeout_seconds)
    app["journal"] = MessageJournal.for_settings(settings)  # undeliverable messages, persisted
    app["router"] = MeteredRouter(rasa, app["metrics"], journal=app["journal"])
    setup_webchat(app)
    setup_health(app)
    setup_handoff(app)  # before Telegram: registers the officers'-group hook
    setup_console(app)
    setup_admin(app)  # /console/admin/ (/admin redirects): NLU inbox, retraining, models
    setup_telegram(app)
    setup_wechat(app)  # after the handoff: officers' replies reach WeChat users
    app.cleanup_ctx.append(_journal_drain)
    app.on_cleanup.append(_close_rasa)
    return app


async def _journal_drain(app: web.Application) -> AsyncIterator[None]:
    """Move spooled journal entries into the database once it is back."""
    task = asyncio.create_task(app["journal"].drain_forever(), name="journal-drain")
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    app["journal"].dispose()


async def _close_rasa(app: web.Application) -> None:
    await app["router"].rasa.close()


def main() -> None:
    configure_logging("gateway")
    settings = get_settings()
    web.run_app(create_app(settings), host=settings.gateway_host,
                port=settings.gateway_port, print=None)


if __name__ == "__main__":
    main()
