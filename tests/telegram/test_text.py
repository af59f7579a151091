"""Text messages: a round trip through the router, fake Rasa and the real Rasa stack."""
from __future__ import annotations

import pytest

from bot.channels.telegram import BridgeRunner, build_application
from bot.channels.telegram import bridge as bridge_module
from bot.conversation import ConversationRouter, RasaClient
from bot.conversation.delivery import DeliveryHub
from bot.replies import Button, Reply
from tests.fake_telegram import FakeTelegram
from tests.stack import Stack
from tests.telegram.conftest import RunningBridge, bridge_settings
from tests.telegram.fake_rasa import FakeRasa, Replies


async def test_text_round_trip_uses_chat_id_as_conversation_id(
    bridge: RunningBridge, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    fake_telegram.send_text(4242, "你好")
    sent = await fake_telegram.wait_sent(4242)
    assert [c.params["text"] for c in sent] == ["收到：你好"]
    assert fake_rasa.received == [("4242", "你好")]
    assert bridge.router.channels["4242"] == "telegram"


async def test_every_reply_is_sent_in_order(
    bridge: RunningBridge, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    async def three(sender: str, message: str) -> Replies:
        return [{"text": "第一条"}, {"text": "第二条"}, {"text": "第三条"}]

    fake_rasa.respond = three
    fake_telegram.send_text(7, "事故认定书多久能出")
    await fake_telegram.wait_sent(7, 3)
    assert fake_telegram.sent_texts(7) == ["第一条", "第二条", "第三条"]


async def test_typing_is_shown_while_rasa_is_slow(
    bridge: RunningBridge, fake_telegram: FakeTelegram, fake_rasa: FakeRasa
) -> None:
    """Rasa answers only once the indicator has been shown (an event, not a sleep that a
    busy machine could outlast or cut short)."""
    async def slow(sender: str, message: str) -> Replies:
        await fake_telegram.wait_for(lambda: bool(fake_telegram.calls_of("sendChatAction", 8)))
        return [{"text": "好的"}]

    fake_rasa.respond = slow
    fake_telegram.send_text(8, "在吗")
    await fake_telegram.wait_sent(8)
    assert fake_telegram.sent_texts(8) == ["好的"]  # not the error text: typing was shown
    actions = fake_telegram.calls_of("sendChatAction", 8)
    assert actions and actions[0].params["action"] == "typing"
    assert actions[-1].at < fake_telegram.calls_of("sendMessage", 8)[0].at


async def test_fast_answers_skip_the_typing_indicator(
    bridge: RunningBridge, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The indicator waits TYPING_DELAY before showing. With a delay no round trip comes near,
    a busy machine cannot make the answer "slow"; an indicator sent at once still fails."""
    monkeypatch.setattr(bridge_module, "TYPING_DELAY", 60.0)
    fake_telegram.send_text(9, "你好")
    await fake_telegram.wait_sent(9)
    assert fake_telegram.calls_of("sendChatAction", 9) == []


async def test_delivery_hub_sends_officer_replies_with_keyboard(
    bridge: RunningBridge, fake_telegram: FakeTelegram
) -> None:
    replies = [Reply("工作人员：您好，我是值班民警。", [Button("满意", "/affirm")])]
    assert await bridge.delivery.deliver("telegram", "555", replies)
    [call] = await fake_telegram.wait_sent(555)
    assert call.params["text"] == "工作人员：您好，我是值班民警。"
    assert call.params["reply_markup"]["inline_keyboard"] == [
        [{"text": "满意", "callback_data": "/affirm"}]]


@pytest.mark.stack
async def test_round_trip_through_the_real_rasa_stack(
    stack: Stack, fake_telegram: FakeTelegram
) -> None:
    settings = bridge_settings(fake_telegram)
    router = ConversationRouter(RasaClient([stack.rasa_url], stack.rasa_token))
    runner = BridgeRunner(build_application(settings, router, DeliveryHub()), settings)
    runner.start()
    try:
        await fake_telegram.wait_for(runner.started.is_set)
        poll = await fake_telegram.wait_for_long_poll()
        update = fake_telegram.send_text(31337, "你好")
        [first, *_] = await fake_telegram.wait_sent(31337, timeout=30)
        latency = first.at - fake_telegram.available_at[update["update_id"]]
        print(f"\nTelegram → Rasa stack → Telegram: first reply after {latency:.2f}s")
        assert first.params["text"].strip()
        assert fake_telegram.handed_out_by(update["update_id"]) is poll  # long polling
        user_events = [e for e in stack.tracker("31337")["events"] if e["event"] == "user"]
        assert user_events[-1]["text"] == "你好"
    finally:
        await runner.stop()
        await router.rasa.close()
