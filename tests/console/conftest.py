"""Console test fixtures (see tests/handoff/fixtures.py)."""
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient

import bot.accounts.service as accounts_module
from bot.gateway.app import create_app
from bot.settings import Settings
from tests.console.helpers import ConsoleClient
from tests.handoff.fake_rasa_api import FakeRasaApi
from tests.handoff.fixtures import (  # noqa: F401 - fixtures
    accounts,
    deliveries,
    factory,
    fast_hasher,
    officers,
    rasa_api,
    runtime,
    service,
)

NewClient = Callable[[], Awaitable[ConsoleClient]]


@pytest.fixture
def console_settings(migrated_db_url: str, rasa_api: FakeRasaApi) -> Settings:  # noqa: F811 - fixture
    """Always office hours, so the flow does not depend on when the tests run."""
    return dataclasses.replace(Settings(), database_url=migrated_db_url, rasa_url=rasa_api.url,
                               telegram_bot_token="", office_hours=(0, 24),
                               office_weekdays_only=False)


@pytest.fixture
async def gateway(console_settings: Settings, aiohttp_client, monkeypatch: pytest.MonkeyPatch
                  ) -> AsyncIterator[TestClient]:
    """The real gateway app (create_app) with a fast Argon2 and the fake Rasa."""
    monkeypatch.setattr(accounts_module, "PasswordHasher", fast_hasher)
    client = await aiohttp_client(create_app(console_settings))
    yield client


@pytest.fixture
async def new_client(gateway: TestClient, aiohttp_client) -> NewClient:
    """Another browser (own cookie jar) on the same gateway."""
    async def make() -> ConsoleClient:
        return ConsoleClient(await aiohttp_client(gateway.server))
    return make
