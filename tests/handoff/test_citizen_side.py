"""What citizens are told: office hours, expected wait, after-hours offer, rating parsing."""
from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from bot.handoff.citizen import start_handoff
from bot.handoff.models import Reason
from bot.handoff.office_hours import OfficeHours
from bot.handoff.rating import parse_rating
from bot.handoff.service import HandoffService
from bot.handoff.texts import default_texts, load_canned_replies, rating_payload
from bot.settings import Settings
from tests.conftest_db import FakeClock

TEXTS = default_texts()


@pytest.mark.parametrize("utc, open_, next_text", [
    (datetime(2026, 3, 2, 2, 0), True, None),            # Mon 10:00
    (datetime(2026, 3, 2, 0, 30), False, "今天9点"),      # Mon 08:30
    (datetime(2026, 3, 2, 10, 0), False, "明天9点"),      # Mon 18:00
    (datetime(2026, 3, 6, 10, 0), False, "周一9点"),      # Fri 18:00
    (datetime(2026, 3, 7, 2, 0), False, "周一9点"),       # Sat 10:00
    (datetime(2026, 3, 1, 16, 0), False, "今天9点"),      # Mon 00:00
])
def test_office_hours_status_and_next_opening(utc: datetime, open_: bool,
                                              next_text: str | None) -> None:
    hours = OfficeHours((9, 17), weekdays_only=True)
    status = hours.status(utc)
    assert status.open is open_
    if next_text is not None:
        assert hours.next_open_text(utc, status.next_open_local, TEXTS) == next_text


def test_all_week_hours_open_on_saturday() -> None:
    assert OfficeHours((9, 17), weekdays_only=False).status(datetime(2026, 3, 7, 2, 0)).open
    assert "每天9:00–17:00" in OfficeHours((9, 17), False).describe(TEXTS)


def test_in_hours_the_citizen_hears_wait_and_hours_and_is_paused(service: HandoffService) -> None:
    settings = Settings()
    first = start_handoff(service, "webchat", "web-first000", settings=settings)
    second = start_handoff(service, "telegram", "99", Reason.FALLBACK,
                           intro=TEXTS.get("fallback_handoff"), settings=settings)
    assert first.pause and second.pause
    text = second.replies[0].text
    assert text.startswith(TEXTS.get("fallback_handoff"))
    assert "前面还有1位" in text and "约6分钟" in text
    assert "周一至周五9:00–17:00" in text and "122" in text
    assert "您是下一位" in first.replies[0].text
    assert second.replies[0].buttons == []


def test_after_hours_says_when_and_offers_online_petition(service: HandoffService,
                                                          fake_clock: FakeClock) -> None:
    fake_clock.advance(hours=9)  # Monday 19:00 China time
    start = start_handoff(service, "webchat", "web-evening0", settings=Settings())
    assert not start.pause and not start.handoff.paused
    text = start.replies[0].text
    assert "非工作时间" in text and "明天9点" in text
    assert [b.payload for b in start.replies[0].buttons] == ["/file_petition"]


def test_database_down_is_left_to_the_actions(tmp_path) -> None:
    """The actions' one busy reply (actions.base) answers it: tests/handoff/test_actions.py."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.store.db import make_engine, make_session_factory

    broken = HandoffService(make_session_factory(make_engine(f"sqlite:///{tmp_path}/nothing.db")))
    with pytest.raises(SQLAlchemyError):
        start_handoff(broken, "webchat", "web-broken00", settings=Settings())


def test_configured_office_hours_are_used(service: HandoffService) -> None:
    settings = dataclasses.replace(Settings(), office_hours=(12, 13))
    start = start_handoff(service, "webchat", "web-noon0000", settings=settings)
    assert not start.pause and "今天12点" in start.replies[0].text


@pytest.mark.parametrize("text, entity, expected", [
    ("5分", None, 5), ("给你打4分吧", None, 4), ("一般般吧 3分", None, 3), ("太差了", None, 1),
    ("非常满意", None, 5), ("满意", None, 4), ("不满意", None, 2), ("非常不满意", None, 1),
    ("三分", None, 3), ("５分", None, 5), ('/rate_service{"rating":"2"}', "2", 2),
    ("还行吧", None, 3), ("打10分", None, None), ("你好", None, None), ("", "5", 5),
])
def test_parse_rating(text: str, entity: str | None, expected: int | None) -> None:
    assert parse_rating(text, entity) == expected


def test_texts_and_canned_replies_load() -> None:
    assert next(b.payload for b in TEXTS.rating_buttons) == rating_payload(5) == '/rate_service{"rating":"5"}'
    canned = load_canned_replies()
    assert len(canned) >= 5 and all(c.title and c.text for c in canned)
