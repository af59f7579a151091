"""Our patches of Rasa internals are checked against the installed Rasa before use.

``bot.launch.rasa_patches.apply`` (called by ``python -m bot.launch.rasa_server``)
installs them only when the Rasa version and every patched method's signature are
what they were written for; otherwise it logs one error and Rasa runs stock — and
the tracker store still scrubs what it stores.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.launch import rasa_patches
from bot.settings import REPO_ROOT
from tests.production.cluster import free_port


def _stock() -> dict[str, Any]:
    """What each patch replaces, as it is now."""
    result = {}
    for patch in rasa_patches.PATCHES:
        for target in patch.replaces:
            owner, name = rasa_patches._owner_and_name(target)
            result[target] = owner.__dict__.get(name)
    return result


@pytest.fixture
def pristine() -> Iterator[dict[str, Any]]:
    """Stock Rasa before and after the test (other tests may have applied the patches)."""
    rasa_patches.restore()
    before = _stock()
    yield before
    rasa_patches.restore()
    assert _stock() == before


def test_expected_signatures_match_the_installed_rasa() -> None:
    """Fails on a Rasa upgrade that changes anything the patches rely on."""
    assert rasa_patches.installed_rasa_version() in rasa_patches.SUPPORTED_RASA_VERSIONS
    for patch in rasa_patches.PATCHES:
        for expected in patch.expects:
            assert rasa_patches.signature_of(expected.target) == expected.signature, \
                (patch.name, expected.target)
    assert rasa_patches.mismatches() == []


def test_apply_installs_every_patch_once_and_restore_undoes_it(
        pristine: dict[str, Any]) -> None:
    assert rasa_patches.apply() and rasa_patches.applied()
    patched = _stock()
    assert all(patched[target] is not pristine[target] for target in pristine)
    assert rasa_patches.apply()  # idempotent: nothing wrapped twice
    assert _stock() == patched
    rasa_patches.restore()
    assert _stock() == pristine and not rasa_patches.applied()


def test_a_wrong_rasa_version_logs_one_error_and_leaves_rasa_stock(
        pristine: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bot.launch.rasa_patches"):
        assert rasa_patches.apply(rasa_version="3.7.0") is False
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "Rasa 3.7.0 is installed" in errors[0].getMessage()
    assert "stock Rasa" in errors[0].getMessage()
    assert not any("patches applied" in r.getMessage() for r in caplog.records)
    assert _stock() == pristine and not rasa_patches.applied()


def test_a_changed_signature_logs_one_error_and_leaves_rasa_stock(
        pristine: dict[str, Any], caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.core.tracker_store import SQLTrackerStore

    def event_query(self: Any, session: Any, sender_id: str,
                    fetch_events_from_all_sessions: bool, limit: int = 0) -> Any:
        raise AssertionError("never called")

    monkeypatch.setattr(SQLTrackerStore, "_event_query", event_query)
    monkeypatch.delattr(RemoteAction, "action_response_format_spec")
    with caplog.at_level(logging.ERROR, logger="bot.launch.rasa_patches"):
        assert rasa_patches.apply() is False
    [error] = caplog.records
    message = error.getMessage()
    assert "SQLTrackerStore._event_query has signature" in message and "limit" in message
    assert "RemoteAction.action_response_format_spec no longer exists" in message
    # All or nothing: the patches whose methods did not change are not applied either.
    assert _stock() == pristine and not rasa_patches.applied()


def _tracker_store(path: Path) -> Any:
    from rasa.shared.core.domain import Domain

    from bot.launch.tracker_store import GuardedSQLTrackerStore

    domain = Domain.from_dict({"slots": {
        "requested_slot": {"type": "any", "mappings": [{"type": "custom"}]},
        "query_code": {"type": "any", "mappings": [{"type": "custom"}]}}})
    return GuardedSQLTrackerStore(domain, dialect="sqlite", db=str(path))


def _stored(store: Any, sender: str) -> list:
    with store.session_scope() as session:
        rows = session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender) \
            .order_by(store.SQLEvent.id).all()
        return [json.loads(row.data) for row in rows]


@pytest.mark.parametrize("patched", [False, True], ids=["stock", "patched"])
def test_the_tracker_store_scrubs_and_stores_each_event_once_with_or_without_patches(
        pristine: dict[str, Any], tmp_path: Path, patched: bool) -> None:
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from sqlalchemy import event

    if patched:
        assert rasa_patches.apply()
    store = _tracker_store(tmp_path / "tracker.db")
    statements: list = []
    event.listen(store.engine, "before_cursor_execute",
                 lambda conn, cursor, sql, *args: statements.append(sql.lower()))

    async def turn(*events: Any) -> bool:
        """Whether saving the turn needed a count of the stored events."""
        tracker = await store.get_or_create_tracker("citizen")
        for new in events:
            tracker.update(new)
        statements.clear()
        await store.save(tracker)
        return any("count(" in sql for sql in statements)

    asyncio.run(turn(UserUttered("我的电话13912345678"), BotUttered("好的"),
                     SlotSet("requested_slot", "query_code"), ActionExecuted("action_listen")))
    counted = asyncio.run(turn(UserUttered("ABCD2345"), SlotSet("query_code", "ABCD2345"),
                               ActionExecuted("action_listen")))
    # A tracker read through the fast path knows what is stored; stock Rasa's read does not.
    assert counted is (not patched)
    stored = _stored(store, "citizen")
    texts = [e.get("text") for e in stored if e["event"] in ("user", "bot")]
    assert texts == ["我的电话139****5678", "好的", "〔已隐去〕"]
    assert "ABCD2345" not in json.dumps(stored) and "13912345678" not in json.dumps(stored)
    assert [e["event"] for e in stored] == [  # each event once
        "action", "user", "bot", "slot", "action", "user", "slot", "action"]
    reread = asyncio.run(store.retrieve("citizen"))
    assert len(reread.events) == len(stored)


@pytest.mark.slow
def test_the_rasa_wrapper_serves_with_stock_rasa_when_the_version_is_wrong(
        tmp_path: Path) -> None:
    """``python -m bot.launch.rasa_server`` (what the launcher runs), with Rasa faked to
    an unsupported version: one clear error, no patches, and Rasa answers."""
    port = free_port()
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "tracker_store:\n  type: bot.launch.tracker_store.GuardedSQLTrackerStore\n"
        f"  dialect: sqlite\n  db: {tmp_path / 'tracker.db'}\n", encoding="utf-8")
    argv = ["run", "--enable-api", "-i", "127.0.0.1", "--port", str(port), "--endpoints", str(endpoints),
            "--credentials", str(REPO_ROOT / "credentials.yml"), "--model", str(tmp_path / "no-model.tar.gz")]
    script = (
        "import sys\n"
        "from bot.launch import rasa_patches\n"
        "rasa_patches.installed_rasa_version = lambda: '9.9.9'\n"
        "from bot.launch.rasa_server import main\n"
        f"sys.exit(main({argv!r}))\n")
    token = "t" * 40
    log = tmp_path / "rasa.log"
    with log.open("wb") as output:
        process = subprocess.Popen([sys.executable, "-c", script], cwd=tmp_path,
                                   env={**os.environ, "RASA_AUTH_TOKEN": token, "LOG_JSON": ""},
                                   stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, log.read_text(errors="replace")
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/", timeout=2)
                if answer.status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "Rasa never answered"
            time.sleep(0.25)
        assert answer.text.startswith("Hello from Rasa")
        status = requests.get(f"http://127.0.0.1:{port}/status", params={"token": token},
                              timeout=10)
        assert status.status_code != 401  # the token still protects the API and works
        assert requests.get(f"http://127.0.0.1:{port}/status", timeout=10).status_code == 401
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    text = log.read_text(errors="replace")
    errors = [line for line in text.splitlines() if "Rasa patches NOT applied" in line]
    assert len(errors) == 1 and "Rasa 9.9.9 is installed" in errors[0]
    assert "Rasa patches applied" not in text


def test_a_failing_install_leaves_rasa_stock(pristine: dict[str, Any],
                                             caplog: pytest.LogCaptureFixture,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise RuntimeError("cannot patch")

    last = rasa_patches.PATCHES[-1]
    monkeypatch.setattr(rasa_patches, "PATCHES",
                        (*rasa_patches.PATCHES[:-1], rasa_patches.Patch(
                            last.name, last.expects, last.replaces, broken)))
    with caplog.at_level(logging.ERROR, logger="bot.launch.rasa_patches"):
        assert rasa_patches.apply() is False
    [error] = caplog.records
    assert "cannot patch" in error.getMessage() and last.name in error.getMessage()
    assert _stock() == pristine and not rasa_patches.applied()  # the first ones undone too
