"""Session fixture: one production-shape cluster (PostgreSQL, Redis, two Rasa instances,
the gateway's Telegram bridge polling a fake Bot API).

Registered in ``tests/conftest.py`` so ``tests/production`` and ``tests/faults``
share it; fault tests restart what they killed, and ``cluster`` restarts
anything still down before each test.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.production.cluster import Cluster, production_cluster, reachable
from tests.production.threaded_telegram import ThreadedTelegram
from tests.stack import MODEL

REDIS_DB = 13  # dedicated to this fixture; flushed before and after


@pytest.fixture(scope="session")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Model server, Rasa ×2, action server and gateway on fresh PostgreSQL databases."""
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first (make test does)")
    for port, name in ((5432, "PostgreSQL"), (6379, "Redis")):
        if not reachable(port):  # fail, never skip: CI must notice a missing server
            pytest.fail(f"{name} is required but not running on 127.0.0.1:{port}: run "
                        "`bash scripts/services.sh` (make test does)", pytrace=False)
    root: Path = tmp_path_factory.mktemp("production")
    telegram = ThreadedTelegram()
    telegram.start()
    try:
        for cluster in production_cluster(root, instances=2, redis_db=REDIS_DB,
                                          telegram_base_url=telegram.base_url):
            cluster.telegram = telegram
            yield cluster
    finally:
        telegram.stop()


@pytest.fixture
def cluster(production: Cluster) -> Cluster:
    """The session's cluster with every process running."""
    production.ensure_running()
    return production
