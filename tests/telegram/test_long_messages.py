"""Telegram's 4096 limit: long bot replies are split; too-long citizen text is refused."""
from __future__ import annotations

from typing import Any

from bot.channels.telegram.split import MAX_MESSAGE_UNITS, split_message, utf16_len
from bot.conversation.router import TOO_LONG_REPLY
from tests.fake_telegram import FakeTelegram
from tests.telegram.conftest import RunningBridge
from tests.telegram.fake_rasa import FakeRasa

SENTENCE = "事故发生后，当事人对交通事故认定有异议的，可以自收到认定书之日起三日内提出书面复核申请。"
LONG_REPLY = (SENTENCE * 200)[:5000]


async def long_answer(sender: str, message: str) -> list[dict[str, Any]]:
    return [{"text": LONG_REPLY, "buttons": [{"title": "转人工", "payload": "/request_human"}]}]


async def test_a_5000_character_reply_is_split_at_sentences(
    bridge: RunningBridge, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_rasa.respond = long_answer
    fake_telegram.send_text(41, "复核怎么申请")
    calls = await fake_telegram.wait_sent(41, 2)
    texts = [c.params["text"] for c in calls]
    assert len(texts) == 2
    assert all(utf16_len(t) <= MAX_MESSAGE_UNITS for t in texts)
    assert texts[0].endswith("。")
    assert "".join(texts) == LONG_REPLY
    assert "reply_markup" not in calls[0].params  # the keyboard goes with the last part
    assert calls[1].params["reply_markup"]["inline_keyboard"]


async def test_a_5000_character_citizen_message_gets_the_too_long_reply(
    bridge: RunningBridge, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_telegram.send_text(42, "我" * 5000)
    [call] = await fake_telegram.wait_sent(42)
    assert call.params["text"] == TOO_LONG_REPLY
    assert fake_rasa.received == []


def test_split_prefers_sentence_ends() -> None:
    text = "第一句。" * 30 + "没有句号的长尾巴" * 3
    parts = split_message(text, limit=50)
    assert "".join(parts) == text
    assert all(utf16_len(p) <= 50 for p in parts)
    assert all(p.endswith("。") for p in parts[:-2])


def test_split_keeps_closing_quotes_with_their_sentence() -> None:
    parts = split_message("他说：“可以复核。”然后呢？" * 4, limit=20)
    assert all(not p.startswith("”") for p in parts)


def test_split_falls_back_to_spaces_for_words() -> None:
    text = " ".join(["accident-determination"] * 20)
    parts = split_message(text, limit=50)
    assert all(set(p.split()) == {"accident-determination"} for p in parts)
    assert " ".join(parts) == text


def test_split_never_breaks_astral_characters_or_joined_emoji() -> None:
    family = "👨\u200d👩\u200d👧"
    text = ("🚗" * 30) + family * 10
    parts = split_message(text, limit=21)
    assert "".join(parts) == text
    assert all(utf16_len(p) <= 21 for p in parts)
    for part in parts:
        part.encode("utf-16-le").decode("utf-16-le")  # no lone surrogates
        assert not part.startswith("\u200d") and not part.endswith("\u200d")


def test_short_and_empty_texts() -> None:
    assert split_message("你好") == ["你好"]
    assert split_message("   ") == []
