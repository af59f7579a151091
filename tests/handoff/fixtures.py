"""Fixtures shared by the handoff and console tests (imported by their conftest files)."""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import pytest
from argon2 import PasswordHasher
from sqlalchemy.orm import sessionmaker

from bot.accounts.service import AccountService, OfficerView
from bot.conversation.delivery import DeliveryHub
from bot.conversation.rasa_client import RasaClient
from bot.handoff.events import EventBus
from bot.handoff.runtime import HandoffRuntime
from bot.handoff.service import HandoffService
from bot.handoff.texts import default_texts
from bot.handoff.warning import default_detector
from bot.replies import Reply
from bot.store.db import make_engine, make_session_factory
from tests.conftest_db import FakeClock
from tests.handoff.fake_rasa_api import FakeRasaApi

PASSWORD = "correct-horse-42"


def fast_hasher() -> PasswordHasher:
    """Argon2id with tiny parameters: tests stay fast, the code path is the real one."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@dataclass
class Officers:
    wang: OfficerView
    li: OfficerView
    admin: OfficerView


@dataclass
class Deliveries:
    """A DeliveryHub whose channels record what they delivered; ``online`` controls reachability."""

    hub: DeliveryHub = field(default_factory=DeliveryHub)
    sent: list[tuple[str, str, str]] = field(default_factory=list)
    offline: set[str] = field(default_factory=set)
    failing: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        for channel in ("webchat", "telegram"):
            self.hub.register(channel, self._deliver_to(channel))

    def _deliver_to(self, channel: str):  # type: ignore[no-untyped-def]
        async def deliver(sender: str, replies: list[Reply]) -> bool:
            if sender in self.failing:
                return False
            self.sent.extend((channel, sender, reply.text) for reply in replies)
            return True
        return deliver

    def reachable(self, channel: str, sender: str) -> bool:
        return sender not in self.offline

    def texts_to(self, sender: str) -> list[str]:
        return [text for _, who, text in self.sent if who == sender]


@pytest.fixture
def factory(migrated_db_url: str) -> Iterator[sessionmaker]:
    engine = make_engine(migrated_db_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def service(factory: sessionmaker, fake_clock: FakeClock) -> HandoffService:
    return HandoffService(factory, clock=fake_clock)


@pytest.fixture
def accounts(factory: sessionmaker, fake_clock: FakeClock) -> AccountService:
    return AccountService(factory, clock=fake_clock, hasher=fast_hasher())


@pytest.fixture
def officers(accounts: AccountService) -> Officers:
    return Officers(accounts.create("wang", "王警官", PASSWORD),
                    accounts.create("li", "李警官", PASSWORD),
                    accounts.create("chief", "赵队长", PASSWORD, role="admin"))


@pytest.fixture
async def rasa_api() -> AsyncIterator[FakeRasaApi]:
    async with FakeRasaApi() as server:
        yield server


@pytest.fixture
def deliveries() -> Deliveries:
    return Deliveries()


def make_runtime(service: HandoffService, rasa_url: str, deliveries: Deliveries) -> HandoffRuntime:
    return HandoffRuntime(service, RasaClient([rasa_url], timeout_seconds=5), deliveries.hub,
                          default_texts(), default_detector(), EventBus(), deliveries.reachable,
                          poll_seconds=0.2)


@pytest.fixture
async def runtime(service: HandoffService, rasa_api: FakeRasaApi,
                  deliveries: Deliveries) -> AsyncIterator[HandoffRuntime]:
    runtime = make_runtime(service, rasa_api.url, deliveries)
    try:
        yield runtime
    finally:
        await runtime.stop()
        await runtime.rasa.close()

