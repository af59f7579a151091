"""Rasa down, Telegram 429/5xx, and the error handler."""
from __future__ import annotations

import logging

import pytest

from bot.conversation.router import BUSY_REPLY
from tests.fake_telegram import FakeTelegram
from tests.telegram.conftest import RunningBridge, StartBridge, closed_port_url

PHONE = "13812345678"


async def test_rasa_down_sends_the_busy_reply(
    start_bridge: StartBridge, fake_telegram: FakeTelegram
) -> None:
    await start_bridge(rasa_url=closed_port_url())
    fake_telegram.send_text(51, "你好")
    [call] = await fake_telegram.wait_sent(51)
    assert call.params["text"] == BUSY_REPLY


async def test_429_retry_after_is_honoured_and_delivered_once(
    bridge: RunningBridge, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.fail("sendMessage", times=1, status=429, retry_after=1)
    fake_telegram.send_text(52, "你好")
    await fake_telegram.wait_sent(52)
    attempts = fake_telegram.calls_of("sendMessage", 52, ok_only=False)
    assert [c.ok for c in attempts] == [False, True]
    assert attempts[1].at - attempts[0].at >= 1.0
    assert fake_telegram.sent_texts(52) == ["收到：你好"]


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_5xx_is_retried_with_backoff_and_delivered_once(
    bridge: RunningBridge, fake_telegram: FakeTelegram, status: int
) -> None:
    fake_telegram.fail("sendMessage", times=2, status=status)
    fake_telegram.send_text(53, "你好")
    await fake_telegram.wait_sent(53)
    attempts = fake_telegram.calls_of("sendMessage", 53, ok_only=False)
    assert [c.ok for c in attempts] == [False, False, True]
    assert attempts[2].at - attempts[1].at > attempts[1].at - attempts[0].at  # backing off
    assert fake_telegram.sent_texts(53) == ["收到：你好"]


async def test_429_on_callback_answer_and_edit_is_survived(
    bridge: RunningBridge, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.send_text(54, "/start")
    await fake_telegram.wait_sent(54)
    fake_telegram.fail("answerCallbackQuery", times=1, status=429, retry_after=1)
    fake_telegram.fail("editMessageText", times=1, status=502)
    fake_telegram.press(54, fake_telegram.last_message(54)["message_id"], "/ask_how_to_file")
    await fake_telegram.wait_sent(54, 2)
    assert len(fake_telegram.calls_of("answerCallbackQuery")) == 1
    assert len(fake_telegram.calls_of("editMessageText", 54)) == 1


async def test_a_failed_send_is_logged_and_the_citizen_told(
    bridge: RunningBridge, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    fake_telegram.fail("sendMessage", times=1, status=400)
    fake_telegram.send_text(55, "你好")
    [call] = await fake_telegram.wait_sent(55)
    assert call.params["text"] == bridge.bridge.texts.error
    assert "Telegram update" in caplog.text and "BadRequest" in caplog.text


async def test_a_failed_update_is_logged_masked_and_the_citizen_told(
    bridge: RunningBridge, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error whose traceback carries the citizen's message (as a failing parser or
    client may): the error log shows it, masked."""
    async def failing(channel: str, sender_id: str, text: str, metadata: object = None) -> None:
        raise ValueError(f"cannot handle {text!r}")

    monkeypatch.setattr(bridge.router, "handle", failing)
    caplog.set_level(logging.INFO)
    fake_telegram.send_text(55, f"我叫张三，电话{PHONE}")
    [call] = await fake_telegram.wait_sent(55)
    assert call.params["text"] == bridge.bridge.texts.error
    errors = "\n".join(r.getMessage() for r in caplog.records if "Telegram update" in r.getMessage())
    assert "ValueError: cannot handle" in errors  # the message was logged…
    assert "我叫张*，电话138****5678" in errors  # …masked
    assert PHONE not in caplog.text and "张三" not in caplog.text


async def test_the_bridge_recovers_after_telegram_is_down_at_startup(
    start_bridge: StartBridge, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.fail("getMe", times=1, status=502)
    await start_bridge()
    fake_telegram.send_text(56, "你好")
    await fake_telegram.wait_sent(56)
    assert len(fake_telegram.calls_of("getMe", ok_only=False)) >= 2
