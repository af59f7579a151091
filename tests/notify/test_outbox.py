"""The outbox: written with the status change, delivered once, with backoff, 退订."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.cases.errors import IllegalTransition
from bot.cases.service import CaseService
from bot.conversation.delivery import DeliveryHub
from bot.notify.models import OutboxRow, State
from bot.notify.outbox import OutboxStore
from bot.notify.worker import NotifyWorker, WorkerPolicy
from bot.store.db import make_engine, make_session_factory, session_scope
from tests.conftest_db import FakeClock
from tests.notify.helpers import TG_CHAT, WEB_SENDER, FakeChannel, file_case

POLICY = WorkerPolicy(base_delay=30, max_delay=600, max_attempts=3)


@pytest.fixture
def store(case_service: CaseService, fake_clock: FakeClock) -> OutboxStore:
    return OutboxStore(case_service._factory, fake_clock)


@pytest.fixture
def hub() -> DeliveryHub:
    return DeliveryHub()


def rows(store: OutboxStore) -> list[OutboxRow]:
    with session_scope(store._factory) as session:
        return list(session.execute(select(OutboxRow).order_by(OutboxRow.id)).scalars())


def test_status_change_writes_the_message_in_its_transaction(case_service: CaseService,
                                                              store: OutboxStore) -> None:
    filed = file_case(case_service)
    assert rows(store) == []  # filing is answered in the chat itself
    case_service.transition(filed.case_number, "accepted", "王警官")
    [row] = rows(store)
    assert (row.channel, row.recipient, row.state, row.status) == ("telegram", TG_CHAT, "pending", "accepted")
    assert filed.case_number in row.text and "「受理」" in row.text
    assert "办结期限是2026年5月1日（《信访工作条例》第三十四条）" in row.text
    assert "接下来：" in row.text and "退订通知" in row.text
    for personal in ("张三丰", "张", "13812345678", "5678", "人民路", "车牌号"):
        assert personal not in row.text


def test_a_refused_change_writes_no_message(case_service: CaseService, store: OutboxStore) -> None:
    filed = file_case(case_service)
    with pytest.raises(IllegalTransition):
        case_service.transition(filed.case_number, "answered", "王警官")
    assert rows(store) == []


def test_extension_names_the_new_deadline(case_service: CaseService, store: OutboxStore) -> None:
    filed = file_case(case_service)
    case_service.transition(filed.case_number, "accepted", "王警官")
    case_service.extend(filed.case_number, 30, "需要调取外地监控", "王警官")
    row = rows(store)[-1]
    assert row.kind == "extension" and "延长30日" in row.text and "需要调取外地监控" in row.text
    assert "2026年5月31日（《信访工作条例》第三十四条）" in row.text


def test_cases_without_a_chat_get_no_message(case_service: CaseService, store: OutboxStore) -> None:
    letter = file_case(case_service, sender_id=None, phone="13900000001")
    rest = file_case(case_service, sender_id="curl-user", phone="13900000002")
    for filed in (letter, rest):
        case_service.transition(filed.case_number, "accepted", "王警官")
    assert rows(store) == []


async def test_outage_then_recovery_delivers_exactly_once(case_service: CaseService, store: OutboxStore,
                                                          hub: DeliveryHub, fake_clock: FakeClock) -> None:
    telegram = FakeChannel(hub)
    worker = NotifyWorker(store, hub, policy=POLICY)
    filed = file_case(case_service)
    case_service.transition(filed.case_number, "accepted", "王警官")
    telegram.up = False
    assert (await worker.run_once()).retried == 1
    [row] = rows(store)
    assert (row.state, row.attempts, row.next_attempt_at) == ("pending", 1, fake_clock.now + timedelta(seconds=30))
    telegram.up = True
    assert (await worker.run_once()).sent == 0  # not due yet: the backoff holds
    assert telegram.calls == 1
    fake_clock.advance(seconds=30)
    assert (await worker.run_once()).sent == 1
    for _ in range(3):  # later passes (and a restarted worker) send nothing again
        await NotifyWorker(store, hub, policy=POLICY).run_once()
        fake_clock.advance(hours=1)
    assert telegram.sent == [(TG_CHAT, rows(store)[0].text)]
    assert rows(store)[0].state == "sent" and rows(store)[0].sent_at is not None


async def test_backoff_grows_then_gives_up_and_retry_requeues(case_service: CaseService, store: OutboxStore,
                                                              hub: DeliveryHub, fake_clock: FakeClock) -> None:
    telegram = FakeChannel(hub)
    telegram.up = False
    worker = NotifyWorker(store, hub, policy=POLICY)
    case_service.transition(file_case(case_service).case_number, "accepted", "王警官")
    start, waits = fake_clock.now, []
    for _ in range(POLICY.max_attempts):
        await worker.run_once()
        row = rows(store)[0]
        waits.append((row.next_attempt_at - fake_clock.now).total_seconds())
        fake_clock.now = row.next_attempt_at
    assert waits[:2] == [30, 60]
    assert rows(store)[0].state == State.FAILED
    fake_clock.advance(days=1)
    assert (await worker.run_once()).sent == 0
    assert store.retry() == 1
    telegram.up = True
    assert (await worker.run_once()).sent == 1
    assert fake_clock.now > start


async def test_a_dead_workers_lease_delays_but_never_doubles(case_service: CaseService, store: OutboxStore,
                                                           hub: DeliveryHub, fake_clock: FakeClock) -> None:
    telegram = FakeChannel(hub)
    case_service.transition(file_case(case_service).case_number, "accepted", "王警官")
    [claimed] = store.claim("crashed-worker", lease=POLICY.lease)  # claimed, then the process died
    worker = NotifyWorker(store, hub, policy=POLICY)
    assert (await worker.run_once()).sent == 0
    fake_clock.advance(seconds=POLICY.lease.total_seconds() + 1)
    assert (await worker.run_once()).sent == 1
    assert not store.mark_sent(claimed.id, "crashed-worker")  # the old lease holder lost it
    assert len(telegram.sent) == 1


async def test_web_chat_waits_for_the_next_visit(case_service: CaseService, store: OutboxStore,
                                                 hub: DeliveryHub) -> None:
    web = FakeChannel(hub, "webchat")
    online: set[str] = set()
    worker = NotifyWorker(store, hub, reachable=lambda channel, who: channel != "webchat" or who in online,
                          policy=POLICY)
    case_service.transition(file_case(case_service, sender_id=WEB_SENDER).case_number, "accepted", "王警官")
    for _ in range(5):
        assert (await worker.run_once()).waiting == 1
    assert web.sent == [] and rows(store)[0].attempts == 0
    online.add(WEB_SENDER)
    assert (await worker.run_once()).sent == 1
    assert web.sent[0][0] == WEB_SENDER


async def test_unsubscribe_stops_and_resubscribe_restarts(case_service: CaseService, store: OutboxStore,
                                                          hub: DeliveryHub) -> None:
    telegram = FakeChannel(hub)
    worker = NotifyWorker(store, hub, policy=POLICY)
    number = file_case(case_service).case_number
    case_service.transition(number, "accepted", "王警官")
    store.opt_out(TG_CHAT)  # before the worker got to it
    case_service.transition(number, "in_progress", "王警官")
    await worker.run_once()
    assert telegram.sent == []
    assert [row.state for row in rows(store)] == [State.SUPPRESSED, State.SUPPRESSED]
    store.opt_in(TG_CHAT)
    case_service.transition(number, "answered", "王警官")
    await worker.run_once()
    assert len(telegram.sent) == 1 and "「已答复」" in telegram.sent[0][1]
    assert "申请复查期限" in telegram.sent[0][1]


async def test_two_workers_never_double_send(migrated_db_url: str, case_service: CaseService,
                                             fake_clock: FakeClock) -> None:
    """Two workers, each with its own engine (as two gateways would), race over 30 rows."""
    for index in range(30):
        filed = file_case(case_service, sender_id=str(1000 + index), phone=f"139{index:08d}")
        case_service.transition(filed.case_number, "accepted", "王警官")
    hub = DeliveryHub()
    telegram = FakeChannel(hub)
    engines = [make_engine(migrated_db_url) for _ in range(2)]
    try:
        workers = [NotifyWorker(OutboxStore(make_session_factory(engine), fake_clock), hub,
                                policy=WorkerPolicy(batch=7), owner=f"w{n}")
                   for n, engine in enumerate(engines)]
        for _ in range(6):
            await asyncio.gather(*(worker.run_once() for worker in workers))
    finally:
        for engine in engines:
            engine.dispose()
    counts = telegram.per_recipient()
    assert len(counts) == 30 and set(counts.values()) == {1}


@pytest.mark.postgres
def test_postgres_claim_skips_rows_locked_by_another_worker(postgres_url: str) -> None:
    """A row another worker is claiming (locked, not yet committed) is skipped, not waited for."""
    from bot.cases.codes import CodeHasher
    from bot.store.migrate import upgrade

    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    try:
        factory = make_session_factory(engine)
        clock = FakeClock(datetime(2026, 3, 2, 2, 0))
        cases = CaseService(factory, clock=clock, hasher=CodeHasher(time_cost=1, memory_cost=1024))
        for index in range(2):
            filed = file_case(cases, sender_id=str(500 + index), phone=f"1370000000{index}")
            cases.transition(filed.case_number, "accepted", "王警官")
        store = OutboxStore(factory, clock)
        with factory() as holder:  # worker A, mid-claim: holds the first row's lock
            first = holder.execute(select(OutboxRow).order_by(OutboxRow.id).limit(1)
                                   .with_for_update()).scalar_one()
            claimed = store.claim("worker-b", lease=timedelta(minutes=5))
            assert [row.id for row in claimed] == [first.id + 1]
            holder.rollback()
    finally:
        engine.dispose()


async def test_web_chat_rows_waiting_for_a_visit_do_not_starve_others(
        case_service: CaseService, store: OutboxStore, hub: DeliveryHub, fake_clock: FakeClock) -> None:
    web, telegram = FakeChannel(hub, "webchat"), FakeChannel(hub)
    worker = NotifyWorker(store, hub, reachable=lambda channel, who: channel != "webchat",
                          policy=WorkerPolicy(batch=5))
    for index in range(12):
        filed = file_case(case_service, sender_id=f"web-away{index:06d}", phone=f"136{index:08d}")
        case_service.transition(filed.case_number, "accepted", "王警官")
    fake_clock.advance(seconds=1)
    case_service.transition(file_case(case_service).case_number, "accepted", "王警官")
    for _ in range(4):
        fake_clock.advance(seconds=1)
        await worker.run_once()
    assert len(telegram.sent) == 1 and web.sent == []


# ------------------------------------------------- a petition registered as rejected
NOTICE = "「停车收费」不属于交警受理，请找：市场监督管理部门，联系：12315。"


def test_a_case_filed_as_rejected_gets_its_notice_through_the_outbox(
        case_service: CaseService, store: OutboxStore) -> None:
    """第二十三条: registered, status 不予受理并告知, the notice of where to go queued with it."""
    filed = case_service.file_case(
        matter="parking_fee", petitioner_name="张三丰", petitioner_phone="13812345678",
        petitioner_address="北京市朝阳区建国路88号", channel="online", description="小区停车收费太高了",
        requested_outcome="降低收费", reasons="收费不合理", sender_id=TG_CHAT, rejected_notice=NOTICE)
    case = case_service.get(filed.case_number)
    assert case is not None and case.status.value == "rejected"
    assert [(e.kind, e.from_status, e.to_status) for e in case.events] == [
        ("filed", None, "received"), ("status", "received", "rejected")]
    assert case.events[-1].note == NOTICE and case.petitioner_address == "北京市朝阳区建国路88号"
    [row] = rows(store)
    assert (row.recipient, row.state, row.status) == (TG_CHAT, "pending", "rejected")
    assert "「不予受理并告知」" in row.text and "接下来：" + NOTICE in row.text
    for personal in ("张三丰", "13812345678", "建国路"):
        assert personal not in row.text


def test_no_rejected_case_without_its_notice(case_service: CaseService, store: OutboxStore,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The case and its notice are one transaction: if the outbox write fails, no case."""
    import bot.cases.notices as notices

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("outbox down")

    monkeypatch.setattr(notices, "enqueue", broken)
    with pytest.raises(RuntimeError):
        case_service.file_case(
            matter="parking_fee", petitioner_name="张三丰", petitioner_phone="13812345678",
            channel="online", description="小区停车收费太高了", requested_outcome="降低收费",
            reasons="收费不合理", sender_id=TG_CHAT, rejected_notice=NOTICE)
    assert case_service.list_cases() == [] and rows(store) == []
