"""The bridge inside the gateway: polling, webhook with secret header, no token, shutdown."""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.channels.telegram import NOT_STARTED_LOG, WEBHOOK_PATH, BridgeRunner
from bot.gateway.app import create_app
from bot.settings import REPO_ROOT, Settings
from bot.web.keys import OFFICERS_HOOK_KEY
from bot.web.keys import TELEGRAM_RUNNER_KEY as RUNNER_KEY
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.stack import free_port
from tests.telegram.conftest import RunningBridge, bridge_settings
from tests.telegram.fake_rasa import FakeRasa, Replies

SECRET = "s3cret-token_for-tests-0123456789abcdef"  # >= 32 characters (bot.secrets)
StartGateway = Callable[..., Awaitable[str]]


@pytest.fixture
async def start_gateway(fake_telegram: FakeTelegram,
                        fake_rasa: FakeRasa) -> AsyncIterator[StartGateway]:
    """Factory: run ``create_app(settings)`` on a random port; returns its URL.
    (Depends on the fakes so that it stops before they do.)"""
    runners = []

    async def start(settings: Settings) -> str:
        runner = web.AppRunner(create_app(settings), handle_signals=False, shutdown_timeout=2)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        return f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore

    try:
        yield start
    finally:
        for runner in runners:
            await runner.cleanup()


def gateway_settings(fake_telegram: FakeTelegram, fake_rasa: FakeRasa,
                     **extra: Any) -> Settings:
    return bridge_settings(fake_telegram, rasa_url=fake_rasa.url, **extra)


async def test_polling_bridge_in_the_gateway_answers_at_once(
    start_gateway: StartGateway, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    """Long polling: the update goes out on the poll that was waiting when it arrived (no
    poll interval), checked by which call returned it rather than by a stopwatch."""
    await start_gateway(gateway_settings(fake_telegram, fake_rasa))
    poll = await fake_telegram.wait_for_long_poll()
    update = fake_telegram.send_text(71, "你好")
    [call] = await fake_telegram.wait_sent(71)
    assert call.params["text"] == "收到：你好"
    assert fake_telegram.handed_out_by(update["update_id"]) is poll
    assert fake_telegram.calls_of("deleteWebhook")  # polling mode clears any webhook


async def post_update(url: str, update: dict[str, Any], secret: str | None) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    async with (aiohttp.ClientSession() as session,
                session.post(url + WEBHOOK_PATH, json=update, headers=headers) as response):
        return response.status


async def test_webhook_mode_checks_the_secret_header(
    start_gateway: StartGateway, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    settings = gateway_settings(fake_telegram, fake_rasa,
                                telegram_webhook_url="https://example.org/telegram/webhook",
                                telegram_webhook_secret=SECRET)
    url = await start_gateway(settings)
    await fake_telegram.wait_for(lambda: bool(fake_telegram.calls_of("setWebhook")))
    assert fake_telegram.webhook == {"url": "https://example.org/telegram/webhook",
                                     "secret_token": SECRET}
    assert not fake_telegram.calls_of("getUpdates", ok_only=False)

    forged = [{"update_id": 900 + n, "message": fake_telegram.message(72, text=f"伪造{n}")}
              for n in range(2)]
    assert await post_update(url, forged[0], None) == 403
    assert await post_update(url, forged[1], "wrong") == 403
    update = {"update_id": 902, "message": fake_telegram.message(72, text="你好")}
    assert await post_update(url, update, SECRET) == 200
    [call] = await fake_telegram.wait_sent(72)
    assert call.params["text"] == "收到：你好"
    # One chat's updates are handled in order: had a forged one been accepted, it would
    # have reached Rasa before the genuine one was answered.
    assert fake_rasa.received == [("72", "你好")]


async def test_webhook_rejects_garbage(
    start_gateway: StartGateway, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    settings = gateway_settings(fake_telegram, fake_rasa,
                                telegram_webhook_url="https://example.org/telegram/webhook",
                                telegram_webhook_secret=SECRET)
    url = await start_gateway(settings)
    await fake_telegram.wait_for(lambda: bool(fake_telegram.calls_of("setWebhook")))
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with (aiohttp.ClientSession() as session,
                session.post(url + WEBHOOK_PATH, data=b"not json", headers=headers) as bad):
        assert bad.status == 400


async def test_without_token_one_line_is_logged_and_nothing_runs(
    start_gateway: StartGateway, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    settings = dataclasses.replace(Settings(), telegram_bot_token="",
                                   telegram_api_base_url=fake_telegram.base_url)
    app = create_app(settings)
    assert RUNNER_KEY not in app
    lines = [r.getMessage() for r in caplog.records if "TELEGRAM_BOT_TOKEN" in r.getMessage()]
    assert lines == [NOT_STARTED_LOG]
    url = await start_gateway(settings)
    async with aiohttp.ClientSession() as session, session.post(url + WEBHOOK_PATH, json={}) as response:
        assert response.status in (404, 405)
    assert fake_telegram.calls == []


@pytest.mark.parametrize("secret", ["", "CHANGE_ME", "short-secret", "x" * 31,
                                    "change_me-" + "x" * 40])
async def test_webhook_mode_refuses_placeholder_secrets(
    start_gateway: StartGateway, fake_telegram: FakeTelegram, fake_rasa: FakeRasa,
    caplog: pytest.LogCaptureFixture, secret: str
) -> None:
    """Officers are recognised by who sent an update: no bridge with a guessable secret."""
    from bot.channels.telegram import WEAK_SECRET_LOG

    settings = gateway_settings(fake_telegram, fake_rasa, telegram_officers_chat_id="-100123",
                                telegram_webhook_url="https://example.org/telegram/webhook",
                                telegram_webhook_secret=secret)
    app = create_app(settings)
    assert RUNNER_KEY not in app and OFFICERS_HOOK_KEY not in app
    assert WEAK_SECRET_LOG in [r.getMessage() for r in caplog.records]
    url = await start_gateway(settings)
    assert await post_update(url, {"update_id": 1}, secret) in (404, 405)
    await asyncio.sleep(0.2)
    assert not fake_telegram.calls_of("setWebhook", ok_only=False)


async def test_polling_mode_needs_no_webhook_secret(fake_telegram: FakeTelegram,
                                                    fake_rasa: FakeRasa) -> None:
    app = create_app(gateway_settings(fake_telegram, fake_rasa, telegram_webhook_secret=""))
    assert RUNNER_KEY in app


async def test_shutdown_finishes_an_accepted_update(
    bridge: RunningBridge, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    async def slow(sender: str, message: str) -> Replies:
        await asyncio.sleep(0.8)
        return [{"text": "处理完了"}]

    fake_rasa.respond = slow
    fake_telegram.send_text(73, "你好")
    await fake_telegram.wait_for(lambda: bool(fake_rasa.received))
    await bridge.runner.stop()
    assert fake_telegram.sent_texts(73) == ["处理完了"]
    # The final getUpdates confirmed the update, so a restart will not fetch it again.
    assert fake_telegram.updates == []
    assert isinstance(bridge.runner, BridgeRunner) and not bridge.runner.application.running


async def test_gateway_process_answers_and_stops_promptly_on_sigterm(
    fake_telegram: FakeTelegram, fake_rasa: FakeRasa, tmp_path: Path
) -> None:
    """`python -m bot.gateway.app` as `make run` starts it, stopped like the launcher does."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_API_BASE_URL": fake_telegram.base_url, "RASA_URL": fake_rasa.url,
           "GATEWAY_PORT": str(free_port()), "VAR_DIR": str(tmp_path)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.gateway.app", cwd=str(REPO_ROOT), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        poll = await fake_telegram.wait_for_long_poll(timeout=60)
        update = fake_telegram.send_text(74, "你好")
        [_call] = await fake_telegram.wait_sent(74, timeout=30)
        assert fake_telegram.handed_out_by(update["update_id"]) is poll  # long polling
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), timeout=10)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = output.decode()
    assert process.returncode == 0, log
    assert "Telegram bridge stopped" in log
    assert TOKEN not in log  # the token is part of every Bot API URL
