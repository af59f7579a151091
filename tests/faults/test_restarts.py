"""Kill and restart each part of the production-shape stack during a conversation.

While something is down the citizen gets a clear 系统繁忙 reply; afterwards the
conversation continues where it was, the case and handoff of the baseline are
unchanged, and every message is either in the conversation (answered) or in the
journal (busy reply) — none lost, none duplicated.
"""
from __future__ import annotations

import random

import pytest
import requests

from tests.faults.helpers import (
    BUSY,
    Citizen,
    assert_intact,
    assert_nothing_lost,
    health,
    postgresql_down,
    redis_down,
    tracker_texts,
    wait_for,
    web_sender,
)
from tests.production import prom
from tests.production.cluster import Cluster

pytestmark = [pytest.mark.stack, pytest.mark.slow, pytest.mark.postgres]


def spooled(cluster: Cluster) -> float:
    text = requests.get(f"{cluster.gateway_url}/metrics", timeout=15).text
    return prom.parse(text)["assistant_journal_spooled"]


def test_action_server_crash(cluster: Cluster, baseline: dict[str, list]) -> None:
    citizen = Citizen(cluster)
    assert BUSY not in citizen.say("你好")
    cluster.kill("actions")
    assert BUSY in citizen.say("事故认定书多久能出")  # needs a custom action
    cluster.start("actions")
    answer = citizen.say_until_answered("事故认定书多久能出")
    assert "认定" in answer
    assert_nothing_lost(cluster, citizen)
    assert_intact(cluster, baseline)


def test_rasa_crash_fails_over_then_busy_then_continues_the_form(
        cluster: Cluster, baseline: dict[str, list]) -> None:
    first, second = cluster.rasa_names
    citizen = Citizen(cluster, web_sender(preferred_instance=0))
    citizen.say("我要信访")
    cluster.kill(first)
    # The sender's own instance is gone: the other one continues the same form.
    assert "姓名" in citizen.say('/describe_matter{"matter":"accident_determination"}')
    assert health(cluster)["status"] == "degraded"
    cluster.kill(second)
    assert BUSY in citizen.say("张三")
    assert set(health(cluster)["rasa"].values()) == {"down"}
    cluster.start(first, second)
    assert "手机号" in citizen.say_until_answered("张三")
    assert_nothing_lost(cluster, citizen)
    assert_intact(cluster, baseline)


def test_gateway_crash_telegram_messages_wait_and_are_answered_once(
        cluster: Cluster, baseline: dict[str, list]) -> None:
    telegram = cluster.telegram
    assert telegram is not None
    chat = random.randint(10**8, 10**9)
    first = telegram.run(telegram.fake.send_text, chat, "你好")
    telegram.wait_sent(chat, 1)
    # idle: the bridge's next long poll has confirmed the update (no fixed pause)
    wait_for(lambda: telegram.run(telegram.fake.confirmed, first["update_id"]), timeout=30)
    cluster.kill("gateway")
    with pytest.raises(requests.ConnectionError):
        cluster.chat(web_sender(), "你好", timeout=5)
    telegram.send_text(chat, "事故认定书多久能出")
    telegram.send_text(chat, "谢谢")
    cluster.start("gateway")
    expected = ["你好", "事故认定书多久能出", "谢谢"]
    wait_for(lambda: len(tracker_texts(cluster, str(chat))) >= 3, timeout=60)
    # A marker, not a pause: one chat's updates are handled in order, so a duplicate of
    # an earlier update (handed out again after the restart) would come before it.
    telegram.send_text(chat, "再见")
    wait_for(lambda: tracker_texts(cluster, str(chat))[-1:] == ["再见"], timeout=60)
    assert tracker_texts(cluster, str(chat)) == [*expected, "再见"]
    assert all(BUSY not in text for text in telegram.sent_texts(chat))
    assert_intact(cluster, baseline)


def test_postgresql_restart(cluster: Cluster, baseline: dict[str, list]) -> None:
    citizen = Citizen(cluster)
    assert BUSY not in citizen.say("你好")
    with postgresql_down():
        assert BUSY in citizen.say("事故认定书多久能出")
        state = health(cluster)
        assert state["database"] == "down" and state["status"] == "degraded"
        assert spooled(cluster) >= 1  # journaled locally while our database is down
    citizen.say_until_answered("事故认定书多久能出")
    wait_for(lambda: spooled(cluster) == 0, timeout=30)  # the spool moved into PostgreSQL
    assert health(cluster)["status"] == "ok"
    assert_nothing_lost(cluster, citizen)
    assert_intact(cluster, baseline)


def test_redis_restart(cluster: Cluster, baseline: dict[str, list]) -> None:
    citizen = Citizen(cluster)
    assert BUSY not in citizen.say("你好")
    with redis_down():
        assert BUSY in citizen.say("事故认定书多久能出")  # no lock, no turn
    citizen.say_until_answered("事故认定书多久能出")
    assert_nothing_lost(cluster, citizen)
    assert_intact(cluster, baseline)
