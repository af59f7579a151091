"""The gateway's /metrics registry and the metered router (no stack needed)."""
from __future__ import annotations

import math
from pathlib import Path
from typing import List

from bot.conversation.journal import MessageJournal
from bot.conversation.rasa_client import RasaClient
from bot.conversation.router import BUSY_REPLY
from bot.gateway.metrics import ERRORS, LATENCY, MESSAGES, Metrics, MeteredRouter, labels
from bot.store.db import make_engine, make_session_factory
from bot.store.migrate import upgrade
from tests.production import prom
from tests.production.cluster import free_port


def test_render_is_valid_prometheus_text_with_nan_for_a_failing_gauge() -> None:
    metrics = Metrics()
    metrics.inc("x_total", labels(kind='a"b\\c\nd'), help="escaping")
    metrics.observe("y_seconds", 0.07)
    metrics.observe("y_seconds", 3.0)

    def broken() -> float:
        raise RuntimeError("database down")

    metrics.gauge("z_waiting", broken)
    samples = prom.parse(metrics.render())
    assert samples['x_total{kind="a\\"b\\\\c\\nd"}'] == 1
    assert prom.buckets(samples, "y_seconds") == sorted(prom.buckets(samples, "y_seconds"))
    assert samples['y_seconds_bucket{le="0.1"}'] == 1 and samples["y_seconds_count"] == 2
    assert math.isnan(samples["z_waiting"])


async def test_metered_router_counts_outcomes_and_journals_busy_messages(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    upgrade(url)
    journal = MessageJournal(make_session_factory(make_engine(url)), tmp_path / "spool.jsonl")
    metrics = Metrics()
    rasa = RasaClient([f"http://127.0.0.1:{free_port()}"], timeout_seconds=2)  # nobody there
    router = MeteredRouter(rasa, metrics, journal=journal)
    try:
        replies: List[str] = []
        for text in ("你好，电话13912345678", "   ", "长" * 3000):
            replies += [r.text for r in await router.handle("webchat", "web-metrics01", text)]
    finally:
        await rasa.close()
    assert replies[0] == BUSY_REPLY
    samples = prom.parse(metrics.render())
    assert samples[f'{MESSAGES}{{channel="webchat",outcome="busy"}}'] == 1
    assert samples[f'{MESSAGES}{{channel="webchat",outcome="empty_input"}}'] == 1
    assert samples[f'{MESSAGES}{{channel="webchat",outcome="too_long"}}'] == 1
    assert samples[f'{ERRORS}{{kind="busy"}}'] == 1
    assert samples[f"{LATENCY}_count"] == 3
    assert [e.text for e in journal.entries("web-metrics01")] == ["你好，电话13912345678"]
    journal.dispose()
