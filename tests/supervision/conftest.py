"""督办 test fixtures: the console fixtures plus a ``Supervision`` on the fake clock."""
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

import bot.accounts.service as accounts_module
from bot.cases.service import CaseService
from bot.cases.supervision import Supervision
from bot.gateway.app import create_app
from bot.settings import Settings
from bot.web.keys import FACTORY_KEY, SUPERVISION_KEY
from tests.console.conftest import console_settings  # noqa: F401 - fixture
from tests.handoff.fixtures import (  # noqa: F401 - fixtures
    accounts,
    factory,
    fast_hasher,
    officers,
    rasa_api,
)

PETITION = dict(matter="traffic_order", petitioner_name="张三丰", petitioner_phone="13812345678",
                channel="online", description="事故认定书写错了车牌号", requested_outcome="更正认定书",
                reasons="认定书记载与事实不符", location="人民路", occurred_at="2026-02-20")


def file(service: CaseService) -> str:
    return service.file_case(**PETITION).case_number


@pytest.fixture
def supervision(case_service: CaseService, fake_clock: Any) -> Iterator[Supervision]:
    yield Supervision(case_service._factory, fake_clock)


@pytest.fixture
async def gateway(console_settings: Settings, aiohttp_client: Any, fake_clock: Any,  # noqa: F811
                  monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TestClient]:
    """The real gateway; its 督办 page reads deadlines on the fake clock."""
    monkeypatch.setattr(accounts_module, "PasswordHasher", fast_hasher)
    app = create_app(console_settings)
    app[SUPERVISION_KEY] = Supervision(app[FACTORY_KEY], fake_clock)
    yield await aiohttp_client(app)
