"""The gateway runtime: interception, early warning, claim/reply/close with pause/resume in
Rasa, exactly-once delivery, and persistence across a restart of the gateway."""
from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.conversation import ConversationRouter, RasaClient
from bot.handoff.models import Kind, Priority, Reason, Status
from bot.handoff.runtime import HandoffRuntime
from bot.handoff.service import HandoffService
from bot.handoff.texts import default_texts
from tests.handoff.fake_rasa_api import FakeRasaApi
from tests.handoff.fixtures import Deliveries, Officers, make_runtime

TEXTS = default_texts()
SENDER = "web-citizen01"


async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


def count_passes(runtime: HandoffRuntime) -> Callable[[], int]:
    """Count the background loop's completed passes (HandoffRuntime.run calls self.tick)."""
    done = [0]
    tick = runtime.tick

    async def counted() -> None:
        try:
            await tick()
        finally:
            done[0] += 1

    runtime.tick = counted  # type: ignore[method-assign]
    return lambda: done[0]


async def more_passes(passes: Callable[[], int], count: int = 3) -> None:
    """Wait until the loop has completed ``count`` further passes (not a sleep: a busy
    machine may run none in a fixed time and a check after it would pass vacuously)."""
    target = passes() + count
    await until(lambda: passes() >= target)


def router_for(runtime: HandoffRuntime, rasa_api: FakeRasaApi) -> ConversationRouter:
    router = ConversationRouter(runtime.rasa)
    router.add_interceptor(runtime.intercept)
    router.add_observer(runtime.observe)
    return router


async def test_paused_conversation_goes_to_the_officer_not_to_rasa(
        runtime: HandoffRuntime, service: HandoffService, rasa_api: FakeRasaApi) -> None:
    router = router_for(runtime, rasa_api)
    view = service.request("webchat", SENDER, Reason.REQUESTED).handoff
    events = runtime.bus.subscribe()
    first = await router.handle("webchat", SENDER, "我的车被拖走了")
    second = await router.handle("webchat", SENDER, "在吗")
    assert [r.text for r in first] == [TEXTS.get("waiting_ack")]
    assert second == []
    assert rasa_api.received == []
    assert [m.text for m in service.messages(view.id)] == ["我的车被拖走了", "在吗"]
    assert events.get_nowait() == {"type": "message", "handoff": view.id}


async def test_unpaused_or_no_handoff_goes_to_rasa(runtime: HandoffRuntime, service: HandoffService,
                                                   rasa_api: FakeRasaApi) -> None:
    router = router_for(runtime, rasa_api)
    assert [r.text for r in await router.handle("webchat", SENDER, "你好")] == ["收到：你好"]
    service.request("webchat", SENDER, Reason.REQUESTED, paused=False)  # after hours
    assert [r.text for r in await router.handle("webchat", SENDER, "还在吗")] == ["收到：还在吗"]


async def test_conversations_without_a_handoff_skip_the_database(
        runtime: HandoffRuntime, service: HandoffService, rasa_api: FakeRasaApi,
        monkeypatch) -> None:
    router = router_for(runtime, rasa_api)
    await runtime.refresh_index()
    looked_up = []
    original = service.active_for
    monkeypatch.setattr(service, "active_for",
                        lambda *key: looked_up.append(key) or original(*key))
    assert [r.text for r in await router.handle("webchat", SENDER, "你好")] == ["收到：你好"]
    assert looked_up == []
    service.request("webchat", SENDER, Reason.REQUESTED)  # stored by another process
    await runtime.refresh_index()  # the loop's next pass (at least once a second)
    assert [r.text for r in await router.handle("webchat", SENDER, "在吗")] == [
        TEXTS.get("waiting_ack")]
    assert looked_up == [("webchat", SENDER)] and rasa_api.received == [(SENDER, "你好")]


async def test_bot_signal_routes_the_very_next_message_to_the_officer(
        runtime: HandoffRuntime, service: HandoffService, rasa_api: FakeRasaApi) -> None:
    async def hand_off(sender: str, message: str, metadata: dict) -> list:
        service.request("webchat", sender, Reason.REQUESTED)  # what action_request_human does
        rasa_api.events[sender].append({"event": "pause"})
        return [{"recipient_id": sender, "text": "正在为您转接民警"},
                {"recipient_id": sender, "custom": {"signal": "handoff"}}]

    rasa_api.respond = hand_off
    router = router_for(runtime, rasa_api)
    await runtime.refresh_index()
    events = runtime.bus.subscribe()
    runtime.start()
    replies = await router.handle("webchat", SENDER, "转人工")
    assert [(r.text, r.signal) for r in replies] == [("正在为您转接民警", "")]  # signal not shown
    assert [r.text for r in await router.handle("webchat", SENDER, "在吗")] == [
        TEXTS.get("waiting_ack")]
    assert rasa_api.received == [(SENDER, "转人工")]
    while (await asyncio.wait_for(events.get(), 2))["type"] != "queue":
        pass  # officers are alerted at once (a timeout fails the test)


async def test_early_warning_is_urgent_silent_and_alerts_at_once(
        runtime: HandoffRuntime, service: HandoffService, rasa_api: FakeRasaApi) -> None:
    router = router_for(runtime, rasa_api)
    events = runtime.bus.subscribe()
    runtime.start()
    replies = await router.handle("webchat", SENDER, "不给我解决我就去北京上访")
    assert [r.text for r in replies] == ["收到：不给我解决我就去北京上访"]  # the bot answers as usual
    view = service.open_for("webchat", SENDER)
    assert view.priority == Priority.URGENT and view.reason == Reason.EARLY_WARNING
    assert view.warning_tags == ("beijing_petition",) and not view.paused
    event = await asyncio.wait_for(events.get(), 2)
    assert event["type"] == "alert" and event["handoff"] == view.id
    assert "北京" not in str(event) and all("预警" not in r.text for r in replies)


async def test_claim_pauses_and_tells_the_citizen(runtime: HandoffRuntime, service: HandoffService,
                                                  rasa_api: FakeRasaApi, deliveries: Deliveries,
                                                  officers: Officers) -> None:
    view = service.request("webchat", SENDER, Reason.EARLY_WARNING, paused=False).handoff
    claimed = await runtime.claim(view.id, officers.wang)
    assert claimed is not None and service.get(view.id).paused
    assert rasa_api.event_names(SENDER) == ["pause"]
    assert deliveries.texts_to(SENDER) == [TEXTS.get("officer_joined", officer="王警官")]
    assert await runtime.claim(view.id, officers.li) is None


async def test_reply_is_delivered_exactly_once(runtime: HandoffRuntime, service: HandoffService,
                                               deliveries: Deliveries, officers: Officers) -> None:
    view = service.request("webchat", SENDER, Reason.REQUESTED).handoff
    await runtime.claim(view.id, officers.wang)
    assert await runtime.reply(view.id, officers.li, "不是我的对话") is None
    message = await runtime.reply(view.id, officers.wang, "您好，车辆在城东停车场")
    assert message is not None
    await asyncio.gather(*(runtime.deliver_pending() for _ in range(5)))
    await runtime.tick()
    assert deliveries.texts_to(SENDER) == [TEXTS.get("officer_joined", officer="王警官"),
                                           "【民警王警官】您好，车辆在城东停车场"]
    assert service.undelivered() == []


async def test_offline_citizen_gets_messages_when_back_in_order(
        runtime: HandoffRuntime, service: HandoffService, deliveries: Deliveries,
        officers: Officers) -> None:
    view = service.request("webchat", SENDER, Reason.REQUESTED).handoff
    deliveries.offline.add(SENDER)
    await runtime.claim(view.id, officers.wang)
    await runtime.reply(view.id, officers.wang, "第一条")
    await runtime.reply(view.id, officers.wang, "第二条")
    assert deliveries.texts_to(SENDER) == []
    assert len(service.undelivered()) == 3
    passes = count_passes(runtime)
    runtime.start()
    deliveries.offline.clear()  # the page reconnects
    await until(lambda: len(deliveries.texts_to(SENDER)) == 3)
    await more_passes(passes)  # more passes: nothing is delivered twice
    assert deliveries.texts_to(SENDER)[1:] == ["【民警王警官】第一条", "【民警王警官】第二条"]
    assert len(deliveries.texts_to(SENDER)) == 3


async def test_failing_channel_keeps_messages_for_later(runtime: HandoffRuntime,
                                                        service: HandoffService,
                                                        deliveries: Deliveries,
                                                        officers: Officers) -> None:
    view = service.request("telegram", "4242", Reason.REQUESTED).handoff
    deliveries.failing.add("4242")
    await runtime.claim(view.id, officers.wang)
    assert deliveries.texts_to("4242") == [] and len(service.undelivered()) == 1
    assert await runtime.deliver_pending() == 0  # backing off: not retried at once
    deliveries.failing.clear()
    runtime.start()
    await until(lambda: len(deliveries.texts_to("4242")) == 1)  # retried after the backoff
    assert await runtime.deliver_pending() == 0
    assert deliveries.texts_to("4242") == [TEXTS.get("officer_joined", officer="王警官")]


async def test_close_resumes_rasa_and_asks_for_a_rating(
        runtime: HandoffRuntime, service: HandoffService, rasa_api: FakeRasaApi,
        deliveries: Deliveries, officers: Officers) -> None:
    router = router_for(runtime, rasa_api)
    view = service.request("webchat", SENDER, Reason.REQUESTED).handoff
    await runtime.claim(view.id, officers.wang)
    rasa_api.events[SENDER].append({"event": "pause"})  # as ConversationPaused did
    closed = await runtime.close(view.id, officers.wang, "已告知取车地点")
    assert closed is not None and closed.status == Status.CLOSED
    assert rasa_api.event_names(SENDER)[-3:] == ["resume", "bot", "action"]
    assert rasa_api.executed == [(SENDER, "action_handoff_resumed")]
    assert not rasa_api.paused(SENDER)
    assert deliveries.texts_to(SENDER)[-1] == TEXTS.get("resumed")
    assert service.get(view.id).resumed_at is not None
    assert [r.text for r in await router.handle("webchat", SENDER, "谢谢")] == ["收到：谢谢"]
    await runtime.tick()
    assert len(rasa_api.executed) == 1  # resumed once


async def test_close_while_rasa_is_down_resumes_later(
        runtime: HandoffRuntime, service: HandoffService, rasa_api: FakeRasaApi,
        deliveries: Deliveries, officers: Officers) -> None:
    view = service.request("webchat", SENDER, Reason.REQUESTED).handoff
    await runtime.claim(view.id, officers.wang)
    rasa_api.down = True
    assert await runtime.close(view.id, officers.wang, "好") is not None
    assert service.get(view.id).resumed_at is None
    rasa_api.down = False
    runtime.start()
    await until(lambda: service.get(view.id).resumed_at is not None)
    await until(lambda: TEXTS.get("resumed") in deliveries.texts_to(SENDER))
    assert rasa_api.executed == [(SENDER, "action_handoff_resumed")]


async def test_restart_keeps_waiting_paused_and_delivers_once(
        service: HandoffService, rasa_api: FakeRasaApi, officers: Officers) -> None:
    """Gateway A stores messages and dies; gateway B (same database) takes over."""
    first_delivery = Deliveries()
    first_delivery.offline.add(SENDER)
    gateway_a = make_runtime(service, rasa_api.url, first_delivery)
    waiting = service.request("telegram", "777", Reason.REQUESTED).handoff
    assigned = service.request("webchat", SENDER, Reason.REQUESTED).handoff
    await gateway_a.claim(assigned.id, officers.wang)
    await gateway_a.reply(assigned.id, officers.wang, "请提供车牌号")
    await gateway_a.rasa.close()  # "crash": nothing delivered, nothing in memory survives

    second_delivery = Deliveries()
    gateway_b = make_runtime(service, rasa_api.url, second_delivery)
    router = router_for(gateway_b, rasa_api)
    passes = count_passes(gateway_b)
    try:
        gateway_b.start()
        await until(lambda: len(second_delivery.texts_to(SENDER)) == 2)
        assert service.get(waiting.id).status == Status.WAITING
        assert [r for r in await router.handle("webchat", SENDER, "苏A12345")] == []
        assert rasa_api.received == []  # still paused: goes to the officer
        assert service.messages(assigned.id)[-1].text == "苏A12345"
        await more_passes(passes)  # gateway B keeps running: still delivered once
        third = Deliveries()
        gateway_c = make_runtime(service, rasa_api.url, third)
        await gateway_c.tick()
        assert third.sent == [] and len(second_delivery.texts_to(SENDER)) == 2
        await gateway_c.rasa.close()
    finally:
        await gateway_b.stop()
        await gateway_b.rasa.close()


async def test_database_failure_fails_open(rasa_api: FakeRasaApi, tmp_path) -> None:
    from bot.store.db import make_engine, make_session_factory

    broken = HandoffService(make_session_factory(make_engine(f"sqlite:///{tmp_path}/empty.db")))
    runtime = make_runtime(broken, rasa_api.url, Deliveries())
    router = router_for(runtime, rasa_api)
    assert [r.text for r in await router.handle("webchat", SENDER, "你好")] == ["收到：你好"]
    await runtime.tick()  # logs, does not raise
    await runtime.rasa.close()


async def test_private_notes_are_never_delivered(runtime: HandoffRuntime, service: HandoffService,
                                                  deliveries: Deliveries, officers: Officers) -> None:
    view = service.request("webchat", SENDER, Reason.REQUESTED).handoff
    assert await runtime.note(view.id, officers.li, "此人上周来过") is not None
    await runtime.deliver_pending()
    assert deliveries.sent == []
    assert [m.kind for m in service.messages(view.id)] == [Kind.NOTE]


async def test_rasa_client_execute_action(rasa_api: FakeRasaApi) -> None:
    client = RasaClient([rasa_api.url])
    try:
        replies = await client.execute_action("web-x1234567", "action_handoff_resumed")
    finally:
        await client.close()
    assert replies[0].text == TEXTS.get("resumed") and len(replies[0].buttons) == 5
