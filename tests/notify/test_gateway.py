"""End to end in the real gateway: a status change from the console or the CLI reaches the
citizen's Telegram chat (fake Bot API) and web chat (websocket, or on the next visit);
the case page shows the delivery state; ``python -m bot notify list|retry``."""
from __future__ import annotations

import dataclasses
import io
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.orm import sessionmaker

import bot.accounts.service as accounts_module
import bot.channels.telegram.application as telegram_application
from bot.cases.cli import main as cases_cli
from bot.cases.codes import CodeHasher
from bot.cases.service import CaseService
from bot.channels.telegram.retry import RetryingRateLimiter
from bot.gateway.app import create_app
from bot.gateway.notify import NOTIFY_WORKER
from bot.notify.cli import main as notify_cli
from bot.notify.worker import NotifyWorker
from bot.settings import Settings
from tests.console.helpers import ConsoleClient
from tests.fake_telegram import TOKEN, FakeTelegram, fake_telegram  # noqa: F401 - fixture
from tests.handoff.fake_rasa_api import FakeRasaApi
from tests.handoff.fixtures import PASSWORD, Officers, accounts, factory, fast_hasher, officers, rasa_api  # noqa: F401
from tests.notify.helpers import TG_CHAT, WEB_SENDER, file_case


@pytest.fixture
async def gateway(migrated_db_url: str, rasa_api: FakeRasaApi, fake_telegram: FakeTelegram,  # noqa: F811
                  aiohttp_client, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TestClient]:
    monkeypatch.setattr(accounts_module, "PasswordHasher", fast_hasher)
    monkeypatch.setattr(telegram_application, "RetryingRateLimiter",
                        lambda: RetryingRateLimiter(network_retries=0))  # outages reach the worker
    settings = dataclasses.replace(Settings(), database_url=migrated_db_url, rasa_url=rasa_api.url,
                                   telegram_bot_token=TOKEN, telegram_api_base_url=fake_telegram.base_url,
                                   office_hours=(0, 24), office_weekdays_only=False)
    client = await aiohttp_client(create_app(settings))
    await fake_telegram.wait_for_long_poll()  # the bridge is running
    yield client


@pytest.fixture
def cases(factory: sessionmaker) -> CaseService:  # noqa: F811
    return CaseService(factory, hasher=CodeHasher(time_cost=1, memory_cost=1024))


def worker_of(gateway: TestClient) -> NotifyWorker:
    return gateway.server.app[NOTIFY_WORKER]


async def test_console_change_reaches_telegram_and_open_web_chat(
        gateway: TestClient, cases: CaseService, officers: Officers,  # noqa: F811
        fake_telegram: FakeTelegram) -> None:  # noqa: F811
    by_telegram = file_case(cases, sender_id=TG_CHAT, phone="13800000001")
    by_web = file_case(cases, sender_id=WEB_SENDER, phone="13800000002")
    officer = ConsoleClient(gateway)
    await officer.login("wang", PASSWORD)
    async with gateway.ws_connect(f"/api/chat/ws?sender={WEB_SENDER}") as ws:
        for filed in (by_telegram, by_web):
            await officer.post(f"/console/cases/{filed.case_number}/status",
                               {"status": "accepted", "note": "已书面告知受理"})
        await worker_of(gateway).run_once()  # the gateway's own loop may get there first: either way once
        [call] = await fake_telegram.wait_sent(int(TG_CHAT))
        assert by_telegram.case_number in call.params["text"] and "「受理」" in call.params["text"]
        pushed = await ws.receive_json(timeout=10)
        [message] = pushed["messages"]
        assert by_web.case_number in message["text"] and "第三十四条" in message["text"]
    page = await officer.get(f"/console/cases/{by_telegram.case_number}")
    assert "信访人通知" in page and "已送达" in page and "Telegram" in page


async def test_cli_change_reaches_telegram_and_web_chat_on_next_visit(
        gateway: TestClient, cases: CaseService, migrated_db_url: str,
        fake_telegram: FakeTelegram) -> None:  # noqa: F811
    by_telegram = file_case(cases, sender_id=TG_CHAT, phone="13800000001")
    by_web = file_case(cases, sender_id=WEB_SENDER, phone="13800000002")
    for filed in (by_telegram, by_web):
        out = io.StringIO()
        assert cases_cli(["update-status", filed.case_number, "accepted", "--officer", "王警官",
                          "--db", migrated_db_url], out=out) == 0
    result = await worker_of(gateway).run_once()
    [call] = await fake_telegram.wait_sent(int(TG_CHAT))
    assert by_telegram.case_number in call.params["text"]
    out = io.StringIO()
    assert notify_cli(["list", "--db", migrated_db_url], out=out) == 0
    listing = out.getvalue()
    assert "pending" in listing and "共 2 条" in listing  # the web chat one waits for the visit
    assert result.sent <= 1
    async with gateway.ws_connect(f"/api/chat/ws?sender={WEB_SENDER}") as ws:
        await worker_of(gateway).run_once()
        pushed = await ws.receive_json(timeout=10)
        assert by_web.case_number in pushed["messages"][0]["text"]
    out = io.StringIO()
    assert notify_cli(["list", "--state", "sent", "--db", migrated_db_url], out=out) == 0
    assert "共 2 条" in out.getvalue()


async def test_telegram_outage_in_the_gateway_delivers_once_after_recovery(
        gateway: TestClient, cases: CaseService, migrated_db_url: str,
        fake_telegram: FakeTelegram) -> None:  # noqa: F811
    """The Bot API answers 502 twice, then recovers: one message reaches the chat.
    (The bridge's own network retries are off here, so the outbox worker sees the outage.)"""
    filed = file_case(cases)
    worker = worker_of(gateway)
    worker.policy = dataclasses.replace(worker.policy, base_delay=0)  # retry at once
    fake_telegram.fail("sendMessage", times=2, status=502)
    cases.transition(filed.case_number, "accepted", "王警官")
    for _ in range(10):  # whichever of this and the gateway's own loop gets there
        await worker.run_once()
        if fake_telegram.calls_of("sendMessage", int(TG_CHAT)):
            break
    await fake_telegram.wait_sent(int(TG_CHAT))
    for _ in range(3):
        await worker.run_once()
    failed = fake_telegram.calls_of("sendMessage", int(TG_CHAT), ok_only=False)
    texts = fake_telegram.calls_of("sendMessage", int(TG_CHAT))
    assert len(failed) == 3 and len(texts) == 1 and filed.case_number in texts[0].params["text"]
    out = io.StringIO()
    assert notify_cli(["list", "--case", filed.case_number, "--db", migrated_db_url], out=out) == 0
    assert "sent" in out.getvalue() and "尝试 3" in out.getvalue()
