"""Actions are async: database work and Argon2 run off the event loop, and a database
error becomes the one polite busy reply (``actions.base``) in every action that uses
the database — never a stack trace.

Trackers are built in the test (rasa_sdk Tracker objects), as tests/handoff/test_actions.py does.
"""
from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
import pkgutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions
import actions.cases as case_actions
import actions.handoff as handoff_actions
from actions.base import DATABASE_BUSY_RESPONSE, BaseAction
from actions.cases import (
    ActionCheckCaseStatus,
    ActionReportCaseStatus,
    ActionSubmitPetition,
    ValidateCaseStatusForm,
)
from actions.fallback import ActionFallbackSuggest
from actions.forms import BaseFormValidation
from actions.handoff import ActionRequestHuman, ActionStoreRating
from actions.scope import ActionExplainMatter, ActionScopeOverview
from bot.cases.codes import CodeHasher
from bot.cases.service import CaseService
from bot.handoff.service import HandoffService
from bot.knowledge.loader import REPO_ROOT
from bot.store.db import make_engine, make_session_factory
from tests.conftest_db import FakeClock

DOMAIN = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
CASE_NUMBER = "XF-2026-000001"
# Guards against a dead lock only (a blocked loop can never release the hash): no timing.
DEADLOCK_GUARD_SECONDS = 30


def user(text: str, intent: str, entities: list | None = None) -> dict[str, Any]:
    return {"event": "user", "text": text, "metadata": {"channel": "webchat"},
            "parse_data": {"intent": {"name": intent, "confidence": 0.95},
                           "entities": entities or [], "intent_ranking": [],
                           "response_selector": {}}}


def tracker(events: list[dict[str, Any]], slots: dict[str, Any] | None = None,
            active_loop: str | None = None, sender: str = "web-async000") -> Tracker:
    last = [e for e in events if e["event"] == "user"][-1]
    latest = {**last["parse_data"], "text": last["text"]}
    loop = {"name": active_loop} if active_loop else {}
    return Tracker(sender, {"matter": None, **(slots or {})}, latest, events, False, None,
                   loop, "action_listen")


def fallback_misses(misses: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [{"event": "action", "name": "action_listen"}]
    for _ in range(misses):
        events += [user("阿巴阿巴", "nlu_fallback"),
                   {"event": "action", "name": "action_fallback_suggest"},
                   {"event": "action", "name": "action_listen"}]
    return [*events, user("呜啦啦", "nlu_fallback")]


def code_typed(code: str = "ABCD2345") -> Tracker:
    """The citizen typed the query code inside the case-status form."""
    events = [user(CASE_NUMBER, "inform"), user(code, "inform"),
              {"event": "slot", "name": "query_code", "value": code}]
    return tracker(events, {"case_number": CASE_NUMBER, "query_code": code},
                   active_loop="case_status_form")


PETITION = {"petition_confirmed": True, "petition_matter": "parking_fee",
            "petitioner_name": "张三", "petitioner_phone": "13812345678",
            "petition_facts": "停车收费不合理，多收了钱", "petition_request": "退还多收费用",
            "petition_reasons": "收费标准不对", "petition_location": "未提供",
            "petition_time": "未提供"}

# Every action that uses the database, with a tracker that makes it do so.
DATABASE_ACTIONS: dict[str, Callable[[], tuple]] = {
    "check_case_status": lambda: (ActionCheckCaseStatus(),
                                  tracker([user("查进度", "check_case_status")])),
    "verify_query_code": lambda: (ValidateCaseStatusForm(), code_typed()),
    "report_case_status": lambda: (ActionReportCaseStatus(),
                                   tracker([user("ABCD2345", "inform")],
                                           {"case_number": CASE_NUMBER,
                                            "query_code": "verified"})),
    "submit_petition": lambda: (ActionSubmitPetition(),
                                tracker([user("/affirm", "affirm")], PETITION)),
    "request_human": lambda: (ActionRequestHuman(), tracker([user("转人工", "request_human")])),
    "third_fallback": lambda: (ActionFallbackSuggest(), tracker(fallback_misses(2))),
    "needs_officer_matter": lambda: (ActionExplainMatter(), tracker(
        [user('/describe_matter{"matter":"officer_conduct"}', "describe_matter",
              [{"entity": "matter", "value": "officer_conduct"}])],
        )),
    "store_rating": lambda: (ActionStoreRating(), tracker(
        [user('/rate_service{"rating":"5"}', "rate_service",
              [{"entity": "rating", "value": "5"}])])),
}


@pytest.fixture
def unmigrated_db(tmp_path: Path) -> Any:
    """A database without our tables: every query raises OperationalError."""
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def database_down(unmigrated_db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    cases = CaseService(unmigrated_db, hasher=CodeHasher(time_cost=1, memory_cost=1024))
    handoffs = HandoffService(unmigrated_db)
    monkeypatch.setattr(case_actions, "case_service", lambda: cases)
    monkeypatch.setattr(handoff_actions, "default_service", lambda: handoffs)


def all_actions() -> list[type]:
    """Every action class the action server loads from ``actions/`` (every module)."""
    found = []
    for info in pkgutil.iter_modules(actions.__path__, "actions."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Action) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def test_every_action_runs_async_with_the_shared_database_handling() -> None:
    classes = all_actions()
    assert len(classes) >= 10
    for cls in classes:
        assert inspect.iscoroutinefunction(cls.run), cls.__name__
        assert issubclass(cls, (BaseAction, BaseFormValidation)), cls.__name__


def test_the_busy_reply_is_a_domain_response_that_says_what_to_do() -> None:
    [variant] = DOMAIN["responses"][DATABASE_BUSY_RESPONSE]
    assert "稍后" in variant["text"] or "过几分钟" in variant["text"]
    assert "122" in variant["text"] and "12345" in variant["text"]


@pytest.mark.usefixtures("database_down")
@pytest.mark.parametrize("case", sorted(DATABASE_ACTIONS))
async def test_a_database_error_gives_the_polite_reply_and_no_stack_trace(
        case: str, caplog: pytest.LogCaptureFixture) -> None:
    action, t = DATABASE_ACTIONS[case]()
    dispatcher = CollectingDispatcher()
    with caplog.at_level(logging.INFO):
        events = await action.run(dispatcher, t, DOMAIN)
    assert dispatcher.messages[-1]["response"] == DATABASE_BUSY_RESPONSE
    said = repr(dispatcher.messages)
    for leak in ("Traceback", "OperationalError", "no such table", "SELECT", "INSERT"):
        assert leak not in said
    assert not any(e.get("event") == "pause" for e in events)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and all(r.exc_info is None for r in errors)
    assert "OperationalError" in errors[-1].getMessage()
    assert "web-async000" not in caplog.text  # sender ids are masked


async def test_a_failed_lookup_forgets_the_case_slots(database_down: None) -> None:
    events = await ValidateCaseStatusForm().run(CollectingDispatcher(), code_typed(), DOMAIN)
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots == {"case_number": None, "query_code": None, "requested_slot": None}


class GatedHasher(CodeHasher):
    """A hash that finishes only when the test lets it: stands for a slow Argon2."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024)
        self.entered = threading.Event()
        self.release = threading.Event()

    def verify(self, stored_hash: str | None, code_text: object) -> bool:
        self.entered.set()
        if not self.release.wait(DEADLOCK_GUARD_SECONDS):
            raise AssertionError("the hash was never released: it blocked the event loop")
        return super().verify(stored_hash, code_text)


async def test_a_slow_hash_does_not_block_other_conversations(
        migrated_db_url: str, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(migrated_db_url)
    hasher = GatedHasher()
    service = CaseService(make_session_factory(engine), clock=fake_clock, hasher=hasher)
    monkeypatch.setattr(case_actions, "case_service", lambda: service)
    order: list[str] = []

    async def lookup() -> list[dict[str, Any]]:
        dispatcher = CollectingDispatcher()
        events = await ValidateCaseStatusForm().run(dispatcher, code_typed(), DOMAIN)
        order.append("lookup done")
        return events

    async def other_conversation() -> None:
        # Wait (in a thread, the loop stays free) until the lookup is inside the hash.
        assert await asyncio.to_thread(hasher.entered.wait, DEADLOCK_GUARD_SECONDS)
        dispatcher = CollectingDispatcher()
        await ActionScopeOverview().run(
            dispatcher, tracker([user("交警管什么", "ask_scope_overview")], sender="web-other000"),
            DOMAIN)
        assert dispatcher.messages  # another conversation's action completed meanwhile
        order.append("other answered")
        hasher.release.set()

    try:
        events, _ = await asyncio.gather(lookup(), other_conversation())
    finally:
        hasher.release.set()
        engine.dispose()
    assert order == ["other answered", "lookup done"]
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["query_code"] is None  # no such case: the uniform failure
