"""Production shape: two Rasa instances on PostgreSQL (tracker store) and Redis (lock store).

One conversation's messages alternate between the instances (straight to each
REST webhook); the conversation must stay coherent: a form started on A is
continued on B, both trackers show the same events in order, the case lands in
our PostgreSQL database. Also /healthz, /metrics and the shared model server.
"""
from __future__ import annotations

import itertools
import json
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg2
import pytest
import requests

from actions.fallback import FIRST_MISS, SECOND_MISS
from bot.launch.tracker_scrub import HIDDEN
from tests.production import prom
from tests.production.cluster import Cluster

pytestmark = [pytest.mark.stack, pytest.mark.slow, pytest.mark.postgres]

PETITION = [  # (message, text expected in the reply)
    ("事故认定书超过十天了还没出", ""),
    ("/file_petition", ""),
    ('/describe_matter{"matter":"accident_determination"}', "姓名"),
    ("张三", "手机号"),
    ("13812345678", "住址"),
    ("北京市朝阳区建国路88号3单元501室", "经过"),
    ("2026年11月1日在人民路口发生追尾事故，至今没有收到事故认定书", "怎么处理"),
    ("请尽快出具事故认定书", "理由"),
    ("已经超过法定的十日期限", "地点"),
    ("人民路与解放路交叉口", "时间"),
    ("跳过", "请核对"),
    ("/affirm", "XF-"),
]


def texts(messages: list[dict]) -> str:
    return "\n".join(str(m.get("text", "")) for m in messages)


def user_texts(tracker: dict) -> list[str]:
    return [e.get("text") for e in tracker["events"] if e["event"] == "user"]


def comparable(events: list[dict]) -> list[tuple]:
    return [(e["event"], e.get("name"), e.get("text"), e.get("timestamp")) for e in events]


def test_a_form_started_on_one_instance_continues_on_the_other(cluster: Cluster) -> None:
    sender = "prod-" + uuid.uuid4().hex[:10]
    for step, (message, expected) in enumerate(PETITION):
        reply = texts(cluster.rest(step % 2, sender, message))
        assert expected in reply, f"step {step} on instance {step % 2}: {message!r} → {reply!r}"
        if step == 3:  # form running: the other instance must see what this one stored
            slots = cluster.tracker((step + 1) % 2, sender)["slots"]
            assert slots["petitioner_name"] == "张三"
            assert slots["requested_slot"] == "petitioner_phone"
    number = re.search(r"XF-\d{4}-\d{6}", reply).group(0)  # type: ignore[union-attr]
    first, second = cluster.tracker(0, sender), cluster.tracker(1, sender)
    assert comparable(first["events"]) == comparable(second["events"])
    # Stored as scrubbed: answers to the personal questions are hidden, nothing else changed.
    stored = user_texts(first)
    assert len(stored) == len(PETITION)
    assert all(text in (message, HIDDEN) for text, (message, _) in zip(stored, PETITION, strict=True))
    assert stored[3] == stored[4] == stored[5] == HIDDEN  # the name, the phone, the address
    assert "张三" not in json.dumps(first, ensure_ascii=False)
    assert "13812345678" not in json.dumps(first)
    assert "建国路88号" not in json.dumps(first, ensure_ascii=False)
    stamps = [e["timestamp"] for e in first["events"]]
    assert stamps == sorted(stamps)
    with psycopg2.connect(cluster.settings.database_url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT case_number, petitioner_name, petitioner_address, matter FROM cases "
                       "WHERE sender_id = %s", (sender,))
        assert cursor.fetchall() == [(number, "张三", "北京市朝阳区建国路88号3单元501室",
                                      "accident_determination")]


def test_concurrent_messages_of_one_conversation_are_serialised_by_the_lock(
        cluster: Cluster) -> None:
    """Eight messages at once, alternating instances: all kept, turns never interleave."""
    sender = "lock-" + uuid.uuid4().hex[:10]
    messages = ["你好", "谢谢", "事故认定书多久能出", "你是机器人吗", "你好", "谢谢",
                "怎么信访", "再见"]
    with ThreadPoolExecutor(len(messages)) as pool:
        replies = list(pool.map(lambda im: cluster.rest(im[0] % 2, sender, im[1]),
                                enumerate(messages)))
    assert all(replies), "every message got a reply"
    events = cluster.tracker(0, sender)["events"]
    assert sorted(user_texts({"events": events})) == sorted(messages)
    turns = [e["event"] for e in events if e["event"] in ("user", "action")]
    for before, after in itertools.pairwise(turns):
        assert not (before == "user" and after == "user"), "a turn was interleaved"


def test_every_instance_runs_the_model_from_the_one_model_server(cluster: Cluster) -> None:
    statuses = [requests.get(f"{url}/status", params=cluster.rasa_auth, timeout=10).json()
                for url in cluster.rasa_urls]
    assert len({s["model_id"] for s in statuses}) == 1 and statuses[0]["model_file"]
    url = cluster.settings.model_server_url
    assert requests.head(url, timeout=10).status_code == 401  # the model needs the token
    auth = {"Authorization": f"Bearer {cluster.rasa_auth['token']}"}
    head = requests.head(url, headers=auth, timeout=10)
    assert head.status_code == 200 and head.headers["ETag"]
    again = requests.get(url, headers={**auth, "If-None-Match": head.headers["ETag"]}, timeout=10)
    assert again.status_code == 304  # what every instance gets until a new model is deployed


def test_healthz_reports_every_dependency(cluster: Cluster) -> None:
    health = requests.get(f"{cluster.gateway_url}/healthz", timeout=10).json()
    assert health == {"status": "ok", "database": "up",  # names only: no internal URLs
                      "rasa": {f"rasa-{i}": "up" for i in range(1, len(cluster.rasa_urls) + 1)}}


def scrape(cluster: Cluster) -> dict[str, float]:
    response = requests.get(f"{cluster.gateway_url}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return prom.parse(response.text)


def test_metrics_count_messages_latency_fallbacks_errors_and_handoffs(cluster: Cluster) -> None:
    before = scrape(cluster)
    sender = "web-" + uuid.uuid4().hex[:16]
    odd = ["蓝色的香蕉飞过了月亮", "呜啦啦咕噜噜", "你好"]
    replies = [cluster.chat(sender, message) for message in odd]
    fallbacks = sum(1 for r in replies if texts(r).startswith((FIRST_MISS, SECOND_MISS)))
    human = "web-" + uuid.uuid4().hex[:16]
    cluster.chat(human, "转人工")
    deadline = time.monotonic() + 30  # the handoff gauge is cached for 5 s: wait for it
    while True:
        text = requests.get(f"{cluster.gateway_url}/metrics", timeout=10).text
        if prom.parse(text).get("assistant_handoffs_waiting", 0) >= 1:
            break
        assert time.monotonic() < deadline, "the handoff never showed in assistant_handoffs_waiting"
        time.sleep(0.5)
    after = prom.parse(text)
    kinds = prom.types(text)
    assert kinds["assistant_messages_total"] == "counter"
    assert kinds["assistant_reply_seconds"] == "histogram"
    assert kinds["assistant_handoffs_waiting"] == "gauge"
    answered = 'assistant_messages_total{channel="webchat",outcome="answered"}'
    assert after[answered] - before.get(answered, 0) >= len(odd)
    assert (prom.total(after, "assistant_fallbacks_total")
            - prom.total(before, "assistant_fallbacks_total")) == fallbacks
    assert 'assistant_errors_total{kind="busy"}' in after
    buckets = prom.buckets(after, "assistant_reply_seconds")
    assert buckets == sorted(buckets) and buckets[-1] == after["assistant_reply_seconds_count"]
    assert after["assistant_reply_seconds_count"] == prom.total(after, "assistant_messages_total")
    assert after["assistant_handoffs_waiting"] >= 1
    assert after["assistant_journal_spooled"] == 0


def test_logs_are_json_lines_without_unmasked_personal_data(cluster: Cluster) -> None:
    """A normal turn logs no message text; so the same message is also sent while the
    action server is down: Rasa fails the action and answers nothing, the gateway journals
    the message and logs it — masked — and Rasa logs the failure."""
    message = "我叫王小明，电话13912345678，身份证110101199003071234，事故认定书多久能出"
    cluster.chat("web-" + uuid.uuid4().hex[:16], message)
    # Inside the petition form every answer is validated by the action server, whatever
    # the classifier makes of it: with the action server down Rasa answers nothing.
    sender = "web-" + uuid.uuid4().hex[:16]
    cluster.chat(sender, "/file_petition")
    cluster.kill("actions")
    try:
        reply = texts(cluster.chat(sender, message))
    finally:
        cluster.start("actions")
    assert "系统繁忙" in reply, reply  # it took the path that logs the message
    for name in ("gateway", "actions", *cluster.rasa_names):
        log = cluster.log_text(name)
        assert "13912345678" not in log and "110101199003071234" not in log, name
        assert "王小明" not in log, name
    gateway_log = cluster.log_text("gateway")
    assert "我叫王**，电话139****5678，身份证1101**********1234" in gateway_log  # logged, masked
    gateway = [line for line in gateway_log.splitlines() if line.strip()]
    assert gateway and all(json.loads(line)["process"] == "gateway" for line in gateway)


def test_every_rasa_instance_runs_with_the_checked_patches(cluster: Cluster) -> None:
    """bot.launch.rasa_server applied bot.launch.rasa_patches (the installed Rasa matches)."""
    for name in cluster.rasa_names:
        log = cluster.log_text(name)
        assert "Rasa patches applied" in log and "NOT applied" not in log, name
