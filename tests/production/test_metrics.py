"""The gateway's /metrics (prometheus_client) and the metered router (no stack needed)."""
from __future__ import annotations

import dataclasses
import math
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot.conversation.journal import MessageJournal
from bot.conversation.rasa_client import RasaClient
from bot.conversation.router import BUSY_REPLY, ConversationRouter, Handled, Outcome
from bot.gateway.app import create_app
from bot.gateway.metrics import (
    CONTENT_TYPE,
    ERRORS,
    FALLBACKS,
    LATENCY,
    MESSAGES,
    MeteredRouter,
    Metrics,
)
from bot.replies import FALLBACK_SIGNAL, HANDOFF_SIGNAL, Reply
from bot.settings import Settings
from bot.store.db import make_engine, make_session_factory
from bot.store.migrate import upgrade
from bot.web.keys import ENGINE_KEY, FACTORY_KEY, METRICS_KEY
from tests.production import prom
from tests.production.cluster import free_port
from tests.telegram.fake_rasa import FakeRasa


def test_exposition_parses_and_a_failing_gauge_reads_nan() -> None:
    metrics = Metrics()
    metrics.errors.labels(kind='a"b\\c\nd').inc()
    metrics.latency.observe(0.07)
    metrics.latency.observe(3.0)

    def broken() -> float:
        raise RuntimeError("database down")

    metrics.gauge("z_waiting", broken, "a gauge whose reading fails")
    families = {f.name: f for f in text_string_to_metric_families(metrics.render().decode())}
    assert families["assistant_errors"].type == "counter"
    assert families[LATENCY].type == "histogram" and families["z_waiting"].type == "gauge"
    samples = prom.parse(metrics.render().decode())
    assert samples[f'{ERRORS}{{kind="a\\"b\\\\c\\nd"}}'] == 1
    assert samples[f'{ERRORS}{{kind="busy"}}'] == 0  # series exist from the start
    assert samples[f'{FALLBACKS}{{channel="telegram"}}'] == 0
    assert prom.buckets(samples, LATENCY) == sorted(prom.buckets(samples, LATENCY))
    assert samples[f'{LATENCY}_bucket{{le="0.1"}}'] == 1 and samples[f"{LATENCY}_count"] == 2
    assert math.isnan(samples["z_waiting"])


def test_every_app_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()  # would raise "Duplicated timeseries" if shared
    first.messages.labels(channel="webchat", outcome="answered").inc()
    key = f'{MESSAGES}{{channel="webchat",outcome="answered"}}'
    assert prom.parse(first.render().decode())[key] == 1
    assert key not in prom.parse(second.render().decode())


class ScriptedRasa(RasaClient):
    """Rasa's REST answers, without a server."""

    def __init__(self, answers: dict[str, list[Reply]]) -> None:
        super().__init__(["http://127.0.0.1:1"])
        self.answers = answers

    async def send(self, sender_id: str, text: str,
                   metadata: dict[str, Any] | None = None) -> list[Reply]:
        return list(self.answers[text])


async def test_the_router_reports_a_structured_outcome() -> None:
    rasa = ScriptedRasa({
        "你好": [Reply("您好"), Reply("", signal=HANDOFF_SIGNAL)],
        "阿巴阿巴": [Reply("抱歉，我没太明白"), Reply("", signal=FALLBACK_SIGNAL)],
        "出错": [],
    })
    router = ConversationRouter(rasa)
    hello = await router.handle_message("webchat", "web-outcome01", "你好")
    assert hello == Handled([Reply("您好")], Outcome.ANSWERED, (HANDOFF_SIGNAL,))
    assert not hello.fallback
    missed = await router.handle_message("webchat", "web-outcome01", "阿巴阿巴")
    assert missed.outcome is Outcome.ANSWERED and missed.fallback
    assert (await router.handle_message("webchat", "web-outcome01", "出错")).outcome \
        is Outcome.NO_REPLY
    assert (await router.handle_message("webchat", "web-outcome01", " ")).outcome \
        is Outcome.EMPTY_INPUT
    assert await router.handle("webchat", "web-outcome01", "你好") == [Reply("您好")]

    async def officer(channel: str, sender_id: str, text: str) -> list[Reply] | None:
        return [Reply("已转给民警")]

    router.add_interceptor(officer)
    claimed = await router.handle_message("webchat", "web-outcome01", "你好")
    assert claimed == Handled([Reply("已转给民警")], Outcome.TO_OFFICER)


async def test_metered_router_counts_outcomes_and_journals_busy_messages(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    upgrade(url)
    journal = MessageJournal(make_session_factory(make_engine(url)), tmp_path / "spool.jsonl")
    metrics = Metrics()
    rasa = RasaClient([f"http://127.0.0.1:{free_port()}"], timeout_seconds=2)  # nobody there
    router = MeteredRouter(rasa, metrics, journal=journal)
    try:
        replies: list[str] = []
        for text in ("你好，电话13912345678", "   ", "长" * 3000):
            replies += [r.text for r in await router.handle("webchat", "web-metrics01", text)]
    finally:
        await rasa.close()
    assert replies[0] == BUSY_REPLY
    samples = prom.parse(metrics.render().decode())
    assert samples[f'{MESSAGES}{{channel="webchat",outcome="busy"}}'] == 1
    assert samples[f'{MESSAGES}{{channel="webchat",outcome="empty_input"}}'] == 1
    assert samples[f'{MESSAGES}{{channel="webchat",outcome="too_long"}}'] == 1
    assert samples[f'{ERRORS}{{kind="busy"}}'] == 1
    assert samples[f"{LATENCY}_count"] == 3
    assert [e.text for e in journal.entries("web-metrics01")] == ["你好，电话13912345678"]
    journal.dispose()


async def test_metered_router_counts_fallbacks_and_officer_messages_from_the_outcome() -> None:
    metrics = Metrics()
    router = MeteredRouter(ScriptedRasa({
        "阿巴阿巴": [Reply("抱歉"), Reply("", signal=FALLBACK_SIGNAL)],
        "出错": []}), metrics)

    async def officer(channel: str, sender_id: str, text: str) -> list[Reply] | None:
        return [] if text == "在吗" else None

    router.add_interceptor(officer)
    for text in ("阿巴阿巴", "出错", "在吗"):
        await router.handle("telegram", "42", text)
    samples = prom.parse(metrics.render().decode())
    assert samples[f'{FALLBACKS}{{channel="telegram"}}'] == 1
    assert samples[f'{MESSAGES}{{channel="telegram",outcome="answered"}}'] == 1
    assert samples[f'{MESSAGES}{{channel="telegram",outcome="no_reply"}}'] == 1
    assert samples[f'{MESSAGES}{{channel="telegram",outcome="to_officer"}}'] == 1
    assert samples[f'{ERRORS}{{kind="no_reply"}}'] == 1
    assert samples[f"{LATENCY}_count"] == prom.total(samples, MESSAGES) == 3


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[TestClient]:
    database = f"sqlite:///{tmp_path / 'app.db'}"
    upgrade(database)
    async with FakeRasa() as rasa:
        settings = dataclasses.replace(Settings(), database_url=database, rasa_url=rasa.url,
                                       telegram_bot_token="")
        client = TestClient(TestServer(create_app(settings)))
        await client.start_server()
        try:
            yield client
        finally:
            await client.close()


async def test_metrics_endpoint_counts_a_web_chat_message_once(gateway: TestClient) -> None:
    answer = await gateway.post("/api/chat", json={"sender": "web-metrics0002", "message": "你好"})
    assert answer.status == 200
    response = await gateway.get("/metrics")
    assert response.status == 200 and response.headers["Content-Type"] == CONTENT_TYPE
    assert CONTENT_TYPE.startswith("text/plain; version=0.0.4")
    text = await response.text()
    samples = prom.parse(text)
    assert prom.total(samples, MESSAGES) == 1
    assert samples[f'{MESSAGES}{{channel="webchat",outcome="answered"}}'] == 1
    assert samples[f"{LATENCY}_count"] == 1
    assert not any(name.startswith("gateway_message") for name in samples)  # no second count
    assert samples['gateway_http_responses_total{code="2xx"}'] >= 1
    kinds = prom.types(text)
    assert kinds[MESSAGES] == "counter" and kinds["assistant_journal_spooled"] == "gauge"
    assert samples["assistant_journal_spooled"] == 0


async def test_two_apps_in_one_process_count_separately(tmp_path: Path) -> None:
    first, second = (create_app(dataclasses.replace(
        Settings(), database_url=f"sqlite:///{tmp_path / f'app{n}.db'}",
        telegram_bot_token="")) for n in (1, 2))
    first[METRICS_KEY].messages.labels(channel="webchat", outcome="answered").inc()
    assert prom.total(prom.parse(second[METRICS_KEY].render().decode()), MESSAGES) == 0
    # Building an app opens no database: the engine comes with the app's startup.
    assert ENGINE_KEY not in first and first[FACTORY_KEY].kw.get("bind") is None


@pytest.mark.parametrize("misses", [0, 1])
async def test_the_fallback_action_signals_a_miss_after_its_reply(misses: int) -> None:
    """The metrics count fallbacks from this signal, not from the reply's wording."""
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.fallback import ActionFallbackSuggest

    events: list[dict[str, Any]] = [{"event": "action", "name": "action_listen"}]
    for _ in range(misses):
        events += [{"event": "user", "text": "阿巴阿巴",
                    "parse_data": {"intent": {"name": "nlu_fallback", "confidence": 1.0}}},
                   {"event": "action", "name": "action_fallback_suggest"},
                   {"event": "action", "name": "action_listen"}]
    latest = {"text": "呜啦啦", "intent": {"name": "nlu_fallback", "confidence": 1.0},
              "intent_ranking": [], "entities": []}
    events.append({"event": "user", "text": "呜啦啦", "parse_data": latest})
    dispatcher = CollectingDispatcher()
    await ActionFallbackSuggest().run(dispatcher, Tracker("web-fallback01", {}, latest, events, False,
                                                          None, {}, "action_listen"), {})
    *replies, signal = dispatcher.messages
    assert replies and replies[0]["text"]
    assert signal["custom"] == {"signal": FALLBACK_SIGNAL} and not signal.get("text")
