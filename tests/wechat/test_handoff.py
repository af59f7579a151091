"""Officers' replies in a handoff reach the WeChat user as 客服消息; when WeChat's 48-hour
window is closed the console's transcript says so, and the message follows once the
citizen writes again."""
from __future__ import annotations

from bot.handoff.models import Kind, Reason
from bot.handoff.runtime import HandoffRuntime
from bot.web.keys import ACCOUNTS_KEY, RUNTIME_KEY
from tests.handoff.fake_rasa_api import FakeRasaApi
from tests.wechat.conftest import Gateway
from tests.wechat.fake_wechat import FakeWeChatApi

USER = "oUser_handoff_000000000000004"


async def _claimed(gateway: Gateway) -> tuple[HandoffRuntime, int, object]:
    runtime: HandoffRuntime = gateway.app[RUNTIME_KEY]
    officer = gateway.app[ACCOUNTS_KEY].create("wang", "王警官", "correct-horse-42")
    opened = await runtime.db(runtime.service.request, "wechat", USER, Reason.REQUESTED)
    assert await runtime.claim(opened.handoff.id, officer) is not None
    return runtime, opened.handoff.id, officer


async def test_officer_reply_reaches_the_wechat_user(
        gateway: Gateway, rasa: FakeRasaApi, wechat_api: FakeWeChatApi) -> None:
    await gateway.wechat().text(USER, "我要转人工")  # the 48-hour window is open
    runtime, handoff_id, officer = await _claimed(gateway)
    await runtime.reply(handoff_id, officer, "您好，我是王警官，请说说您的情况。")  # type: ignore
    sent = await wechat_api.wait_sent(USER, 2)
    assert sent[-1] == "【民警王警官】您好，我是王警官，请说说您的情况。"
    # The citizen's next message goes to the officer, not to the bot.
    answer = await gateway.wechat().text(USER, "我的车被拖走了")
    assert answer.body == "success"
    texts = [m.text for m in await runtime.db(runtime.service.messages, handoff_id)]
    assert "我的车被拖走了" in texts
    assert (USER, "我的车被拖走了") not in rasa.received
    # Closing resumes the bot, whose rating buttons arrive as a numbered list.
    await runtime.close(handoff_id, officer, "已解答")  # type: ignore
    await wechat_api.wait_for(lambda: any("1." in t for t in wechat_api.texts_to(USER)))
    await gateway.wechat().text(USER, "5")
    assert rasa.received[-1][1].startswith("/rate_service")


async def test_a_closed_window_is_shown_in_the_console_and_delivered_later(
        gateway: Gateway, rasa: FakeRasaApi, wechat_api: FakeWeChatApi) -> None:
    wechat_api.closed.add(USER)  # the citizen's last message is older than 48 hours
    runtime, handoff_id, officer = await _claimed(gateway)
    await runtime.reply(handoff_id, officer, "请问您方便接电话吗？")  # type: ignore
    await wechat_api.wait_for(lambda: bool(wechat_api.refused))
    messages = await runtime.db(runtime.service.messages, handoff_id)
    notes = [m.text for m in messages if m.kind == Kind.NOTE]
    assert len(notes) == 1 and "48小时" in notes[0]
    assert not [m for m in messages if m.kind in Kind.OUTGOING and m.delivered]
    # Retries do not call WeChat again nor repeat the note while the window is closed.
    await runtime.deliver_pending()
    assert len(wechat_api.refused) == 1
    notes = [m for m in await runtime.db(runtime.service.messages, handoff_id)
             if m.kind == Kind.NOTE]
    assert len(notes) == 1
    # The citizen writes again: the window is open, the officer's message follows.
    wechat_api.closed.clear()
    await gateway.wechat().text(USER, "我回来了")
    sent = await wechat_api.wait_sent(USER, 2)
    assert sent == [runtime.texts.get("officer_joined", officer="王警官"),
                    "【民警王警官】请问您方便接电话吗？"]
