"""回访 planning and answers: when the question is queued, who gets it, what is stored."""
from __future__ import annotations

import asyncio
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.cases.service import CaseService
from bot.common.clock import local_date
from bot.conversation.delivery import DeliveryHub
from bot.dashboard.period import Period
from bot.dashboard.queries import (
    CaseFigures,
    ConversationFigures,
    Dashboard,
    DiversionFigures,
    Figures,
    HandoffFigures,
)
from bot.dashboard.tables import tables
from bot.followup.cli import main as followup_cli
from bot.followup.models import Followup, Rating
from bot.followup.responder import FollowupResponder
from bot.followup.service import KIND, FollowupService
from bot.notify.models import OutboxRow, State
from bot.notify.outbox import OutboxStore
from bot.notify.worker import NotifyWorker
from bot.store.db import make_engine, session_scope
from tests.conftest_db import FakeClock
from tests.notify.helpers import TG_CHAT, WEB_SENDER, FakeChannel, file_case


@pytest.fixture
def followups(case_service: CaseService, fake_clock: FakeClock) -> FollowupService:
    return FollowupService(case_service._factory, fake_clock)


def answered(cases: CaseService, sender_id: str | None = TG_CHAT, phone: str = "13812345678") -> str:
    number = file_case(cases, sender_id=sender_id, phone=phone).case_number
    for status in ("accepted", "in_progress", "answered"):
        cases.transition(number, status, "王警官")
    return number


def followup_rows(service: FollowupService) -> list[Followup]:
    with session_scope(service._factory) as session:
        return list(session.execute(select(Followup).order_by(Followup.id)).scalars())


def questions(service: FollowupService) -> list[OutboxRow]:
    with session_scope(service._factory) as session:
        return list(session.execute(select(OutboxRow).where(OutboxRow.kind == KIND)).scalars())


def deliver_all(service: FollowupService, clock: FakeClock) -> FakeChannel:
    hub = DeliveryHub()
    channel = FakeChannel(hub)
    FakeChannel(hub, "webchat")
    buttons = {KIND: service.texts.question_buttons()}
    asyncio.run(NotifyWorker(OutboxStore(service._factory, clock), hub, buttons=buttons).run_once())
    return channel


def test_the_question_is_queued_three_days_after_the_answer_once(
        case_service: CaseService, followups: FollowupService, fake_clock: FakeClock) -> None:
    number = answered(case_service)
    fake_clock.advance(days=3, seconds=-1)
    assert followups.plan() == 0
    fake_clock.advance(seconds=1)
    assert followups.plan() == 1
    assert followups.plan() == 0  # one question per answer
    [row] = questions(followups)
    assert number in row.text and "满意吗" in row.text and row.recipient == TG_CHAT
    for personal in ("张三丰", "13812345678", "人民路"):
        assert personal not in row.text
    [followup] = followup_rows(followups)
    assert (followup.case_number, followup.state, followup.after_review) == (number, "open", False)


def test_no_question_for_contested_unreachable_or_old_answers(
        case_service: CaseService, followups: FollowupService, fake_clock: FakeClock) -> None:
    contested = answered(case_service, phone="13800000001")
    case_service.transition(contested, "review", "王警官")  # the citizen asked for 复查 at once
    answered(case_service, sender_id=None, phone="13800000002")  # a letter: nobody to ask
    fake_clock.advance(days=3)
    assert followups.plan() == 0
    answered(case_service, phone="13800000003")
    fake_clock.advance(days=3 + 15)  # deployed long after that answer: not asked any more
    assert followups.plan() == 0 and questions(followups) == []


def test_an_answer_counts_only_after_delivery_and_only_once(
        case_service: CaseService, followups: FollowupService, fake_clock: FakeClock) -> None:
    number = answered(case_service)
    fake_clock.advance(days=3)
    followups.plan()
    assert followups.answer(TG_CHAT, Rating.SATISFIED, "满意") is None  # not asked yet
    channel = deliver_all(followups, fake_clock)
    assert [text for _, text in channel.sent if "满意吗" in text]
    fake_clock.advance(hours=2)
    answer = followups.answer(TG_CHAT, Rating.UNSATISFIED, "不满意，我的电话13912345678没人接")
    assert answer is not None and answer.case_number == number and not answer.after_review
    assert followups.answer(TG_CHAT, Rating.SATISFIED, "满意") is None  # already answered
    [view] = followups.for_case(number)
    assert (view.state, view.rating, view.delivery) == ("answered", "unsatisfied", State.SENT)
    assert view.comment and "13912345678" not in view.comment and "没人接" in view.comment
    ratings, asked = followups.counts(fake_clock.now - timedelta(days=7), fake_clock.now + timedelta(days=1))
    assert ratings == {"unsatisfied": 1} and asked == 1


def test_a_button_answer_stores_no_comment_and_the_window_closes(
        case_service: CaseService, followups: FollowupService, fake_clock: FakeClock) -> None:
    first, second = answered(case_service, phone="13800000001"), answered(case_service, WEB_SENDER, "13800000002")
    fake_clock.advance(days=3)
    assert followups.plan() == 2
    deliver_all(followups, fake_clock)
    assert followups.answer(TG_CHAT, Rating.BASIC, "基本满意") is not None
    [view] = followups.for_case(first)
    assert view.comment is None
    assert followups.has_open(WEB_SENDER)
    fake_clock.advance(days=15)
    assert not followups.has_open(WEB_SENDER)
    assert followups.answer(WEB_SENDER, Rating.SATISFIED, "满意") is None  # asked 15 days ago
    assert followups.for_case(second)[0].state == "open"


def test_after_a_review_the_next_answer_is_followed_up_with_the_recheck_route(
        case_service: CaseService, followups: FollowupService, fake_clock: FakeClock) -> None:
    number = answered(case_service)
    fake_clock.advance(days=1)
    case_service.transition(number, "review", "王警官")
    fake_clock.advance(days=10)
    case_service.transition(number, "answered", "李警官", "复查意见已书面答复")
    fake_clock.advance(days=3)
    assert followups.plan() == 1
    deliver_all(followups, fake_clock)
    reply = asyncio.run(FollowupResponder(followups)("telegram", TG_CHAT, "还是不满意"))
    assert reply is not None
    [message] = reply
    assert "复核" in message.text and "第三十六条" in message.text and "第三十五条" not in message.text
    assert [button.payload for button in message.buttons] == ["/request_human"]
    assert followup_rows(followups)[0].after_review


def test_operators_plan_and_list_from_the_shell(
        case_service: CaseService, followups: FollowupService, fake_clock: FakeClock,
        migrated_db_url: str) -> None:
    number = answered(case_service)
    out = io.StringIO()
    assert followup_cli(["plan", "--db", migrated_db_url], clock=fake_clock, out=out) == 0
    assert "已安排回访 0 件" in out.getvalue()  # answered just now: not yet
    out = io.StringIO()
    assert followup_cli(["plan", "--delay-hours", "0", "--db", migrated_db_url], clock=fake_clock, out=out) == 0
    assert "已安排回访 1 件" in out.getvalue()
    deliver_all(followups, fake_clock)
    followups.answer(TG_CHAT, Rating.BASIC, "还行吧")
    out = io.StringIO()
    assert followup_cli(["list", "--db", migrated_db_url], clock=fake_clock, out=out) == 0
    assert number in out.getvalue() and "基本满意 1" in out.getvalue() and "“还行吧”" in out.getvalue()


def test_the_dashboard_counts_the_answers_of_the_period(
        case_service: CaseService, followups: FollowupService, fake_clock: FakeClock,
        migrated_db_url: str) -> None:
    for index, sender in enumerate((TG_CHAT, WEB_SENDER, "4343")):
        answered(case_service, sender_id=sender, phone=f"1380000000{index}")
    fake_clock.advance(days=3)
    followups.plan()
    deliver_all(followups, fake_clock)
    for sender, words in [(TG_CHAT, "满意"), (WEB_SENDER, "没解决")]:
        rating = followups.texts.rating_of(words)
        assert rating and followups.answer(sender, rating, words)
    engine = make_engine(migrated_db_url)
    try:
        today = local_date(fake_clock.now)
        figures = Dashboard(engine, engine, clock=fake_clock).cases(Period(today - timedelta(days=6), today))
        earlier = Dashboard(engine, engine, clock=fake_clock).cases(
            Period(today - timedelta(days=30), today - timedelta(days=7)))
    finally:
        engine.dispose()
    assert figures.followup == {"satisfied": 1, "unsatisfied": 1} and figures.followup_asked == 3
    assert figures.satisfaction_rate == 0.5
    assert [t.rows for t in tables(_figures(figures)) if t.key == "followups"] == [
        [("满意", 1), ("基本满意", 0), ("不满意", 1)]]
    assert earlier.followup == {} and earlier.satisfaction_rate is None



def _figures(cases: CaseFigures) -> Figures:
    """Whole-page figures around ``cases`` (what the tables are made from)."""
    day = date(2026, 3, 5)
    return Figures(Period(day, day), ConversationFigures(), DiversionFigures(), HandoffFigures(), cases)


def test_a_question_not_yet_sent_is_cancelled_when_the_citizen_asks_for_a_review(
        case_service: CaseService, followups: FollowupService, fake_clock: FakeClock) -> None:
    number = answered(case_service, sender_id=WEB_SENDER)
    fake_clock.advance(days=3)
    followups.plan()  # queued; the citizen's web chat is closed, so it waits
    case_service.transition(number, "review", "王警官")
    assert followups.plan() == 0
    [view] = followups.for_case(number)
    assert (view.state, view.delivery) == ("cancelled", State.CANCELLED)
    channel = deliver_all(followups, fake_clock)
    assert not [text for _, text in channel.sent if "满意吗" in text]


def test_an_answer_during_delivery_counts(case_service: CaseService, followups: FollowupService,
                                          fake_clock: FakeClock) -> None:
    """The citizen may answer before the worker has marked the question sent."""
    answered(case_service)
    fake_clock.advance(days=3)
    followups.plan()
    store = OutboxStore(followups._factory, fake_clock)
    [claimed] = [row for row in store.claim("worker-1", lease=timedelta(minutes=5)) if row.kind == KIND]
    assert followups.answer(TG_CHAT, Rating.SATISFIED, "满意") is not None
    assert store.mark_sent(claimed.id, "worker-1")
