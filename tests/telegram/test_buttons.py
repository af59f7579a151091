"""Rasa buttons become inline keyboards; pressing one sends its payload once."""
from __future__ import annotations

import json
from typing import Any

from bot.channels.telegram.keyboards import CALLBACK_DATA_BYTES, CallbackPayloads
from tests.fake_telegram import Call, FakeTelegram
from tests.telegram.conftest import RunningBridge
from tests.telegram.fake_rasa import FakeRasa

LONG_PAYLOAD = '/describe_matter{"matter":"accident_determination","area":"浦东新区交通支队"}'


async def with_buttons(sender: str, message: str) -> list[dict[str, Any]]:
    if message.startswith("/"):
        return [{"text": f"您选择了 {message}"}]
    return [{"text": "您想了解哪一类？", "buttons": [
        {"title": "受理范围", "payload": "/ask_scope_overview"},
        {"title": "事故认定不服怎么办", "payload": LONG_PAYLOAD},
    ]}]


def keyboard(call: Call) -> list[list[dict[str, str]]]:
    rows: list[list[dict[str, str]]] = call.params["reply_markup"]["inline_keyboard"]
    return rows


async def test_buttons_become_an_inline_keyboard(
    bridge: RunningBridge, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_rasa.respond = with_buttons
    fake_telegram.send_text(11, "我想咨询")
    [call] = await fake_telegram.wait_sent(11)
    assert call.params["text"] == "您想了解哪一类？"
    buttons = [b for row in keyboard(call) for b in row]
    assert [b["text"] for b in buttons] == ["受理范围", "事故认定不服怎么办"]
    assert buttons[0]["callback_data"] == "/ask_scope_overview"
    assert len(LONG_PAYLOAD.encode()) > CALLBACK_DATA_BYTES
    assert len(buttons[1]["callback_data"].encode()) <= CALLBACK_DATA_BYTES


async def test_pressing_a_button_marks_the_message_and_sends_the_payload(
    bridge: RunningBridge, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_rasa.respond = with_buttons
    fake_telegram.send_text(12, "我想咨询")
    [call] = await fake_telegram.wait_sent(12)
    message_id = fake_telegram.last_message(12)["message_id"]
    data = keyboard(call)[-1][-1]["callback_data"]
    fake_telegram.press(12, message_id, data)
    await fake_telegram.wait_sent(12, 2)

    assert fake_telegram.calls_of("answerCallbackQuery")
    [edit] = fake_telegram.calls_of("editMessageText", 12)
    assert edit.params["text"] == "您想了解哪一类？\n\n✅ 已选择：事故认定不服怎么办"
    assert "reply_markup" not in edit.params  # keyboard removed
    assert "reply_markup" not in fake_telegram.messages[(12, message_id)]
    assert fake_rasa.messages_from("12") == ["我想咨询", LONG_PAYLOAD]
    assert fake_telegram.sent_texts(12)[-1] == f"您选择了 {LONG_PAYLOAD}"


async def test_a_button_is_not_processed_twice(
    bridge: RunningBridge, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_rasa.respond = with_buttons
    fake_telegram.send_text(13, "我想咨询")
    await fake_telegram.wait_sent(13)
    message_id = fake_telegram.last_message(13)["message_id"]
    # Both presses arrive before the keyboard is gone (a fast double tap).
    fake_telegram.press(13, message_id, "/ask_scope_overview")
    fake_telegram.press(13, message_id, "/ask_scope_overview")
    await fake_telegram.wait_for(lambda: len(fake_telegram.calls_of("answerCallbackQuery")) == 2)
    await fake_telegram.wait_sent(13, 2)
    assert fake_rasa.messages_from("13") == ["我想咨询", "/ask_scope_overview"]
    answers = [c.params.get("text") for c in fake_telegram.calls_of("answerCallbackQuery")]
    assert answers[0] is None and answers[1] == bridge.bridge.texts.already_chosen


async def test_an_expired_long_payload_key_is_explained(
    bridge: RunningBridge, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_rasa.respond = with_buttons
    fake_telegram.send_text(14, "我想咨询")
    await fake_telegram.wait_sent(14)
    message_id = fake_telegram.last_message(14)["message_id"]
    fake_telegram.press(14, message_id, "k:0000000000000000deadbeef")
    await fake_telegram.wait_for(lambda: bool(fake_telegram.calls_of("answerCallbackQuery")))
    [answer] = fake_telegram.calls_of("answerCallbackQuery")
    assert answer.params["text"] == bridge.bridge.texts.button_expired
    assert fake_rasa.messages_from("14") == ["我想咨询"]


def test_payload_map_is_bounded_and_round_trips() -> None:
    payloads = CallbackPayloads(capacity=3)
    long = [f'/describe_matter{{"matter":"{"x" * 60}{i}"}}' for i in range(5)]
    keys = [payloads.data_for(p) for p in long]
    assert len(payloads) == 3
    assert payloads.payload_for(keys[-1]) == long[-1]
    assert payloads.payload_for(keys[0]) is None  # evicted
    assert payloads.data_for("/greet") == "/greet"
    assert payloads.payload_for("/greet") == "/greet"
    assert json.dumps(keys[0]).isascii()
