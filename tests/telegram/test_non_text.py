"""Non-text updates get a polite explanation; groups are ignored except the officers' group."""
from __future__ import annotations

import asyncio

import pytest
from telegram import Update

from bot.channels.telegram.bridge import Context
from tests.fake_telegram import FakeTelegram
from tests.telegram.conftest import RunningBridge, StartBridge
from tests.telegram.fake_rasa import FakeRasa

OFFICERS = -1001234567890


@pytest.mark.parametrize("kind", ["photo", "sticker", "voice", "document", "video",
                                  "location", "contact"])
async def test_non_text_messages_are_explained(
    bridge: RunningBridge, fake_telegram: FakeTelegram, fake_rasa: FakeRasa, kind: str
) -> None:
    fake_telegram.send_media(31, kind)
    [call] = await fake_telegram.wait_sent(31)
    assert call.params["text"] == bridge.bridge.texts.non_text[kind]
    assert fake_rasa.received == []


async def test_photo_and_document_replies_suggest_words_or_the_window(
    bridge: RunningBridge
) -> None:
    for kind in ("photo", "document"):
        text = bridge.bridge.texts.non_text[kind]
        assert "文字" in text and "窗口" in text


async def test_edited_message_is_explained_not_processed(
    bridge: RunningBridge, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_telegram.edit_text(32, "我改一下刚才说的")
    [call] = await fake_telegram.wait_sent(32)
    assert call.params["text"] == bridge.bridge.texts.edited
    assert fake_rasa.received == []


async def test_bridge_keeps_working_after_odd_updates(
    bridge: RunningBridge, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.enqueue({"message": fake_telegram.message(33, dice={"emoji": "🎲", "value": 3})})
    fake_telegram.enqueue({"my_chat_member": {
        "chat": fake_telegram.chat(33), "from": fake_telegram.user(33), "date": 1,
        "old_chat_member": {"status": "member", "user": fake_telegram.user(123)},
        "new_chat_member": {"status": "kicked", "until_date": 0,
                            "user": fake_telegram.user(123)}}})
    fake_telegram.send_text(33, "你好")
    await fake_telegram.wait_sent(33, 2)
    assert fake_telegram.sent_texts(33) == [bridge.bridge.texts.non_text["other"], "收到：你好"]


async def test_group_messages_are_ignored(
    bridge: RunningBridge, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_telegram.send_text(-100555, "大家好", chat_type="supergroup")
    fake_telegram.send_text(-555, "/start", chat_type="group")
    fake_telegram.enqueue({"channel_post": {"message_id": 1, "date": 1, "text": "公告",
                                            "chat": fake_telegram.chat(-100777, "channel")}})
    fake_telegram.send_text(34, "你好")  # a private message after them is still answered
    await fake_telegram.wait_sent(34)
    assert fake_telegram.calls_of("sendMessage") == fake_telegram.calls_of("sendMessage", 34)
    assert fake_rasa.received == [("34", "你好")]


async def test_officers_group_reaches_the_hook(
    start_bridge: StartBridge, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    seen: list[str] = []

    async def hook(update: Update, context: Context) -> None:
        assert update.effective_message is not None
        seen.append(str(update.effective_message.text))

    running = await start_bridge(telegram_officers_chat_id=str(OFFICERS))
    running.bridge.officers_group_handler = hook
    fake_telegram.send_text(OFFICERS, "我来处理", chat_type="supergroup")
    other = fake_telegram.send_text(-100999, "别的群", chat_type="supergroup")
    await fake_telegram.wait_for(lambda: seen == ["我来处理"])
    # Both updates handled, not just a pause: the bridge confirmed the other group's update
    # (so it is in the application's queue) and the queue has been worked off.
    await fake_telegram.wait_for(lambda: fake_telegram.confirmed(other["update_id"]))
    await asyncio.wait_for(running.runner.application.update_queue.join(), timeout=10)
    assert seen == ["我来处理"]
    assert fake_telegram.calls_of("sendMessage") == []
    assert fake_rasa.received == []
