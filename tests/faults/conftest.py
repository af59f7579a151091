"""Fault tests share the production-shape cluster; this module adds a baseline
(one filed case, one open handoff) every fault must leave untouched."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.faults.helpers import Citizen, services_up, snapshot
from tests.production.cluster import Cluster

PETITION = ["事故认定书超过十天了还没出", "/file_petition",
            '/describe_matter{"matter":"accident_determination"}', "李四", "13912345678",
            "河北省保定市竞秀区朝阳南大街100号",
            "2026年11月2日在中山路发生事故，至今没有收到事故认定书", "请尽快出具事故认定书",
            "已经超过法定期限", "中山路", "跳过", "/affirm"]


@pytest.fixture(scope="module")
def baseline(production: Cluster) -> Iterator[dict[str, list]]:
    """A filed case and a handoff request; the snapshot to compare with after each fault.
    Whatever happens, PostgreSQL and Redis run again when the module ends."""
    production.ensure_running()
    petitioner = Citizen(production)
    for message in PETITION:
        reply = petitioner.say(message)
    assert re.search(r"XF-\d{4}-\d{6}", reply), reply
    Citizen(production).say("转人工")
    state = snapshot(production)
    assert state["cases"] and state["handoffs"]
    try:
        yield state
    finally:
        services_up()
