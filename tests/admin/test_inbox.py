"""The NLU inbox on a real SQLite tracker store written by Rasa's SQLTrackerStore."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from bot.admin.inbox import InboxFilter, text_key
from bot.admin.service import AdminService
from bot.privacy import mask_text
from tests.admin.conftest import (
    BAD_RATED,
    BEFORE_HANDOFF,
    EXPLICIT_HUMAN,
    FLAGGED,
    GIBBERISH,
    GOOD,
    GOOD_RATED,
    LOW,
    OLD,
)
from tests.admin.seed import event_rows


def _by_text(service: AdminService, **filters: object):  # type: ignore[no-untyped-def]
    page = service.query_inbox(InboxFilter(status="all", **filters))  # type: ignore[arg-type]
    return {item.text: item for item in page.items}


def test_the_tracker_store_was_written_by_rasa(seeded: datetime, tmp_path: Path) -> None:
    rows = event_rows(tmp_path / "tracker.db")
    users = [r for r in rows if r["type"] == "user"]
    assert {"session_started", "action", "user", "bot"} <= {r["type"] for r in rows}
    assert users[0]["data"]["parse_data"]["intent_ranking"]


def test_each_source_is_found_and_good_turns_are_not(service: AdminService, seeded: datetime) -> None:
    items = _by_text(service)
    assert items[LOW].sources == {"low_confidence"}
    assert items[GIBBERISH].sources == {"fallback", "low_confidence"}
    assert items[mask_text(BEFORE_HANDOFF)].sources == {"handoff"}
    assert items[BAD_RATED].sources == {"bad_rating"}
    assert items[mask_text(FLAGGED)].sources == {"flagged"}
    for text in (GOOD, GOOD_RATED, EXPLICIT_HUMAN, "/greet", '/rate_service{"rating":"1"}'):
        assert text not in items, text


def test_personal_data_is_masked(service: AdminService, seeded: datetime) -> None:
    texts = set(_by_text(service))
    assert "电动车上牌要带什么 我电话138****5678" in texts
    assert "我叫张**，想问问驾照的事" in texts
    assert not any("13812345678" in t or "张三丰" in t for t in texts)


def test_predictions_with_top_three(service: AdminService, seeded: datetime) -> None:
    items = _by_text(service)
    low = items[LOW]
    assert low.predicted == "describe_matter/vehicle_impound"
    assert low.confidence == 0.41
    assert [n for n, _ in low.top_intents] == ["describe_matter", "ask_where_to_go", "request_human"]
    assert [n for n, _ in low.top_matters] == ["vehicle_impound", "parking_fee", "traffic_order"]
    fallback = items[GIBBERISH]
    assert fallback.predicted == "greet"  # the best real intent under nlu_fallback
    assert fallback.confidence == 0.35  # greet's, not the fallback threshold
    assert "nlu_fallback" not in [n for n, _ in fallback.top_intents]


def test_duplicates_are_merged(service: AdminService, seeded: datetime) -> None:
    item = _by_text(service)[GIBBERISH]
    assert item.count == 2
    assert set(item.conversations) == {"c-dup", "c-fallback"}
    assert item.sender_id == "c-dup"  # the latest sighting
    assert item.key == text_key(GIBBERISH)


def test_filters(service: AdminService, seeded: datetime) -> None:
    now = seeded
    assert set(_by_text(service, sources=("handoff", "bad_rating"))) == {mask_text(BEFORE_HANDOFF), BAD_RATED}
    assert set(_by_text(service, intent="describe_matter")) == {LOW, BAD_RATED}
    assert set(_by_text(service, intent="describe_matter/vehicle_impound")) == {LOW}
    assert set(_by_text(service, max_confidence=0.41)) == {LOW, GIBBERISH, OLD}
    assert LOW not in _by_text(service, min_confidence=0.5)
    assert set(_by_text(service, search="拖走")) == {LOW}
    recent = _by_text(service, since=now - timedelta(days=30))
    assert OLD not in recent and LOW in recent
    assert set(_by_text(service, since=now - timedelta(days=90), until=now - timedelta(days=30))) == {OLD}


def test_threshold_is_configurable(admin_config, seeded: datetime) -> None:  # type: ignore[no-untyped-def]
    strict = AdminService(admin_config.with_overrides(confidence_threshold=0.9))
    try:
        texts = {i.text for i in strict.query_inbox(InboxFilter(status="all")).items}
        assert {"handoff", "low_confidence"} <= next(
            i for i in strict.inbox.collect() if i.text == mask_text(BEFORE_HANDOFF)).sources
        assert GOOD_RATED not in texts  # 0.95 stays above even a strict threshold
    finally:
        strict.close()


def test_decisions_hide_items_from_the_open_inbox(service: AdminService, seeded: datetime) -> None:
    key = text_key(LOW)
    service.decide([key], "labelled", "describe_matter/vehicle_impound", "admin1")
    service.decide([text_key(GIBBERISH)], "noise", None, "admin1")
    open_texts = {i.text for i in service.query_inbox(InboxFilter()).items}
    assert LOW not in open_texts and GIBBERISH not in open_texts
    labelled = service.query_inbox(InboxFilter(status="labelled")).items
    assert [(i.text, i.label, i.labelled_by) for i in labelled] == [
        (LOW, "describe_matter/vehicle_impound", "admin1")]
    page = service.query_inbox(InboxFilter(status="all"))
    assert page.status_counts["labelled"] == 1 and page.status_counts["noise"] == 1


def test_an_empty_tracker_store_gives_an_empty_inbox(service: AdminService) -> None:
    page = service.query_inbox(InboxFilter(status="all"))
    assert page.items == [] and page.total == 0
