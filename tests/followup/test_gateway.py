"""回访 in the real gateway: the question reaches the citizen's Telegram chat (fake Bot API)
with three buttons and their open web chat; "不满意" gets the 复查 route and a person on
offer, "满意" thanks; the console case page shows the answer."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from bot.cases.service import CaseService
from bot.followup.service import FollowupService
from bot.web.keys import FOLLOWUP_KEY
from tests.console.helpers import ConsoleClient
from tests.fake_telegram import FakeTelegram, fake_telegram  # noqa: F401 - fixture
from tests.handoff.fake_rasa_api import FakeRasaApi
from tests.handoff.fixtures import PASSWORD, Officers, accounts, factory, fast_hasher, officers, rasa_api  # noqa: F401
from tests.notify.helpers import TG_CHAT, WEB_SENDER, file_case
from tests.notify.test_gateway import cases, gateway, worker_of  # noqa: F401 - fixtures


def answered(cases: CaseService, sender_id: str, phone: str) -> str:  # noqa: F811
    number = file_case(cases, sender_id=sender_id, phone=phone).case_number
    for status in ("accepted", "in_progress", "answered"):
        cases.transition(number, status, "王警官")
    return number


def followup_service(gateway: TestClient) -> FollowupService:  # noqa: F811
    service: FollowupService = gateway.server.app[FOLLOWUP_KEY]
    service.delay = timedelta(0)  # FOLLOWUP_DELAY_HOURS=0: ask at once
    return service


def buttons_of(call: Any) -> list[dict[str, str]]:
    return [button for row in call.params["reply_markup"]["inline_keyboard"] for button in row]


async def test_telegram_question_and_not_satisfied_answer(
        gateway: TestClient, cases: CaseService, officers: Officers,  # noqa: F811
        fake_telegram: FakeTelegram, rasa_api: FakeRasaApi) -> None:  # noqa: F811
    number = answered(cases, TG_CHAT, "13800000001")
    assert followup_service(gateway).plan() == 1
    chat = int(TG_CHAT)
    for _ in range(3):  # the status notices and the question (the gateway's loop may help)
        await worker_of(gateway).run_once()
    await fake_telegram.wait_for(lambda: any("满意吗" in t for t in fake_telegram.sent_texts(chat)))
    [question] = [c for c in fake_telegram.calls_of("sendMessage", chat) if "满意吗" in c.params["text"]]
    assert number in question.params["text"]
    assert [b["text"] for b in buttons_of(question)] == ["满意", "基本满意", "不满意"]
    sent_before = len(fake_telegram.calls_of("sendMessage", chat))
    [message_id] = [key[1] for key, message in fake_telegram.messages.items()
                    if key[0] == chat and "满意吗" in message.get("text", "")]
    fake_telegram.press(chat, message_id, buttons_of(question)[2]["callback_data"])
    await fake_telegram.wait_sent(chat, sent_before + 1)
    reply = fake_telegram.calls_of("sendMessage", chat)[-1]
    assert "复查" in reply.params["text"] and "第三十五条" in reply.params["text"]
    assert [b["callback_data"] for b in buttons_of(reply)] == ["/request_human"]
    assert (TG_CHAT, "不满意") not in rasa_api.received  # the gateway answered it itself
    officer = ConsoleClient(gateway)
    await officer.login("wang", PASSWORD)
    page = await officer.get(f"/console/cases/{number}")
    assert "回访" in page and "rating-unsatisfied" in page


async def test_web_chat_question_over_the_open_socket_and_a_typed_answer(
        gateway: TestClient, cases: CaseService, rasa_api: FakeRasaApi) -> None:  # noqa: F811
    answered(cases, WEB_SENDER, "13800000002")
    followup_service(gateway).plan()
    async with gateway.ws_connect(f"/api/chat/ws?sender={WEB_SENDER}") as ws:
        texts: list[dict[str, Any]] = []
        while not any("满意吗" in m["text"] for m in texts):
            await worker_of(gateway).run_once()
            texts += (await ws.receive_json(timeout=10))["messages"]
    [question] = [m for m in texts if "满意吗" in m["text"]]
    assert [b["payload"] for b in question["buttons"]] == ["满意", "基本满意", "不满意"]
    response = await gateway.post("/api/chat", json={"sender": WEB_SENDER, "message": "挺满意的，谢谢"})
    [reply] = (await response.json())["messages"]
    assert "感谢您的评价" in reply["text"]
    assert (WEB_SENDER, "挺满意的，谢谢") not in rasa_api.received
    await gateway.post("/api/chat", json={"sender": WEB_SENDER, "message": "满意"})
    assert (WEB_SENDER, "满意") in rasa_api.received  # answered once: now an ordinary message
