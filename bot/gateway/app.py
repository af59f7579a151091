"""Builds the gateway application (one place) and runs it."""
from __future__ import annotations

import logging
from typing import Optional

from aiohttp import web

from bot.channels.telegram import setup_telegram
from bot.conversation import ConversationRouter, RasaClient
from bot.conversation.delivery import DeliveryHub
from bot.gateway.health import setup_health
from bot.gateway.http import error_middleware
from bot.gateway.metrics import Metrics
from bot.gateway.webchat import setup_webchat
from bot.settings import Settings, get_settings

MAX_BODY_BYTES = 256 * 1024

logger = logging.getLogger(__name__)


def create_app(settings: Optional[Settings] = None) -> web.Application:
    """The gateway with all its parts wired together."""
    settings = settings or get_settings()
    app = web.Application(middlewares=[error_middleware], client_max_size=MAX_BODY_BYTES)
    app["settings"] = settings
    app["metrics"] = Metrics()
    app["delivery"] = DeliveryHub()
    rasa = RasaClient(settings.rasa_backends, settings.rasa_auth_token,
                      settings.rasa_timeout_seconds)
    app["router"] = ConversationRouter(rasa)
    setup_webchat(app)
    setup_health(app)
    setup_telegram(app)
    app.on_cleanup.append(_close_rasa)
    return app


async def _close_rasa(app: web.Application) -> None:
    await app["router"].rasa.close()


def main() -> None:
    from bot.logging_setup import configure_logging

    configure_logging("gateway")
    settings = get_settings()
    web.run_app(create_app(settings), host=settings.gateway_host,
                port=settings.gateway_port, print=None)


if __name__ == "__main__":
    main()
