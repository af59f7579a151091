"""The /wechat endpoint: verification, signatures (plain and 安全模式), replays, passive
replies and the slow path through 客服消息."""
from __future__ import annotations

import dataclasses
import logging
import time

import pytest

from bot.channels.wechat.gateway import REFUSED_LOG, refused_settings
from bot.settings import Settings
from tests.handoff.fake_rasa_api import FakeRasaApi
from tests.wechat.conftest import Gate, Gateway, StartGateway
from tests.wechat.fake_wechat import AES_KEY, APP_ID, FakeWeChatApi, WeChatServer, sign, text_xml

USER = "oUser_verification_000000001"


async def test_get_verification_echoes_echostr(gateway: Gateway) -> None:
    wechat = gateway.wechat()
    answer = await wechat.verify("echo-1234567890")
    assert (answer.status, answer.body) == (200, "echo-1234567890")


async def test_get_verification_with_a_bad_or_missing_signature_is_refused(
        gateway: Gateway) -> None:
    wechat = gateway.wechat()
    query = wechat.signed_query(echostr="x")
    bad = await wechat.verify("x", {**query, "signature": "0" * 40})
    missing = await wechat.verify("x", {"echostr": "x", "timestamp": query["timestamp"],
                                        "nonce": query["nonce"]})
    assert (bad.status, missing.status) == (403, 403)
    assert "x" not in bad.body


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "aes"])
async def test_text_is_answered_passively(start_gateway: StartGateway, rasa: FakeRasaApi,
                                          wechat_api: FakeWeChatApi, encrypted: bool) -> None:
    gateway = await start_gateway(**({"wechat_aes_key": AES_KEY} if encrypted else {}))
    answer = await gateway.wechat(encrypted).text(USER, "你好")
    assert answer.reply_text() == "收到：你好"
    if encrypted:
        assert "<Encrypt>" in answer.body and "收到" not in answer.body
    assert rasa.received == [(USER, "你好")]
    assert wechat_api.sent == []  # nothing went through the API


async def test_unsigned_or_forged_posts_get_403_and_are_not_processed(
        gateway: Gateway, rasa: FakeRasaApi) -> None:
    wechat = gateway.wechat()
    xml = text_xml(USER, "伪造")
    query, body = wechat.envelope(xml, USER)
    unsigned = await wechat.post(xml, query={"openid": USER}, body=body)
    forged = await wechat.post(xml, query={**query, "signature": sign("wrong", query["timestamp"],
                                                                      query["nonce"])}, body=body)
    assert (unsigned.status, forged.status) == (403, 403)
    assert "success" not in unsigned.body
    assert rasa.received == []


async def test_encrypted_posts_need_the_message_signature_and_our_key(
        encrypted_gateway: Gateway, rasa: FakeRasaApi) -> None:
    wechat = encrypted_gateway.wechat(encrypted=True)
    query, body = wechat.envelope(text_xml(USER, "伪造"), USER)
    bad_msg_signature = await wechat.post("", query={**query, "msg_signature": "0" * 40},
                                          body=body)
    other_key = WeChatServer(encrypted_gateway.url, encrypted=True,
                             aes_key="B" * 42 + "A")  # right token, wrong EncodingAESKey
    wrong_key = await other_key.text(USER, "伪造")
    other_app = WeChatServer(encrypted_gateway.url, encrypted=True, app_id="wx_someone_else")
    wrong_app = await other_app.text(USER, "伪造")
    assert [bad_msg_signature.status, wrong_key.status, wrong_app.status] == [403, 403, 403]
    assert rasa.received == []


async def test_a_replayed_message_is_answered_once(gateway: Gateway, rasa: FakeRasaApi) -> None:
    wechat = gateway.wechat()
    xml = text_xml(USER, "重复的消息", msg_id=424242)
    first = await wechat.post(xml, USER)
    again = await wechat.post(xml, USER)  # new nonce and signature, same MsgId
    assert first.reply_text() == "收到：重复的消息"
    assert (again.status, again.body) == (200, "success")
    assert rasa.received == [(USER, "重复的消息")]


async def test_an_old_timestamp_is_not_processed(gateway: Gateway, rasa: FakeRasaApi) -> None:
    wechat = gateway.wechat()
    old = await wechat.post(text_xml(USER, "很久以前"), USER, timestamp=int(time.time()) - 3600)
    assert (old.status, old.body) == (200, "success")
    assert rasa.received == []


async def test_replay_protection_survives_a_restart(start_gateway: StartGateway,
                                                    rasa: FakeRasaApi,
                                                    migrated_db_url: str) -> None:
    xml = text_xml(USER, "重启前", msg_id=777001)
    first = await start_gateway(migrated_db_url)
    assert (await first.wechat().post(xml, USER)).reply_text() == "收到：重启前"
    await first.stop()
    second = await start_gateway(migrated_db_url)
    again = await second.wechat().post(xml, USER)
    assert again.body == "success"
    assert rasa.received == [(USER, "重启前")]


async def test_slow_rasa_answer_goes_as_customer_service_message(
        gateway: Gateway, rasa: FakeRasaApi, wechat_api: FakeWeChatApi) -> None:
    gate = Gate()
    rasa.respond = gate.respond
    gateway.endpoint.passive_seconds = 0.05
    answer = await gateway.wechat().text(USER, "慢一点的问题")
    assert (answer.status, answer.body) == (200, "success")
    assert wechat_api.sent == []
    gate.release.set()
    assert await wechat_api.wait_sent(USER) == ["收到：慢一点的问题"]
    assert len(wechat_api.token_requests) == 1


async def test_one_users_messages_are_answered_in_order(
        gateway: Gateway, rasa: FakeRasaApi, wechat_api: FakeWeChatApi) -> None:
    """The first (slow) answer goes out before the second, although both go as 客服消息."""
    gate = Gate()
    rasa.respond = gate.respond
    gateway.endpoint.passive_seconds = 0.05
    wechat = gateway.wechat()
    assert (await wechat.text(USER, "第一条")).body == "success"
    assert (await wechat.text(USER, "第二条")).body == "success"
    gate.release.set()
    assert await wechat_api.wait_sent(USER, 2) == ["收到：第一条", "收到：第二条"]
    assert len(wechat_api.token_requests) == 1  # the access token is cached


async def test_production_refuses_weak_wechat_secrets(
        start_gateway: StartGateway, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    gateway = await start_gateway(wechat_token="short", deployment="production")
    answer = await gateway.wechat().verify("x")
    assert answer.status == 404  # /wechat is not mounted
    assert REFUSED_LOG.format(names="WECHAT_TOKEN") in caplog.text


def test_refused_settings() -> None:
    strong = "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6"
    local = dataclasses.replace(Settings(), wechat_token="short")
    production = dataclasses.replace(local, deployment="production", wechat_token=strong,
                                     wechat_app_id=APP_ID, wechat_app_secret="CHANGE_ME",
                                     wechat_aes_key=AES_KEY)
    assert refused_settings(local) == []  # local mode: any token
    assert refused_settings(production) == ["WECHAT_APP_SECRET"]
    assert refused_settings(dataclasses.replace(local, wechat_aes_key="too-short",
                                                wechat_app_id=APP_ID)) == [
        "WECHAT_AES_KEY"]
    assert refused_settings(dataclasses.replace(local, wechat_aes_key=AES_KEY)) == [
        "WECHAT_APP_ID"]
