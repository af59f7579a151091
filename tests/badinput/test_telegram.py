"""Bad input through Telegram: the real bridge against the fake Bot API (long polling,
router → the real Rasa stack) and the gateway's webhook endpoint."""
from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.channels.telegram import WEBHOOK_PATH
from bot.conversation.router import EMPTY_REPLY, TOO_LONG_REPLY
from bot.gateway.app import create_app
from bot.settings import Settings
from bot.store.migrate import upgrade
from tests.badinput.catalogue import CHINESE, leaks, record, short
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.stack import Stack

pytestmark = [pytest.mark.stack, pytest.mark.slow]

BRIDGE = "Telegram (fake Bot API)"
WEBHOOK = "Telegram webhook"
SECRET = "bad-input-secret_0123456789-abcdefghij"  # >= 32 characters
CONTROL = "\x00\x07你好\x1b[31m\u202e\u200b"
TEXTS = [  # (case, text, expected reply fragment)
    ("whitespace only", " \u3000 \t", EMPTY_REPLY[:6]),
    ("20,000 characters", "事故" * 10_000, TOO_LONG_REPLY[:8]),
    ("emoji only", "🚗💥😡🙏", ""),
    ("control/bidi characters", CONTROL, ""),
    ("HTML/JS", '<script>alert("x")</script><b>粗体</b>', ""),
    ("SQL fragment", "'; DROP TABLE cases; --", ""),
    ("forged case number", "/status XF-2099-999999", ""),
]


@pytest.mark.parametrize("case, text, expected", TEXTS, ids=[t[0] for t in TEXTS])
async def test_bad_text_through_the_bridge(case: str, text: str, expected: str, stack: Stack,
                                           start_bridge, fake_telegram: FakeTelegram) -> None:
    await start_bridge(rasa_url=stack.rasa_url, rasa_token=stack.rasa_token)
    chat = 770_000 + TEXTS.index((case, text, expected))
    fake_telegram.send_text(chat, text)
    await fake_telegram.wait_sent(chat, 1, timeout=60)
    sent = "\n".join(fake_telegram.sent_texts(chat))
    ok = bool(CHINESE.search(sent)) and expected in sent and "系统繁忙" not in sent
    record(BRIDGE, case, "中文回答" + (f"“{expected}…”" if expected else ""), short(sent, 40), ok)
    assert ok, sent


@pytest.fixture
async def webhook_gateway(stack: Stack, fake_telegram: FakeTelegram,
                          tmp_path: Path) -> AsyncIterator[str]:
    """The real gateway (create_app) in webhook mode on a random port."""
    database = f"sqlite:///{tmp_path / 'app.db'}"
    upgrade(database)
    settings = dataclasses.replace(
        Settings(), database_url=database, rasa_url=stack.rasa_url,
        rasa_auth_token=stack.rasa_token, telegram_bot_token=TOKEN,
        telegram_api_base_url=fake_telegram.base_url,
        telegram_webhook_url="https://example.invalid/telegram/webhook",
        telegram_webhook_secret=SECRET)
    runner = web.AppRunner(create_app(settings), handle_signals=False, shutdown_timeout=2)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    await fake_telegram.wait_for(lambda: bool(fake_telegram.webhook.get("url")), timeout=20)
    try:
        yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore
    finally:
        await runner.cleanup()


HOOK_CASES = [  # (case, body, headers, expected statuses)
    ("no secret header", b'{"update_id": 1}', {}, {403}),
    ("wrong secret", b'{"update_id": 1}', {"X-Telegram-Bot-Api-Secret-Token": "guess"}, {403}),
    ("malformed JSON", b'{"update_id": 1, "mess', None, {400}),
    ("invalid UTF-8", b'{"update_id": 1, "message": "\xff\xfe"}', None, {400}),
    ("JSON array", b"[1, 2, 3]", None, {400}),
    ("garbage update", b'{"update_id": "x", "message": {"chat": 5}}', None, {400}),
    ("oversized body (300 KiB)", json.dumps({"update_id": 1, "x": "y" * 300_000}).encode(),
     None, {413}),
]


@pytest.mark.parametrize("case, body, headers, statuses", HOOK_CASES,
                         ids=[c[0] for c in HOOK_CASES])
async def test_bad_webhook_requests(case: str, body: bytes, headers: dict[str, str] | None,
                                    statuses: set, webhook_gateway: str) -> None:
    sent_headers = {"Content-Type": "application/json",
                    **({"X-Telegram-Bot-Api-Secret-Token": SECRET} if headers is None else headers)}
    async with aiohttp.ClientSession() as session, session.post(webhook_gateway + WEBHOOK_PATH, data=body,
                            headers=sent_headers) as response:
        text = await response.text()
    ok = response.status in statuses and not leaks(text) and bool(CHINESE.search(text))
    record(WEBHOOK, case, "/".join(map(str, sorted(statuses))) + " + 中文说明",
           f"{response.status} {short(text, 40)}", ok)
    assert response.status < 500, text
    assert ok, (response.status, text)
