"""Dashboard fixtures: the known data set on SQLite and PostgreSQL, and the real gateway."""
from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp.test_utils import TestClient

import bot.accounts.service as accounts_module
from bot.dashboard.queries import Dashboard
from bot.dashboard.web import DASHBOARD_KEY
from bot.gateway.app import create_app
from bot.settings import Settings
from bot.store.db import make_engine
from tests.dashboard.data import TODAY_UTC, seed
from tests.handoff.fake_rasa_api import FakeRasaApi
from tests.handoff.fixtures import (  # noqa: F401 - fixtures
    accounts,
    factory,
    fast_hasher,
    officers,
    rasa_api,
)


@pytest.fixture
def dashboard(migrated_db_url: str) -> Iterator[Dashboard]:
    """The known data (tracker events and app tables in the same database)."""
    engine = make_engine(migrated_db_url)
    seed(engine, engine)
    yield Dashboard(engine, engine, clock=lambda: TODAY_UTC)
    engine.dispose()


@pytest.fixture
def dashboard_settings(migrated_db_url: str, rasa_api: FakeRasaApi) -> Settings:  # noqa: F811
    """The gateway on the test database, the tracker store in the same database."""
    return dataclasses.replace(Settings(), database_url=migrated_db_url,
                               tracker_store_url=migrated_db_url, rasa_url=rasa_api.url,
                               telegram_bot_token="", office_hours=(0, 24),
                               office_weekdays_only=False)


@pytest.fixture
async def dashboard_gateway(officers, dashboard_settings: Settings, dashboard: Dashboard, aiohttp_client,  # noqa: F811
                            monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TestClient]:
    """The real gateway (create_app) over the known data, its dashboard clock at TODAY_UTC."""
    monkeypatch.setattr(accounts_module, "PasswordHasher", fast_hasher)
    app = create_app(dashboard_settings)
    app[DASHBOARD_KEY].clock = lambda: TODAY_UTC
    yield await aiohttp_client(app)
