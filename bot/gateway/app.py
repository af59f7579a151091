"""Builds the gateway application (one place) and runs it."""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.admin.web import setup_admin
from bot.channels.telegram import setup_telegram
from bot.channels.wechat.gateway import setup_wechat
from bot.console.app import setup_console
from bot.conversation import RasaClient
from bot.conversation.delivery import DeliveryHub
from bot.conversation.journal import MessageJournal
from bot.dashboard.web import setup_dashboard
from bot.gateway.followup import setup_followup
from bot.gateway.handoff import setup_handoff
from bot.gateway.health import setup_health
from bot.gateway.jobs import run_with_app
from bot.gateway.metrics import MeteredRouter, Metrics, metrics_middleware
from bot.gateway.notify import setup_notify
from bot.gateway.supervision import setup_supervision
from bot.gateway.webchat import setup_webchat
from bot.logging_setup import configure_logging
from bot.settings import Settings, get_settings
from bot.store.db import make_engine, make_session_factory
from bot.web.addresses import console_allow_middleware
from bot.web.http import error_middleware
from bot.web.keys import (
    DELIVERY_KEY,
    ENGINE_KEY,
    FACTORY_KEY,
    JOURNAL_KEY,
    METRICS_KEY,
    ROUTER_KEY,
    SETTINGS_KEY,
)

MAX_BODY_BYTES = 256 * 1024

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> web.Application:
    """The gateway with all its parts wired together."""
    settings = settings or get_settings()
    app = web.Application(middlewares=[metrics_middleware, error_middleware,
                                       console_allow_middleware],
                          client_max_size=MAX_BODY_BYTES)
    app[SETTINGS_KEY] = settings
    # Every part shares this sessionmaker; it is bound to the process's one engine when
    # the app starts (_database, the first cleanup context) and nothing queries before.
    app[FACTORY_KEY] = make_session_factory()
    app.cleanup_ctx.append(_database)
    app[METRICS_KEY] = Metrics()
    app[DELIVERY_KEY] = DeliveryHub()
    rasa = RasaClient(settings.rasa_backends, settings.rasa_auth_token,
                      settings.rasa_timeout_seconds)
    # undeliverable messages, persisted
    app[JOURNAL_KEY] = MessageJournal.for_settings(settings, app[FACTORY_KEY])
    app[ROUTER_KEY] = MeteredRouter(rasa, app[METRICS_KEY], journal=app[JOURNAL_KEY])
    setup_webchat(app)
    setup_health(app)
    setup_handoff(app)  # before Telegram: registers the officers'-group hook
    setup_console(app)
    setup_admin(app)  # /console/admin/ (/admin redirects): NLU inbox, retraining, models
    setup_dashboard(app)  # /console/dashboard: leadership dashboard (admins, supervisors)
    setup_telegram(app)
    setup_wechat(app)  # after the handoff: officers' replies reach WeChat users
    setup_notify(app)  # status notifications: the outbox worker (after every channel)
    setup_supervision(app)  # 督办: the hourly deadline check (one instance, database lease)
    setup_followup(app)  # 回访: the satisfaction question after an answer, and the answers
    run_with_app(app, app[JOURNAL_KEY].drain_forever, "journal-drain")  # spooled journal → database
    app.on_cleanup.append(_close_rasa)  # type: ignore[arg-type]  # aiohttp 3.9's Signal vs aiosignal 1.4
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    """The process's one engine on DATABASE_URL, bound to the shared sessionmaker."""
    engine = make_engine(app[SETTINGS_KEY].database_url)
    app[ENGINE_KEY] = engine
    app[FACTORY_KEY].configure(bind=engine)
    yield
    engine.dispose()


async def _close_rasa(app: web.Application) -> None:
    await app[ROUTER_KEY].rasa.close()


def main() -> None:
    configure_logging("gateway")
    settings = get_settings()
    web.run_app(create_app(settings), host=settings.gateway_host,
                port=settings.gateway_port, print=None)


if __name__ == "__main__":
    main()
