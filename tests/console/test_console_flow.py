"""The console over HTTP against the real gateway app (fake Rasa): live queue, escaping,
claim/reply/close with the citizen's web chat socket, flags, transfers, cases, audit."""
from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.audit.models import AuditEntry
from bot.cases.codes import CodeHasher
from bot.cases.service import CaseService
from bot.handoff.citizen import start_handoff
from bot.handoff.service import HandoffService
from bot.handoff.texts import default_texts
from bot.settings import Settings
from bot.store.db import session_scope
from tests.console.conftest import NewClient
from tests.handoff.fake_rasa_api import FakeRasaApi, Replies
from tests.handoff.fixtures import PASSWORD, Officers

TEXTS = default_texts()
CITIZEN = "web-consoleflow01"


@pytest.fixture(autouse=True)
def rasa_runs_the_handoff_action(rasa_api: FakeRasaApi, factory: sessionmaker,
                                 console_settings: Settings) -> None:
    """The fake Rasa opens the handoff like action_request_human does (real clock)."""
    service = HandoffService(factory)

    async def respond(sender: str, text: str, metadata: dict[str, Any]) -> Replies:
        if text != "/request_human":
            return [{"text": f"收到：{text}"}]
        start = await asyncio.to_thread(start_handoff, service, metadata.get("channel", "webchat"),
                                        sender, settings=console_settings)
        if start.pause:
            rasa_api.events[sender].append({"event": "pause"})
        return [{"text": r.text, "buttons": [b.to_rasa() for b in r.buttons]} for r in start.replies]

    rasa_api.respond = respond


async def chat(gateway: TestClient, text: str, sender: str = CITIZEN) -> list[str]:
    response = await gateway.post("/api/chat", json={"sender": sender, "message": text})
    assert response.status == 200
    return [m["text"] for m in (await response.json())["messages"]]


async def pushed(ws: ClientWebSocketResponse, timeout: float = 5.0) -> list[dict[str, Any]]:
    message = await ws.receive(timeout=timeout)
    return json.loads(message.data)["messages"]


def audit(factory: sessionmaker) -> list[tuple[str, str]]:
    with session_scope(factory) as session:
        return [(e.actor, e.action) for e in
                session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]


async def test_full_loop_in_the_console(gateway: TestClient, new_client: NewClient,
                                        officers: Officers, rasa_api: FakeRasaApi,
                                        factory: sessionmaker) -> None:
    officer = await new_client()
    await officer.login("wang", PASSWORD)
    live = await officer.client.ws_connect("/console/ws")
    citizen_ws = await gateway.ws_connect(f"/api/chat/ws?sender={CITIZEN}")

    # the citizen asks for a person; the officer's console hears about it at once
    replies = await chat(gateway, "/request_human")
    assert "转接民警" in replies[0] and "分钟" in replies[0]
    event = await live.receive_json(timeout=3)
    assert event["type"] == "queue"
    handoff_id = event["handoff"]
    queue = await officer.get("/console/queue/fragment?tab=waiting")
    assert f'data-handoff-id="{handoff_id}"' in queue and "群众要求转人工" in queue

    # what the citizen types while waiting is kept for the officer (HTML shown, not run)
    assert rasa_api.paused(CITIZEN)
    assert await chat(gateway, "<script>alert('x')</script>我的车被拖走了") == [
        TEXTS.get("waiting_ack")]
    assert (await live.receive_json(timeout=3))["type"] == "message"
    page = await officer.get(f"/console/handoffs/{handoff_id}")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;我的车被拖走了" in page
    assert "<script>alert(" not in page

    # claim → the citizen is told an officer joined; reply → the citizen gets it once
    await officer.post(f"/console/handoffs/{handoff_id}/claim")
    assert [m["text"] for m in await pushed(citizen_ws)] == [
        TEXTS.get("officer_joined", officer="王警官")]
    assert rasa_api.paused(CITIZEN)
    await officer.post(f"/console/handoffs/{handoff_id}/reply", {"text": "您好，请说一下车牌号"})
    assert [m["text"] for m in await pushed(citizen_ws)] == ["【民警王警官】您好，请说一下车牌号"]
    assert await chat(gateway, "苏A12345") == []  # goes to the officer, not the bot
    transcript = await officer.get(f"/console/handoffs/{handoff_id}/transcript")
    assert "苏A12345" in transcript and "您好，请说一下车牌号" in transcript

    # flag a citizen message for retraining (text re-read on the server)
    key = transcript.split('name="key" value="')[1].split('"')[0]
    await officer.post(f"/console/handoffs/{handoff_id}/flag", {"key": key})
    assert "已标记重训" in await officer.get(f"/console/handoffs/{handoff_id}/transcript")
    await officer.post(f"/console/handoffs/{handoff_id}/flag", {"key": "msg:999999"})

    # close → the bot resumes and asks for a rating, with buttons
    await officer.post(f"/console/handoffs/{handoff_id}/close", {"note": "已告知取车地点"})
    [resumed] = await pushed(citizen_ws)
    assert resumed["text"] == TEXTS.get("resumed")
    assert resumed["buttons"][0]["payload"] == '/rate_service{"rating":"5"}'
    assert not rasa_api.paused(CITIZEN)
    assert await chat(gateway, "谢谢") == ["收到：谢谢"]
    closed = await officer.get("/console/queue?tab=closed")
    assert f'data-handoff-id="{handoff_id}"' in closed
    assert {("wang", a) for a in ("claim", "officer", "flag_retraining", "close", "view_handoff")} <= set(
        audit(factory))
    await live.close()
    await citizen_ws.close()


async def test_two_officers_in_the_console_only_one_claims(gateway: TestClient,
                                                           new_client: NewClient,
                                                           officers: Officers,
                                                           service: HandoffService) -> None:
    view = service.request("telegram", "5151", "requested").handoff
    wang, li = await new_client(), await new_client()
    await wang.login("wang", PASSWORD)
    await li.login("li", PASSWORD)
    first, second = await asyncio.gather(
        wang.client.post(f"/console/handoffs/{view.id}/claim", data={"csrf": wang.csrf},
                         allow_redirects=False),
        li.client.post(f"/console/handoffs/{view.id}/claim", data={"csrf": li.csrf},
                       allow_redirects=False))
    outcomes = sorted(r.headers["Location"].split("msg=")[1] for r in (first, second))
    assert outcomes == ["claim_failed", "claimed"]


async def test_transfer_and_release(gateway: TestClient, new_client: NewClient,
                                    officers: Officers, service: HandoffService) -> None:
    view = service.request("telegram", "5252", "requested").handoff
    wang, li = await new_client(), await new_client()
    await wang.login("wang", PASSWORD)
    await li.login("li", PASSWORD)
    await wang.post(f"/console/handoffs/{view.id}/claim")
    response = await li.post(f"/console/handoffs/{view.id}/reply", {"text": "插一句"})
    assert response.headers["Location"].endswith("msg=reply_failed")
    page = await wang.get(f"/console/handoffs/{view.id}")
    assert "李警官（li）" in page and "转交" in page
    await wang.post(f"/console/handoffs/{view.id}/transfer", {"officer_id": str(officers.li.id)})
    assert service.get(view.id).officer_id == officers.li.id
    assert f'data-handoff-id="{view.id}"' in await li.get("/console/queue/fragment?tab=mine")
    await li.post(f"/console/handoffs/{view.id}/release")
    assert service.get(view.id).status == "waiting"


async def test_escaping_everywhere_a_citizen_or_officer_writes(gateway: TestClient,
                                                               new_client: NewClient,
                                                               officers: Officers,
                                                               service: HandoffService) -> None:
    sender = "web-escape000001"
    view = service.request("webchat", sender, "requested").handoff
    service.add_message(view.id, "citizen", '<img src=x onerror="alert(1)">')
    client = await new_client()
    await client.login("wang", PASSWORD)
    await client.post(f"/console/handoffs/{view.id}/claim")
    await client.post(f"/console/handoffs/{view.id}/note", {"text": "<b>bold</b>"})
    page = await client.get(f"/console/handoffs/{view.id}")
    assert "<img src=x" not in page and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page


async def test_cases_in_the_console(gateway: TestClient, new_client: NewClient,
                                    officers: Officers, factory: sessionmaker,
                                    service: HandoffService) -> None:
    cases = CaseService(factory, hasher=CodeHasher(time_cost=1, memory_cost=1024))
    filed = cases.file_case(matter="traffic_order", petitioner_name="张三丰",
                            petitioner_phone="13812345678", channel="online",
                            description="小区门口每天有车辆违法停车<script>", requested_outcome="请处罚",
                            reasons="堵塞消防通道", sender_id="web-casecitizen1")
    view = service.request("webchat", "web-casecitizen1", "requested").handoff
    client = await new_client()
    await client.login("wang", PASSWORD)
    listing = await client.get("/console/cases")
    assert filed.case_number in listing and "张**" in listing and "13812345678" not in listing
    handoff_page = await client.get(f"/console/handoffs/{view.id}")
    assert "张三丰" in handoff_page and "13812345678" in handoff_page  # officers see it all
    page = await client.get(f"/console/cases/{filed.case_number}")
    assert "&lt;script&gt;" in page and "查看完整个人信息" in page
    await client.post(f"/console/cases/{filed.case_number}/status",
                      {"status": "accepted", "note": "已书面告知受理"})
    assert cases.get(filed.case_number).status.value == "accepted"
    await client.post(f"/console/cases/{filed.case_number}/extend",
                      {"days": "20", "reason": "需要调取监控"})
    assert cases.get(filed.case_number).extension_days == 20
    bad = await client.post(f"/console/cases/{filed.case_number}/status",
                            {"status": "closed", "note": ""}, status=400)
    assert "不能从" in await bad.text()
    await client.get("/console/cases/XF-2099-999999", status=404)
    actions = set(audit(factory))
    assert {("wang", "case_status"), ("wang", "case_extend"), ("wang", "view_case")} <= actions
