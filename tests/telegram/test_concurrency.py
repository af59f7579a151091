"""Twenty chats at once: every chat's messages are answered in order."""
from __future__ import annotations

import asyncio

from tests.fake_telegram import FakeTelegram
from tests.telegram.conftest import RunningBridge
from tests.telegram.fake_rasa import FakeRasa, Replies

CHATS = [1000 + i for i in range(20)]
PER_CHAT = 5


async def test_twenty_chats_concurrently_keep_per_chat_order(
    bridge: RunningBridge, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_rasa.max_delay = 0.05  # replies come back out of order unless the bridge orders them
    for n in range(PER_CHAT):
        for chat in CHATS:
            fake_telegram.send_text(chat, f"第{n}条")
    await fake_telegram.wait_for(
        lambda: all(len(fake_telegram.sent_texts(c)) == PER_CHAT for c in CHATS), timeout=30)

    expected = [f"收到：第{n}条" for n in range(PER_CHAT)]
    for chat in CHATS:
        assert fake_telegram.sent_texts(chat) == expected
        assert fake_rasa.messages_from(str(chat)) == [f"第{n}条" for n in range(PER_CHAT)]
    assert fake_rasa.max_in_flight > 1  # chats ran side by side…
    assert fake_rasa.max_in_flight_per_sender == 1  # …but each chat one message at a time
    # per-chat locks are cleaned up (released just after the last send: wait for it)
    await fake_telegram.wait_for(lambda: len(bridge.bridge.locks) == 0)


async def test_one_chat_waits_for_its_slow_message_but_others_do_not(
    bridge: RunningBridge, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    release = asyncio.Event()  # the slow message is held until the test lets it go

    async def respond(sender: str, message: str) -> Replies:
        if message == "慢":
            await release.wait()
        return [{"text": f"收到：{message}"}]

    fake_rasa.respond = respond
    fake_telegram.send_text(61, "慢")
    fake_telegram.send_text(61, "快")
    fake_telegram.send_text(62, "快")
    await fake_telegram.wait_sent(62)  # another chat is answered while 61 is held
    assert fake_telegram.sent_texts(61) == []
    assert fake_rasa.messages_from("61") == ["慢"]  # 61's second message waits for its first
    release.set()
    await fake_telegram.wait_sent(61, 2)
    assert fake_telegram.sent_texts(61) == ["收到：慢", "收到：快"]
