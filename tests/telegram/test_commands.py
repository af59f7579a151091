"""Commands: registered in Chinese, /start menu, help, privacy, routed commands."""
from __future__ import annotations

import pytest

from bot.channels.telegram import COMMANDS, ROUTED_COMMANDS
from tests.fake_telegram import FakeTelegram
from tests.telegram.conftest import RunningBridge
from tests.telegram.fake_rasa import FakeRasa


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


async def test_commands_are_registered_with_chinese_descriptions(
    bridge: RunningBridge, fake_telegram: FakeTelegram
) -> None:
    [call] = fake_telegram.calls_of("setMyCommands")
    commands = call.params["commands"]
    assert [c["command"] for c in commands] == list(COMMANDS)
    assert all(has_chinese(c["description"]) for c in commands)
    assert {c["command"] for c in fake_telegram.commands} == {
        "start", "help", "status", "file", "human", "cancel", "privacy"}


async def test_start_shows_welcome_and_main_menu(
    bridge: RunningBridge, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_telegram.send_text(21, "/start")
    [call] = await fake_telegram.wait_sent(21)
    assert call.params["text"] == bridge.bridge.texts.welcome
    buttons = [b for row in call.params["reply_markup"]["inline_keyboard"] for b in row]
    assert [(b["text"], b["callback_data"]) for b in buttons] == [
        ("受理范围", "/ask_scope_overview"), ("如何信访", "/ask_how_to_file"),
        ("查询进度", "/check_case_status"), ("转人工", "/request_human")]
    assert fake_rasa.received == []


async def test_menu_button_goes_to_rasa(
    bridge: RunningBridge, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_telegram.send_text(22, "/start")
    await fake_telegram.wait_sent(22)
    fake_telegram.press(22, fake_telegram.last_message(22)["message_id"], "/request_human")
    await fake_telegram.wait_sent(22, 2)
    assert fake_rasa.messages_from("22") == ["/request_human"]
    assert fake_telegram.last_message(22)["text"] == "收到：/request_human"


@pytest.mark.parametrize("command, text_name", [("/help", "help"), ("/privacy", "privacy")])
async def test_help_and_privacy_answer_from_the_texts_file(
    bridge: RunningBridge, fake_telegram: FakeTelegram, fake_rasa: FakeRasa,
    command: str, text_name: str
) -> None:
    fake_telegram.send_text(23, command)
    [call] = await fake_telegram.wait_sent(23)
    assert call.params["text"] == getattr(bridge.bridge.texts, text_name)
    assert fake_rasa.received == []


async def test_privacy_says_what_how_long_why_and_who(bridge: RunningBridge) -> None:
    privacy = bridge.bridge.texts.privacy
    for words in ("保存什么", "为什么", "保存多久", "谁能看到", "姓名", "电话", "打码"):
        assert words in privacy


@pytest.mark.parametrize("command", sorted(ROUTED_COMMANDS))
async def test_routed_commands_send_their_payload(
    bridge: RunningBridge, fake_telegram: FakeTelegram, fake_rasa: FakeRasa, command: str
) -> None:
    fake_telegram.send_text(24, f"/{command}")
    [call] = await fake_telegram.wait_sent(24)
    payload = ROUTED_COMMANDS[command]
    assert fake_rasa.messages_from("24") == [payload]
    assert call.params["text"] == f"收到：{payload}"


async def test_command_addressed_to_the_bot_by_name(
    bridge: RunningBridge, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_telegram.send_text(25, "/status@jj_petition_bot")
    await fake_telegram.wait_sent(25)
    assert fake_rasa.messages_from("25") == ["/check_case_status"]


async def test_unknown_command_points_to_help(
    bridge: RunningBridge, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_telegram.send_text(26, "/weather")
    [call] = await fake_telegram.wait_sent(26)
    assert call.params["text"] == bridge.bridge.texts.unknown_command
    assert fake_rasa.received == []
