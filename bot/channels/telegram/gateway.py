"""Running the bridge inside the aiohttp gateway (shared router and DeliveryHub)."""
from __future__ import annotations

import hmac
import logging

from aiohttp import web
from telegram import Update

from bot.channels.telegram.application import build_application
from bot.channels.telegram.bridge import BRIDGE_KEY
from bot.channels.telegram.lifecycle import BridgeRunner, webhook_refused
from bot.secrets import MIN_SECRET_LENGTH, weak_secret
from bot.web.http import json_error, read_json
from bot.web.keys import (
    DELIVERY_KEY,
    OFFICERS_HOOK_KEY,
    ROUTER_KEY,
    SETTINGS_KEY,
    TELEGRAM_RUNNER_KEY,
)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
NOT_STARTED_LOG = "TELEGRAM_BOT_TOKEN 未设置：不启动 Telegram 桥接 (Telegram bridge not started)"
WEAK_SECRET_LOG = (f"TELEGRAM_WEBHOOK_SECRET 为空、是占位符或少于{MIN_SECRET_LENGTH}个字符：不启动 "
                   "Telegram 桥接 (webhook secret is a placeholder; Telegram bridge not started)")

logger = logging.getLogger(__name__)


def setup_telegram(app: web.Application) -> None:
    """Build the bridge when a token is set; start it with the gateway, stop it with it."""
    settings = app[SETTINGS_KEY]
    if not settings.telegram_bot_token:
        logger.info(NOT_STARTED_LOG)
        return
    if webhook_refused(settings):
        logger.error(WEAK_SECRET_LOG)
        return
    application = build_application(settings, app[ROUTER_KEY], app[DELIVERY_KEY])
    app[TELEGRAM_RUNNER_KEY] = BridgeRunner(application, settings)
    if settings.telegram_webhook_url:
        app.router.add_post(WEBHOOK_PATH, telegram_webhook)
    app.on_startup.append(_start_bridge)  # type: ignore[arg-type]  # aiohttp 3.9's Signal vs aiosignal 1.4
    # on_shutdown, not on_cleanup: web.run_app waits (up to its shutdown timeout)
    # for every running task between the two, and the bridge's tasks only end here.
    app.on_shutdown.append(_stop_bridge)  # type: ignore[arg-type]


async def _start_bridge(app: web.Application) -> None:
    runner: BridgeRunner = app[TELEGRAM_RUNNER_KEY]
    hook = app.get(OFFICERS_HOOK_KEY)
    if hook is not None:
        runner.application.bot_data[BRIDGE_KEY].officers_group_handler = hook
    runner.start()


async def _stop_bridge(app: web.Application) -> None:
    await app[TELEGRAM_RUNNER_KEY].stop()


async def telegram_webhook(request: web.Request) -> web.Response:
    """POST /telegram/webhook: check Telegram's secret header, queue the update."""
    runner: BridgeRunner = request.app[TELEGRAM_RUNNER_KEY]
    given = request.headers.get(SECRET_HEADER, "")
    if weak_secret(runner.secret) or not hmac.compare_digest(given.encode("utf-8"),
                                                             runner.secret.encode("utf-8")):
        return json_error(403, "禁止访问。")
    body = await read_json(request)
    try:
        update = Update.de_json(body, runner.application.bot)
    except (KeyError, TypeError, ValueError):
        return json_error(400, "无法识别的 Telegram 更新。")
    # Checked right before queueing (no await in between): once stop() has begun,
    # Telegram gets a 503 and redelivers, instead of the update being dropped.
    if not runner.application.running:
        return json_error(503, "Telegram 桥接尚未就绪，请稍后重试。")
    runner.application.update_queue.put_nowait(update)
    return web.json_response({"ok": True})
