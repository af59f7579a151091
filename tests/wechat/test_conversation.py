"""What WeChat users get: splitting, numbered choices, menu clicks, subscribe/unsubscribe,
voice and other message kinds."""
from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from bot.channels.wechat.cli import main as wechat_cli
from bot.channels.wechat.formatting import MAX_MESSAGE_BYTES, split_text, utf8_len
from bot.channels.wechat.texts import default_texts
from bot.labels import label_button
from bot.replies import Reply
from bot.web.keys import DELIVERY_KEY
from tests.handoff.fake_rasa_api import FakeRasaApi
from tests.wechat.conftest import Gateway, wechat_settings
from tests.wechat.fake_wechat import FakeWeChatApi, message_xml

USER = "oUser_conversation_0000000002"
SENTENCE = "交通事故认定书应当在规定期限内作出，当事人对认定有异议的可以申请复核。"


def test_split_text_keeps_sentences_within_the_byte_limit() -> None:
    text = SENTENCE * 60
    parts = split_text(text)
    assert len(parts) > 1
    assert all(utf8_len(part) <= MAX_MESSAGE_BYTES for part in parts)
    assert all(part.endswith("。") for part in parts)
    assert "".join(parts) == text


def test_split_text_never_cuts_a_link() -> None:
    link = '<a href="https://example.org/petition">网上信访平台</a>'
    text = "说" * 2030 + link
    parts = split_text(text)
    assert parts[-1].endswith(link) and all(utf8_len(p) <= MAX_MESSAGE_BYTES for p in parts)


async def test_a_long_answer_is_split_passive_first_then_customer_service(
        gateway: Gateway, rasa: FakeRasaApi, wechat_api: FakeWeChatApi) -> None:
    long_text = SENTENCE * 60

    async def long_answer(sender: str, text: str, metadata: dict[str, Any]):  # type: ignore
        return [{"recipient_id": sender, "text": long_text}]

    rasa.respond = long_answer
    answer = await gateway.wechat().text(USER, "事故认定")
    first = answer.reply_text()
    assert utf8_len(first) <= MAX_MESSAGE_BYTES and first.endswith("。")
    expected = split_text(long_text)
    rest = await wechat_api.wait_sent(USER, len(expected) - 1)
    assert [first, *rest] == expected


async def test_buttons_become_a_numbered_list_answered_by_number(
        gateway: Gateway, rasa: FakeRasaApi) -> None:
    async def ask(sender: str, text: str, metadata: dict[str, Any]):  # type: ignore
        if text == "被收费了":
            return [{"text": "请问是哪种情况？", "buttons": [
                {"title": "路边停车收费", "payload": '/describe_matter{"matter":"parking_fee"}'},
                {"title": "拖车费", "payload": '/describe_matter{"matter":"towing_fee"}'}]}]
        return [{"text": f"收到：{text}"}]

    rasa.respond = ask
    wechat = gateway.wechat()
    shown = (await wechat.text(USER, "被收费了")).reply_text()
    assert "1. 路边停车收费" in shown and "2. 拖车费" in shown
    assert default_texts().choose_hint in shown
    unknown = (await wechat.text(USER, "7")).reply_text()
    assert unknown == default_texts().choice_unknown.format(number=7)
    assert (await wechat.text(USER, "２")).reply_text() == '收到：/describe_matter{"matter":"towing_fee"}'
    # The list is used once: a later number is ordinary text again.
    assert (await wechat.text(USER, "2")).reply_text() == "收到：2"
    assert [text for _, text in rasa.received] == [
        "被收费了", '/describe_matter{"matter":"towing_fee"}', "2"]


async def test_menu_clicks_send_the_buttons_payloads(gateway: Gateway, rasa: FakeRasaApi) -> None:
    wechat = gateway.wechat()
    for item in default_texts().menu:
        await wechat.event(USER, "CLICK", item.key)
    intents = ["ask_scope_overview", "file_petition", "check_case_status", "request_human"]
    assert [text for _, text in rasa.received] == [label_button(i).payload for i in intents]
    retired = await wechat.event(USER, "CLICK", "NO_SUCH_KEY")
    assert retired.reply_text() == default_texts().menu_unknown
    assert len(rasa.received) == 4


async def test_menu_command_creates_the_menu(rasa: FakeRasaApi, wechat_api: FakeWeChatApi,
                                             wechat_db: str, capsys: Any) -> None:
    settings = wechat_settings(wechat_db, rasa, wechat_api)
    assert await asyncio.to_thread(wechat_cli, ["menu"], settings) == 0
    [menu] = wechat_api.menus
    buttons = [b for top in menu["button"] for b in top.get("sub_button", [top])]
    assert [b["name"] for b in buttons] == ["受理范围", "我要信访", "查询进度", "转人工"]
    assert {b["key"] for b in buttons} == {item.key for item in default_texts().menu}
    assert len(menu["button"]) <= 3
    assert "已创建自定义菜单" in capsys.readouterr().out
    assert await asyncio.to_thread(wechat_cli, ["menu", "--print"], settings) == 0
    assert json.loads(capsys.readouterr().out) == menu


async def test_subscribe_greets_with_privacy_notice_and_unsubscribe_stops_messages(
        gateway: Gateway, rasa: FakeRasaApi, wechat_api: FakeWeChatApi) -> None:
    wechat, texts = gateway.wechat(), default_texts()
    greeting = await wechat.event(USER, "subscribe")
    assert greeting.reply_text() == texts.welcome
    assert await wechat_api.wait_sent(USER) == [texts.privacy]
    assert (await wechat.event(USER, "unsubscribe")).body == "success"
    delivered = await gateway.app[DELIVERY_KEY].deliver("wechat", USER, [Reply("您的信访件有新进展")])
    assert delivered is False
    assert wechat_api.texts_to(USER) == [texts.privacy]  # nothing more was sent
    assert wechat_api.refused == []  # not even tried
    assert rasa.received == []
    # Following again (a later push: events are told apart by CreateTime) makes the
    # user reachable again.
    await wechat.event(USER, "subscribe", created=int(time.time()) + 1)
    assert await gateway.app[DELIVERY_KEY].deliver("wechat", USER, [Reply("您的信访件有新进展")])
    assert "您的信访件有新进展" in await wechat_api.wait_sent(USER, 3)


async def test_voice_uses_the_recognition_text(gateway: Gateway, rasa: FakeRasaApi) -> None:
    wechat = gateway.wechat()
    voice = message_xml(USER, "voice", msg_id=9001, MediaId="media", Format="amr",
                        Recognition="我想查询信访进度")
    assert (await wechat.post(voice, USER)).reply_text() == "收到：我想查询信访进度"
    silent = message_xml(USER, "voice", msg_id=9002, MediaId="media", Format="amr")
    assert (await wechat.post(silent, USER)).reply_text() == default_texts().non_text["voice"]
    assert rasa.received == [(USER, "我想查询信访进度")]


async def test_images_locations_and_links_are_answered_politely(
        gateway: Gateway, rasa: FakeRasaApi) -> None:
    wechat, non_text = gateway.wechat(), default_texts().non_text
    kinds = {
        "image": message_xml(USER, "image", msg_id=9101, PicUrl="http://x/p.jpg", MediaId="m"),
        "location": message_xml(USER, "location", msg_id=9102, Location_X="23.1",
                                Location_Y="113.2", Scale="20", Label="某某路"),
        "link": message_xml(USER, "link", msg_id=9103, Title="t", Description="d",
                            Url="http://example.org"),
    }
    for kind, xml in kinds.items():
        assert (await wechat.post(xml, USER)).reply_text() == non_text[kind]
    assert rasa.received == []
