"""Fixtures for the Telegram bridge tests: fake Bot API, fake Rasa, a running bridge."""
from __future__ import annotations

import dataclasses
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.channels.telegram import BridgeRunner, bridge_of, build_application
from bot.channels.telegram.bridge import Bridge
from bot.conversation import ConversationRouter, RasaClient
from bot.conversation.delivery import DeliveryHub
from bot.settings import Settings
from tests.fake_telegram import TOKEN, FakeTelegram, fake_telegram  # noqa: F401 - fixture
from tests.telegram.fake_rasa import FakeRasa


@dataclasses.dataclass
class RunningBridge:
    """A bridge built by ``build_application`` and started by ``BridgeRunner``."""

    runner: BridgeRunner
    router: ConversationRouter
    delivery: DeliveryHub

    @property
    def bridge(self) -> Bridge:
        return bridge_of(self.runner.application.bot_data)


StartBridge = Callable[..., Awaitable[RunningBridge]]


def closed_port_url() -> str:
    """A loopback URL nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def bridge_settings(telegram: FakeTelegram, **overrides: Any) -> Settings:
    return dataclasses.replace(Settings(), telegram_bot_token=TOKEN,
                               telegram_api_base_url=telegram.base_url, **overrides)


@pytest.fixture
async def fake_rasa() -> AsyncIterator[FakeRasa]:
    async with FakeRasa() as server:
        yield server


@pytest.fixture
async def start_bridge(fake_telegram: FakeTelegram,  # noqa: F811 - fixture
                       fake_rasa: FakeRasa) -> AsyncIterator[StartBridge]:
    """Factory: start a bridge against the fake Bot API (router → fake Rasa by default)."""
    started: list[RunningBridge] = []

    async def start(rasa_url: str | None = None, rasa_token: str = "",
                    **overrides: Any) -> RunningBridge:
        settings = bridge_settings(fake_telegram, **overrides)
        router = ConversationRouter(RasaClient([rasa_url or fake_rasa.url], rasa_token,
                                               timeout_seconds=5))
        delivery = DeliveryHub()
        runner = BridgeRunner(build_application(settings, router, delivery), settings)
        running = RunningBridge(runner, router, delivery)
        started.append(running)
        runner.start()
        await fake_telegram.wait_for(runner.started.is_set)
        return running

    try:
        yield start
    finally:
        for running in started:
            await running.runner.stop()
            await running.router.rasa.close()


@pytest.fixture
async def bridge(start_bridge: StartBridge) -> RunningBridge:
    """A running bridge whose router talks to the fake Rasa."""
    return await start_bridge()
