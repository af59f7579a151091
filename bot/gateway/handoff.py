"""Wiring handoffs into the aiohttp gateway.

Router interceptor/observer, background loop, DeliveryHub reachability for the web chat,
and the Telegram officers' group hook.

``bot.handoff`` itself knows nothing of aiohttp or Telegram; this module (gateway side)
and ``bot.channels.telegram.officers`` (channel side) connect it to them.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web
from telegram import Bot

from bot.accounts.service import AccountService
from bot.channels.telegram import webhook_refused
from bot.channels.telegram.application import officers_chat_id
from bot.channels.telegram.officers import TelegramOfficers, make_officers_handler
from bot.handoff.events import EventBus
from bot.handoff.runtime import HandoffRuntime
from bot.handoff.service import HandoffService
from bot.handoff.texts import default_texts
from bot.handoff.warning import default_detector
from bot.web.keys import (
    ACCOUNTS_KEY,
    DELIVERY_KEY,
    FACTORY_KEY,
    OFFICERS_HOOK_KEY,
    ROUTER_KEY,
    RUNTIME_KEY,
    SETTINGS_KEY,
    TELEGRAM_RUNNER_KEY,
    WEBCHAT_HUB_KEY,
)

__all__ = ["ACCOUNTS_KEY", "RUNTIME_KEY", "setup_handoff"]

log = logging.getLogger(__name__)


def _webchat_reachable(app: web.Application) -> Callable[[str, str], bool]:
    """Web chat messages are delivered only to an open page; others wait in the database."""

    def reachable(channel: str, sender_id: str) -> bool:
        if channel != "webchat":
            return True
        hub = app.get(WEBCHAT_HUB_KEY)
        sockets = hub.sockets.get(sender_id, ()) if hub is not None else ()
        return any(not ws.closed for ws in sockets)

    return reachable


def _telegram_bot(app: web.Application) -> Bot | None:
    runner = app.get(TELEGRAM_RUNNER_KEY)
    if runner is None or not runner.application.running:
        return None
    return runner.application.bot


def setup_handoff(app: web.Application, accounts: AccountService | None = None) -> HandoffRuntime:
    """Create the runtime on the app's database (``FACTORY_KEY``) and hook it into the router."""
    settings = app[SETTINGS_KEY]
    factory = app[FACTORY_KEY]
    app[ACCOUNTS_KEY] = accounts or AccountService(factory)
    router = app[ROUTER_KEY]
    runtime = HandoffRuntime(HandoffService(factory), router.rasa, app[DELIVERY_KEY], default_texts(),
                             default_detector(), EventBus(), _webchat_reachable(app))
    app[RUNTIME_KEY] = runtime
    router.add_interceptor(runtime.intercept)
    router.add_observer(runtime.observe)
    chat_id = officers_chat_id(settings)
    # Officers are recognised by who sent a Telegram update: never with a placeholder
    # webhook secret (the bridge does not start then either).
    if settings.telegram_bot_token and chat_id is not None and not webhook_refused(settings):
        runtime.officers_alert = TelegramOfficers(lambda: _telegram_bot(app), chat_id)
        app[OFFICERS_HOOK_KEY] = make_officers_handler(runtime, app[ACCOUNTS_KEY])

    async def start(_: web.Application) -> None:
        runtime.start()

    async def stop(_: web.Application) -> None:
        await runtime.stop()

    app.on_startup.append(start)  # type: ignore[arg-type]  # aiohttp 3.9's Signal vs aiosignal 1.4
    app.on_shutdown.append(stop)  # type: ignore[arg-type]
    return runtime
