"""Fixtures for the WeChat channel: a fake WeChat API, a fake Rasa, a migrated database and
the real gateway (``create_app``) with the channel configured against them."""
from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from bot.channels.wechat.webhook import WeChatEndpoint
from bot.gateway.app import create_app
from bot.settings import Settings
from bot.store.migrate import upgrade
from bot.web.keys import WECHAT_ENDPOINT_KEY as ENDPOINT_KEY
from tests.handoff.fake_rasa_api import FakeRasaApi
from tests.wechat.fake_wechat import AES_KEY, APP_ID, APP_SECRET, TOKEN, FakeWeChatApi, WeChatServer

Replies = list[dict[str, Any]]


@dataclasses.dataclass
class Gateway:
    app: web.Application
    runner: web.AppRunner
    url: str

    @property
    def endpoint(self) -> WeChatEndpoint:
        return self.app[ENDPOINT_KEY]

    def wechat(self, encrypted: bool = False) -> WeChatServer:
        return WeChatServer(self.url, encrypted=encrypted)

    async def stop(self) -> None:
        await self.runner.cleanup()


StartGateway = Callable[..., Awaitable[Gateway]]


@pytest.fixture
async def wechat_api() -> AsyncIterator[FakeWeChatApi]:
    server = FakeWeChatApi()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def rasa() -> AsyncIterator[FakeRasaApi]:
    async with FakeRasaApi() as server:
        yield server


@pytest.fixture
def wechat_db(sqlite_url: str) -> str:
    upgrade(sqlite_url)
    return sqlite_url


def wechat_settings(db_url: str, rasa: FakeRasaApi, api: FakeWeChatApi, **extra: Any) -> Settings:
    values: dict[str, Any] = dict(database_url=db_url, rasa_url=rasa.url, wechat_token=TOKEN,
                                  wechat_app_id=APP_ID, wechat_app_secret=APP_SECRET,
                                  wechat_api_base_url=api.url)
    values.update(extra)
    return dataclasses.replace(Settings(), **values)


@pytest.fixture
async def start_gateway(wechat_api: FakeWeChatApi, rasa: FakeRasaApi,
                        wechat_db: str) -> AsyncIterator[StartGateway]:
    """Factory: ``create_app(settings)`` on a random loopback port (stopped before the fakes)."""
    started: list[Gateway] = []

    async def start(db_url: str | None = None, **extra: Any) -> Gateway:
        settings = wechat_settings(db_url or wechat_db, rasa, wechat_api, **extra)
        app = create_app(settings)
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=2)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        gateway = Gateway(app, runner,
                          f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}")  # type: ignore
        started.append(gateway)
        return gateway

    try:
        yield start
    finally:
        for gateway in started:
            await gateway.stop()


@pytest.fixture
async def gateway(start_gateway: StartGateway) -> Gateway:
    return await start_gateway()


@pytest.fixture
async def encrypted_gateway(start_gateway: StartGateway) -> Gateway:
    return await start_gateway(wechat_aes_key=AES_KEY)


class Gate:
    """Holds fake-Rasa answers until released (no sleeping: an event)."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.entered = asyncio.Event()

    async def respond(self, sender: str, text: str, metadata: dict[str, Any]) -> Replies:
        self.entered.set()
        await self.release.wait()
        return [{"recipient_id": sender, "text": f"收到：{text}"}]
