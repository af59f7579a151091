"""Production configuration without starting anything: services, endpoints, model server,
the guarded tracker store and the Rasa speed-ups (their guard: test_rasa_patches.py)."""
from __future__ import annotations

import asyncio
import dataclasses
import os
import stat
from pathlib import Path

import numpy as np
import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer

from bot.launch.endpoints import SQL_TRACKER_STORE
from bot.launch.secrets import RASA_TOKEN_FILE, read_token
from bot.launch.services import ConfigurationError, build_services
from bot.settings import Settings, settings_from_env
from bot.topology import rasa_urls

PRODUCTION = {
    "RASA_INSTANCES": "2", "RASA_PORT": "7005", "LOCK_STORE_URL": "redis://:pw@redis:6379/3",
    "TRACKER_STORE_URL": "postgresql://rasa:secret@db:5432/tracker",
    "DATABASE_URL": "postgresql://app:secret@db:5432/app", "LOG_JSON": "1",
    "MODEL_SERVER_URL": "http://127.0.0.1:7004/models/current.tar.gz",
}


def production() -> Settings:
    return settings_from_env(PRODUCTION)


def test_several_instances_on_consecutive_ports_behind_the_gateway(tmp_path: Path) -> None:
    services = {s.name: s for s in build_services(production(), tmp_path / "endpoints.yml")}
    assert list(services) == ["models", "rasa-1", "rasa-2", "actions", "gateway"]
    ports = [services[n].argv[services[n].argv.index("--port") + 1]
             for n in ("models", "rasa-1", "rasa-2")]
    assert ports == ["7004", "7005", "7006"]
    assert services["gateway"].env["RASA_URLS"] == "http://127.0.0.1:7005,http://127.0.0.1:7006"
    for name in ("rasa-1", "rasa-2"):
        argv = services[name].argv
        assert "--model" not in argv  # every instance loads from the model server
        assert (tmp_path / f"logging-{name}.yml").exists() and "--logging-config-file" in argv


def test_explicit_rasa_urls_win_and_one_instance_is_the_default() -> None:
    assert rasa_urls(settings_from_env({"RASA_URLS": "http://a:1, http://b:2"})) == [
        "http://a:1", "http://b:2"]
    assert rasa_urls(Settings()) == ["http://127.0.0.1:5005"]


def test_several_instances_need_a_redis_lock_store(tmp_path: Path) -> None:
    settings = dataclasses.replace(Settings(), rasa_instances=2)
    with pytest.raises(ConfigurationError, match="LOCK_STORE_URL"):
        build_services(settings, tmp_path / "endpoints.yml")


def test_endpoints_file_is_private_and_points_at_postgres_redis_and_models(
        tmp_path: Path) -> None:
    build_services(production(), tmp_path / "endpoints.yml")
    path = tmp_path / "endpoints.yml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    config = yaml.safe_load(path.read_text())
    assert config["tracker_store"] == {"type": SQL_TRACKER_STORE, "dialect": "postgresql",
                                       "url": "db", "db": "tracker", "port": 5432,
                                       "username": "rasa", "password": "secret"}
    assert config["lock_store"] == {"type": "redis", "url": "redis", "port": 6379, "db": 3,
                                    "password": "pw"}
    token = read_token(tmp_path, RASA_TOKEN_FILE)
    assert len(token) >= 32
    assert config["models"] == {"url": PRODUCTION["MODEL_SERVER_URL"],
                                "wait_time_between_pulls": 0,
                                "headers": {"Authorization": f"Bearer {token}"}}
    logging_config = yaml.safe_load((tmp_path / "logging-actions.yml").read_text())
    assert logging_config["formatters"]["main"]["()"] == "bot.logging_setup.JsonFormatter"


def test_no_secret_in_the_deploy_examples() -> None:
    from bot.settings import REPO_ROOT

    for path in (REPO_ROOT / "deploy").rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            for line in text.splitlines():
                if ("PASSWORD" in line or "SECRET" in line or "TOKEN" in line) and "=" in line \
                        and not line.lstrip().startswith("#"):
                    value = line.split("=", 1)[1].strip()
                    assert value in ("", "CHANGE_ME") or "${" in value or "CHANGE_ME" in value, \
                        f"{path.name}: {line}"


async def test_model_server_serves_the_deployed_model_with_etag(tmp_path: Path) -> None:
    from bot.launch.model_server import create_app

    models = tmp_path / "models"
    models.mkdir()
    (models / "current.tar.gz").write_bytes(b"\x1f\x8b initial")
    deployed = tmp_path / "deployed.tar.gz"
    current = {"path": models / "current.tar.gz"}
    client = TestClient(TestServer(create_app(models, lambda: current["path"])))
    await client.start_server()
    try:
        first = await client.get("/models/current.tar.gz")
        assert first.status == 200 and await first.read() == b"\x1f\x8b initial"
        assert "Content-Encoding" not in first.headers  # the archive arrives packed
        etag = first.headers["ETag"]
        again = await client.get("/models/current.tar.gz", headers={"If-None-Match": etag})
        assert again.status == 304
        deployed.write_bytes(b"\x1f\x8b deployed by the admin")
        current["path"] = deployed
        changed = await client.get("/models/current.tar.gz", headers={"If-None-Match": etag})
        assert changed.status == 200 and await changed.read() == b"\x1f\x8b deployed by the admin"
        assert (await client.get("/models/..%2Fsecret.tar.gz")).status == 404
        assert (await client.get("/models/nothing.tar.gz")).status == 404
    finally:
        await client.close()


@pytest.mark.slow
def test_guarded_tracker_store_pauses_instead_of_forgetting(tmp_path: Path) -> None:
    """Database unreadable → a paused stand-in (the bot stays silent, the gateway says busy)."""
    from rasa.shared.core.domain import Domain
    from sqlalchemy.exc import OperationalError

    from bot.launch.tracker_store import CLASS_PATH, GuardedSQLTrackerStore

    assert CLASS_PATH == SQL_TRACKER_STORE
    store = GuardedSQLTrackerStore(Domain.empty(), dialect="sqlite",
                                   db=str(tmp_path / "tracker.db"))
    assert store.engine.pool._pre_ping  # type: ignore[attr-defined]
    tracker = asyncio.run(store.retrieve("someone"))
    assert tracker is None or not tracker.is_paused()

    def broken(*_: object, **__: object) -> None:
        raise OperationalError("SELECT", {}, Exception("database is down"))

    store.sessionmaker = broken  # type: ignore[assignment]
    stand_in = asyncio.run(store.retrieve("someone"))
    assert stand_in is not None and stand_in.is_paused() and stand_in.sender_id == "someone"


@pytest.mark.slow
def test_guarded_tracker_store_saves_each_event_once_without_counting(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from sqlalchemy import event

    from bot.launch import rasa_patches
    from bot.launch.tracker_store import GuardedSQLTrackerStore

    assert rasa_patches.apply()  # the read fast path is what makes saving count-free
    request.addfinalizer(rasa_patches.restore)
    store = GuardedSQLTrackerStore(Domain.empty(), dialect="sqlite",
                                   db=str(tmp_path / "tracker.db"))
    statements: list = []
    event.listen(store.engine, "before_cursor_execute",
                 lambda conn, cursor, sql, *args: statements.append(sql.lower()))

    async def turn(text: str) -> list:
        tracker = await store.get_or_create_tracker("citizen")
        tracker.update(UserUttered(text))
        tracker.update(BotUttered(f"答：{text}"))
        tracker.update(ActionExecuted("action_listen"))
        statements.clear()
        await store.save(tracker)
        assert not any("count(" in sql for sql in statements)
        stored = await store.retrieve("citizen")
        return [e.text for e in stored.events if isinstance(e, (UserUttered, BotUttered))]

    assert asyncio.run(turn("你好")) == ["你好", "答：你好"]
    assert asyncio.run(turn("谢谢")) == ["你好", "答：你好", "谢谢", "答：谢谢"]


@pytest.mark.slow
def test_cached_action_validation_accepts_and_rejects_like_rasa(
        request: pytest.FixtureRequest) -> None:
    from jsonschema import ValidationError, validate
    from rasa.core.actions.action import RemoteAction

    from bot.launch import rasa_patches

    assert rasa_patches.apply()
    request.addfinalizer(rasa_patches.restore)
    action = RemoteAction("action_x", None)
    good = {"events": [{"event": "slot", "name": "matter", "value": "x"}],
            "responses": [{"text": "好的"}]}
    assert action._validate_action_result(good)
    bad = {"events": [{"event": 5}], "responses": "not a list"}
    with pytest.raises(ValidationError) as caught:
        action._validate_action_result(bad)
    with pytest.raises(ValidationError) as reference:
        validate(bad, RemoteAction.action_response_format_spec())
    assert caught.value.message.startswith(reference.value.message)
    assert "Failed to validate Action server response" in caught.value.message


def test_fortran_coefficients_change_no_probability() -> None:
    from scipy.sparse import random as sparse_random
    from sklearn.linear_model import LogisticRegression

    from bot.nlu.matter_classifier import fortran_coefficients

    rng = np.random.default_rng(7)
    features = sparse_random(60, 500, density=0.05, format="csr", random_state=7)
    labels = rng.integers(0, 4, 60)
    classifier = LogisticRegression(max_iter=500).fit(features, labels)
    before = classifier.predict_proba(features[:5])
    fortran_coefficients({"classifier": classifier})
    assert classifier.coef_.T.flags["C_CONTIGUOUS"]
    assert np.array_equal(classifier.predict_proba(features[:5]), before)


def test_launch_only_names_every_service(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {**os.environ, **PRODUCTION, "VAR_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "bot.launch", "--only", "nothing"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "models, rasa-1, rasa-2, actions, gateway" in done.stderr
