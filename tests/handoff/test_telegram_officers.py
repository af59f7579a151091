"""The Telegram officers' group: a notification with 认领, claim by button, reply to the
notification goes to the citizen (fake Bot API, fake Rasa, the real gateway app)."""
from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy.orm import sessionmaker

import bot.accounts.service as accounts_module
from bot.accounts.service import AccountService
from bot.channels.telegram.officers import CLAIM_PREFIX
from bot.gateway.app import create_app
from bot.handoff.citizen import start_handoff
from bot.handoff.service import HandoffService
from bot.handoff.texts import default_texts
from bot.settings import Settings
from tests.fake_telegram import TOKEN, FakeTelegram, fake_telegram  # noqa: F401 - fixture
from tests.handoff.fake_rasa_api import FakeRasaApi, Replies
from tests.handoff.fixtures import PASSWORD, fast_hasher

GROUP = -100777
CITIZEN_CHAT = 321
OFFICER_USER = 555
TEXTS = default_texts()


@pytest.fixture
async def gateway(fake_telegram: FakeTelegram, rasa_api: FakeRasaApi,  # noqa: F811
                  migrated_db_url: str, factory: sessionmaker,
                  monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    settings = dataclasses.replace(
        Settings(), database_url=migrated_db_url, rasa_url=rasa_api.url,
        telegram_bot_token=TOKEN, telegram_api_base_url=fake_telegram.base_url,
        telegram_officers_chat_id=str(GROUP), office_hours=(0, 24), office_weekdays_only=False)
    service = HandoffService(factory)

    async def respond(sender: str, text: str, metadata: dict[str, Any]) -> Replies:
        if text != "/request_human":
            return [{"text": f"收到：{text}"}]
        start = await asyncio.to_thread(start_handoff, service, metadata["channel"], sender,
                                        settings=settings)
        return [{"text": r.text} for r in start.replies]

    rasa_api.respond = respond
    monkeypatch.setattr(accounts_module, "PasswordHasher", fast_hasher)
    runner = web.AppRunner(create_app(settings), handle_signals=False, shutdown_timeout=2)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    await fake_telegram.wait_for(lambda: bool(fake_telegram.calls_of("getUpdates", ok_only=False)))
    try:
        yield "ok"
    finally:
        await runner.cleanup()


def group_update(fake: FakeTelegram, **fields: Any) -> dict[str, Any]:
    return {"message_id": 9000 + len(fake.updates) + len(fake.calls), "date": int(time.time()),
            "chat": fake.chat(GROUP, "supergroup"), "from": fake.user(OFFICER_USER), **fields}


async def test_officers_group_claims_and_replies(gateway: str, fake_telegram: FakeTelegram,  # noqa: F811
                                                 factory: sessionmaker) -> None:
    AccountService(factory, hasher=fast_hasher()).create("wang", "王警官", PASSWORD,
                                                         telegram_user_id=OFFICER_USER)
    fake_telegram.send_text(CITIZEN_CHAT, "/human")
    [notification] = await fake_telegram.wait_sent(GROUP)
    text = notification.params["text"]
    assert "新的人工接管" in text and "群众要求转人工" in text and "/human" not in text
    markup = notification.params["reply_markup"]["inline_keyboard"][0][0]
    assert markup["text"] == "认领" and markup["callback_data"].startswith(CLAIM_PREFIX)
    sent = fake_telegram.last_message(GROUP)

    # 认领 from the group
    fake_telegram.enqueue({"callback_query": {
        "id": "cq1", "from": fake_telegram.user(OFFICER_USER), "chat_instance": "g",
        "message": sent, "data": markup["callback_data"]}})
    await fake_telegram.wait_for(lambda: TEXTS.get("officer_joined", officer="王警官") in
                                 fake_telegram.sent_texts(CITIZEN_CHAT))
    await fake_telegram.wait_for(lambda: "已由王警官认领" in fake_telegram.last_message(GROUP)["text"])

    # a reply to the notification goes to the citizen
    fake_telegram.enqueue({"message": group_update(fake_telegram, text="您好，请问车牌号？",
                                                   reply_to_message=sent)})
    await fake_telegram.wait_for(lambda: "【民警王警官】您好，请问车牌号？" in
                                 fake_telegram.sent_texts(CITIZEN_CHAT))
    await fake_telegram.wait_for(lambda: "已发送给群众。" in fake_telegram.sent_texts(GROUP))


async def test_unknown_telegram_user_cannot_claim(gateway: str, fake_telegram: FakeTelegram,  # noqa: F811
                                                  factory: sessionmaker) -> None:
    fake_telegram.send_text(CITIZEN_CHAT, "/human")
    [notification] = await fake_telegram.wait_sent(GROUP)
    data = notification.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    fake_telegram.enqueue({"callback_query": {
        "id": "cq2", "from": fake_telegram.user(999), "chat_instance": "g",
        "message": fake_telegram.last_message(GROUP), "data": data}})
    await fake_telegram.wait_for(lambda: bool(fake_telegram.calls_of("answerCallbackQuery")))
    assert "没有绑定" in fake_telegram.calls_of("answerCallbackQuery")[0].params["text"]
    assert HandoffService(factory).waiting()[0].status == "waiting"
