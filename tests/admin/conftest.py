"""Fixtures of the admin tests: a copy of the project, migrated databases, a seeded tracker store."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.admin.config import AdminConfig
from bot.admin.service import AdminService
from bot.common.clock import utc_now
from tests.admin.project import copy_project
from tests.admin.seed import Act, Bot, Say, flag_message, seed_tracker


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    return copy_project(root)


@pytest.fixture
def admin_config(tmp_path: Path, project: Path) -> AdminConfig:
    from bot.store.migrate import upgrade

    app_url = f"sqlite:///{tmp_path / 'app.db'}"
    upgrade(app_url)
    model = tmp_path / "models" / "current.tar.gz"
    model.parent.mkdir()
    model.write_bytes(b"not a real model")
    return AdminConfig(database_url=app_url, tracker_store_url=f"sqlite:///{tmp_path / 'tracker.db'}",
                       rasa_backends=("http://127.0.0.1:9",), project_root=project,
                       var_dir=tmp_path / "var", initial_model=model)


@pytest.fixture
def service(admin_config: AdminConfig) -> Iterator[AdminService]:
    admin = AdminService(admin_config)
    yield admin
    admin.close()


# What the seeded conversations contain (texts as the citizen typed them).
LOW = "我的车被拖走了怎么办"
GIBBERISH = "阿巴阿巴"
BEFORE_HANDOFF = "电动车上牌要带什么 我电话13812345678"
EXPLICIT_HUMAN = "转人工"
BAD_RATED = "交通事故认定书不服"
GOOD = "你好"
GOOD_RATED = "停车费太贵"
OLD = "很久以前的问题"
FLAGGED = "我叫张三丰，想问问驾照的事"


def seed_conversations(tracker_db: Path, app_db_url: str, now: datetime) -> dict[str, str]:
    """Realistic conversations through Rasa's own tracker store plus one officer flag."""
    seed_tracker(tracker_db, {
        "c-low": (now - timedelta(hours=5), [
            Say(LOW, [("describe_matter", 0.41), ("ask_where_to_go", 0.3), ("request_human", 0.1)],
                [("vehicle_impound", 0.5), ("parking_fee", 0.3), ("traffic_order", 0.1)]),
            Bot("请问您说的是车辆被扣押吗？")]),
        "c-fallback": (now - timedelta(hours=4), [
            Say(GIBBERISH, [("greet", 0.3), ("out_of_scope", 0.2), ("deny", 0.1)], fallback=True)]),
        "c-handoff": (now - timedelta(hours=3), [
            Say(BEFORE_HANDOFF, [("ask_materials", 0.88), ("ask_how_to_file", 0.05)]),
            Bot("办理需要带身份证……"),
            Say(EXPLICIT_HUMAN, [("request_human", 0.97)]),
            Act("action_request_human")]),
        "c-rating": (now - timedelta(hours=2), [
            Say(BAD_RATED, [("describe_matter", 0.93)], [("accident_review", 0.9)]),
            Say('/rate_service{"rating":"1"}', [("rate_service", 1.0)], entities={"rating": "1"})]),
        "c-good": (now - timedelta(hours=1), [
            Say(GOOD, [("greet", 0.99)]), Say("/greet", [("greet", 1.0)]),
            Say(GOOD_RATED, [("describe_matter", 0.95)], [("parking_fee", 0.97)]),
            Say("5分，很满意", [("rate_service", 0.99)])]),
        "c-dup": (now - timedelta(minutes=30), [
            Say(GIBBERISH, [("greet", 0.35), ("out_of_scope", 0.3)], fallback=True)]),
        "c-old": (now - timedelta(days=60), [Say(OLD, [("out_of_scope", 0.3)])]),
    })
    flag_message(app_db_url, "c-flag", FLAGGED, "ask_how_to_file", 0.8, now - timedelta(minutes=10))
    return {"low": LOW, "fallback": GIBBERISH}


@pytest.fixture
def seeded(admin_config: AdminConfig, tmp_path: Path) -> datetime:
    """Seed the tracker store and flags; returns 'now' of the seed."""
    now = utc_now()
    seed_conversations(tmp_path / "tracker.db", admin_config.database_url, now)
    return now


from tests.admin.stack_admin import stack_admin, trained_run  # noqa: E402,F401  (session fixtures)
