"""Running the WeChat channel inside the aiohttp gateway, like the Telegram bridge.

It shares the gateway's router, DeliveryHub, journal and handoff runtime.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.channels.wechat import CHANNEL
from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.channel import OnReopened, OnUnreachable, WeChatChannel
from bot.channels.wechat.security import WeChatSecurity, valid_aes_key
from bot.channels.wechat.store import WeChatStore
from bot.channels.wechat.texts import WeChatTexts, default_texts
from bot.channels.wechat.webhook import WeChatEndpoint
from bot.handoff.models import Kind
from bot.handoff.runtime import HandoffRuntime
from bot.privacy import mask_sender_id
from bot.secrets import weak_secret
from bot.settings import Settings
from bot.web.keys import (
    DELIVERY_KEY,
    FACTORY_KEY,
    JOURNAL_KEY,
    ROUTER_KEY,
    RUNTIME_KEY,
    SETTINGS_KEY,
    WECHAT_ENDPOINT_KEY,
)

__all__ = ["NOT_STARTED_LOG", "REFUSED_LOG", "WECHAT_PATH", "refused_settings",
           "setup_wechat"]

logger = logging.getLogger(__name__)

WECHAT_PATH = "/wechat"
PURGE_SECONDS = 3600.0
NOT_STARTED_LOG = "WECHAT_TOKEN 未设置：不启动微信公众号渠道 (WeChat channel not started)"
REFUSED_LOG = ("微信公众号渠道未启动：{names} 为空、是占位符、太短或格式不对 "
               "(WeChat channel not started: weak or malformed settings)")
NO_API_LOG = ("WECHAT_APP_ID / WECHAT_APP_SECRET 未设置：只能被动回复，慢回答、长回答的后续部分"
              "和民警的回复无法发送 (no customer-service messages)")


def refused_settings(settings: Settings) -> list[str]:
    """Names of WeChat settings that keep the channel from starting (token set).

    Always: a malformed EncodingAESKey, or one without the app id it is checked against.
    Outside local mode also every WeChat secret that is a placeholder or shorter than
    ``bot.secrets.MIN_SECRET_LENGTH`` (WeChat tokens may be up to 32 characters: use 32).
    """
    names = []
    if settings.wechat_aes_key and not valid_aes_key(settings.wechat_aes_key):
        names.append("WECHAT_AES_KEY")
    if settings.wechat_aes_key and not settings.wechat_app_id:
        names.append("WECHAT_APP_ID")
    if not settings.local_only:
        named = {"WECHAT_TOKEN": settings.wechat_token,
                 "WECHAT_APP_SECRET": settings.wechat_app_secret,
                 "WECHAT_AES_KEY": settings.wechat_aes_key}
        names += [name for name, value in named.items()
                  if (value or name == "WECHAT_TOKEN") and weak_secret(value) and name not in names]
    return names


def officer_notes(runtime: HandoffRuntime, texts: WeChatTexts) -> OnUnreachable:
    """The ``on_unreachable`` callback.

    A note in the console's transcript of every handoff whose messages wait for this
    user — once until the citizen writes again.
    """

    async def note(openid: str, reason: str) -> None:
        text = texts.officer_notes.get(reason) or texts.officer_notes["blocked"]
        pending = await runtime.db(runtime.service.undelivered)
        handoff_ids = sorted({h.id for h, _ in pending
                              if h.channel == CHANNEL and h.sender_id == openid})
        for handoff_id in handoff_ids:
            messages = await runtime.db(runtime.service.messages, handoff_id)
            since = [m for m in messages if m.kind == Kind.CITIZEN][-1:]
            recent = [m for m in messages if not since or m.id > since[0].id]
            if any(m.kind == Kind.NOTE and m.text == text for m in recent):
                continue
            await runtime.db(runtime.service.add_message, handoff_id, Kind.NOTE, text)
            runtime.bus.publish({"type": "message", "handoff": handoff_id})
            logger.warning("handoff %s: WeChat user %s cannot be reached (%s)", handoff_id,
                           mask_sender_id(openid), reason)

    return note


def reopened(runtime: HandoffRuntime) -> OnReopened:
    """``on_reopened``: the citizen wrote again, so waiting messages can go now."""

    async def poke(_openid: str) -> None:
        runtime.poke()

    return poke


def setup_wechat(app: web.Application, texts: WeChatTexts | None = None
                 ) -> WeChatEndpoint | None:
    """Mount ``/wechat`` when WECHAT_TOKEN is set (and the settings are sound)."""
    settings: Settings = app[SETTINGS_KEY]
    if not settings.wechat_token:
        logger.info(NOT_STARTED_LOG)
        return None
    refused = refused_settings(settings)
    if refused:
        logger.error(REFUSED_LOG.format(names=", ".join(refused)))
        return None
    texts = texts or default_texts()
    store = WeChatStore(app[FACTORY_KEY])  # the gateway's one engine
    api: WeChatApi | None = None
    if settings.wechat_app_id and settings.wechat_app_secret:
        api = WeChatApi(settings.wechat_api_base_url, settings.wechat_app_id,
                        settings.wechat_app_secret)
    else:
        logger.warning(NO_API_LOG)
    runtime: HandoffRuntime | None = app.get(RUNTIME_KEY)
    channel = WeChatChannel(app[ROUTER_KEY], store, texts, api, journal=app.get(JOURNAL_KEY))
    if runtime is not None:
        channel.on_unreachable = officer_notes(runtime, texts)
        channel.on_reopened = reopened(runtime)
    security = WeChatSecurity(settings.wechat_token, settings.wechat_aes_key,
                              settings.wechat_app_id)
    endpoint = WeChatEndpoint(security, channel)
    app[WECHAT_ENDPOINT_KEY] = endpoint
    app[DELIVERY_KEY].register(CHANNEL, channel.deliver)
    app.router.add_get(WECHAT_PATH, endpoint.verify)
    app.router.add_post(WECHAT_PATH, endpoint.receive)

    async def purge_seen(_: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(_purge_forever(store), name="wechat-purge")
        yield
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    async def drain(_: web.Application) -> None:
        await endpoint.drain()

    async def close(_: web.Application) -> None:
        if api is not None:
            await api.close()

    app.cleanup_ctx.append(purge_seen)
    app.on_shutdown.append(drain)  # type: ignore[arg-type]  # aiohttp 3.9's Signal vs aiosignal 1.4
    app.on_cleanup.append(close)  # type: ignore[arg-type]
    logger.info("WeChat channel at %s (%s mode, %s)", WECHAT_PATH,
                "encrypted" if security.encrypted_mode else "plain",
                "with customer-service messages" if api else "passive replies only")
    return endpoint


async def _purge_forever(store: WeChatStore, interval: float = PURGE_SECONDS) -> None:
    while True:
        try:
            await asyncio.to_thread(store.purge_seen)
        except Exception as error:  # noqa: BLE001 - retried at the next interval
            logger.warning("purging WeChat replay keys failed: %s", type(error).__name__)
        await asyncio.sleep(interval)
