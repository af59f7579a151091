"""CaseService on SQLite and PostgreSQL: filing, duplicates, transitions, extension,
verification with lockout, listing, and concurrent number allocation."""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.cases.codes import normalise_query_code
from bot.cases.errors import CaseNotFound, CaseValidationError, ExtensionError, IllegalTransition
from bot.cases.models import CaseEvent, VerificationAttempt
from bot.cases.service import CaseService
from bot.cases.status import CaseStatus as S

PETITION: dict[str, Any] = {
    "matter": "traffic_order",
    "petitioner_name": "张三丰",
    "petitioner_phone": "138-1234-5678",
    "channel": "online",
    "description": "小区门口每天有车辆违法停车，堵住消防通道。",
    "requested_outcome": "请加强巡查并处罚违法停车。",
    "reasons": "堵塞消防通道存在安全隐患。",
    "location": "幸福路12号",
    "occurred_at": "每天晚上",
    "sender_id": "web:abc",
}


def file(service: CaseService, **changes: Any) -> Any:
    return service.file_case(**{**PETITION, **changes})


def count(service: CaseService, model: Any, *where: Any) -> int:
    with service._factory() as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


# ------------------------------------------------------------------ filing
def test_file_case(case_service: CaseService) -> None:
    filed = file(case_service)
    assert filed.case_number == "XF-2026-000001"
    assert normalise_query_code(filed.query_code) == filed.query_code
    case = case_service.get(filed.case_number)
    assert case is not None
    assert case.status is S.RECEIVED and case.petitioner_phone == "13812345678"
    assert case.acceptance_due == date(2026, 3, 17) and case.sender_id == "web:abc"
    assert [(e.kind, e.to_status, e.actor) for e in case.events] == [("filed", "received", "citizen")]
    assert file(case_service).case_number == "XF-2026-000002"


def test_query_code_is_not_stored_in_clear(case_service: CaseService) -> None:
    filed = file(case_service)
    with case_service._factory() as session:
        from bot.cases.models import Case

        stored = session.execute(select(Case.query_code_hash)).scalar_one()
    assert filed.query_code not in stored and stored.startswith("$argon2id$")


def test_sequence_restarts_each_year(case_service: CaseService, fake_clock: Any) -> None:
    file(case_service)
    fake_clock.now = datetime(2026, 12, 31, 16, 30)  # 2027-01-01 00:30 in China
    assert file(case_service).case_number == "XF-2027-000001"


@pytest.mark.parametrize("changes,field", [
    ({"petitioner_name": ""}, "petitioner_name"),
    ({"description": "  "}, "description"),
    ({"requested_outcome": None}, "requested_outcome"),
    ({"reasons": ""}, "reasons"),
    ({"petitioner_phone": "12345"}, "petitioner_phone"),
    ({"channel": "carrier pigeon"}, "channel"),
    ({"matter": "DROP TABLE"}, "matter"),
    ({"description": "长" * 5001}, "description"),
])
def test_file_case_validates(case_service: CaseService, changes: dict[str, Any], field: str) -> None:
    with pytest.raises(CaseValidationError) as info:
        file(case_service, **changes)
    assert any(field in problem for problem in info.value.problems)
    assert case_service.list_cases() == []


def test_file_case_reports_all_problems(case_service: CaseService) -> None:
    with pytest.raises(CaseValidationError) as info:
        case_service.file_case(
            matter="traffic_order", petitioner_name="", petitioner_phone="", channel="online",
            description="", requested_outcome="", reasons="",
        )
    assert len(info.value.problems) >= 5


# --------------------------------------------------------------- duplicates
def test_find_open_duplicate(case_service: CaseService) -> None:
    filed = file(case_service)
    found = case_service.find_open_duplicate("+86 138 1234 5678", "traffic_order")
    assert found is not None and found.case_number == filed.case_number
    assert case_service.find_open_duplicate("13812345678", "parking_fee") is None
    assert case_service.find_open_duplicate("13900000000", "traffic_order") is None


@pytest.mark.parametrize("path", [[S.REJECTED], [S.REJECTED, S.CLOSED]])
def test_closed_or_rejected_are_not_duplicates(case_service: CaseService, path: list[S]) -> None:
    filed = file(case_service)
    for status in path:
        case_service.transition(filed.case_number, status, "王警官")
    assert case_service.find_open_duplicate("13812345678", "traffic_order") is None


def test_duplicate_is_the_most_recent_open_case(case_service: CaseService, fake_clock: Any) -> None:
    file(case_service)
    fake_clock.advance(days=1)
    second = file(case_service)
    found = case_service.find_open_duplicate("13812345678", "traffic_order")
    assert found is not None and found.case_number == second.case_number


# -------------------------------------------------------------- transitions
def test_full_lifecycle_stamps_dates_and_events(case_service: CaseService, fake_clock: Any) -> None:
    number = file(case_service).case_number
    steps = [S.ACCEPTED, S.IN_PROGRESS, S.ANSWERED, S.REVIEW, S.ANSWERED, S.RECHECK, S.CLOSED]
    for status in steps:
        fake_clock.advance(days=2)
        case_service.transition(number, status, "王警官", f"to {status.value}")
    case = case_service.get(number)
    assert case is not None and case.status is S.CLOSED
    assert case.accepted_at == datetime(2026, 3, 4, 2, 0)
    assert case.handling_due == date(2026, 5, 3)
    assert case.review_due == date(2026, 4, 9) and case.recheck_due == date(2026, 4, 13)
    assert case.answered_at == datetime(2026, 3, 12, 2, 0)  # the review's written reply
    assert case.closed_at == datetime(2026, 3, 16, 2, 0)
    assert [e.to_status for e in case.events] == ["received"] + [s.value for s in steps]
    assert [e.from_status for e in case.events][1:3] == ["received", "accepted"]
    assert all(e.actor == "王警官" for e in case.events[1:])


def test_illegal_transition_changes_nothing(case_service: CaseService) -> None:
    number = file(case_service).case_number
    with pytest.raises(IllegalTransition):
        case_service.transition(number, S.ANSWERED, "王警官")
    case = case_service.get(number)
    assert case is not None and case.status is S.RECEIVED and len(case.events) == 1


def test_second_review_is_refused(case_service: CaseService) -> None:
    number = file(case_service).case_number
    for status in (S.ACCEPTED, S.IN_PROGRESS, S.ANSWERED, S.REVIEW, S.ANSWERED):
        case_service.transition(number, status, "王警官")
    with pytest.raises(IllegalTransition):
        case_service.transition(number, S.REVIEW, "王警官")


def test_transition_accepts_chinese_labels_and_loose_numbers(case_service: CaseService) -> None:
    case_service.transition(file(case_service).case_number, "受理", "王警官")
    case = case_service.transition("xf2026 1", "办理中", "王警官")
    assert case.status is S.IN_PROGRESS


def test_transition_errors(case_service: CaseService) -> None:
    number = file(case_service).case_number
    with pytest.raises(CaseNotFound):
        case_service.transition("XF-2026-000999", S.ACCEPTED, "王警官")
    with pytest.raises(CaseNotFound):
        case_service.transition("nonsense", S.ACCEPTED, "王警官")
    with pytest.raises(CaseValidationError, match="actor"):
        case_service.transition(number, S.ACCEPTED, "  ")
    with pytest.raises(ValueError, match="unknown status"):
        case_service.transition(number, "finished", "王警官")


def test_backdated_transition(case_service: CaseService, fake_clock: Any) -> None:
    number = file(case_service).case_number
    fake_clock.advance(days=5)
    when = datetime(2026, 3, 3, 1, 0)
    case = case_service.transition(number, S.ACCEPTED, "王警官", at=when)
    assert case.accepted_at == when and case.handling_due == date(2026, 5, 2)
    with pytest.raises(CaseValidationError):
        case_service.transition(number, S.IN_PROGRESS, "王警官", at=fake_clock.now + timedelta(days=1))
    with pytest.raises(CaseValidationError):
        case_service.transition(number, S.IN_PROGRESS, "王警官", at=datetime(2026, 2, 1))


# ---------------------------------------------------------------- extension
def accepted_case(service: CaseService) -> str:
    number = file(service).case_number
    service.transition(number, S.ACCEPTED, "王警官")
    return number


def test_extend_once(case_service: CaseService) -> None:
    number = accepted_case(case_service)
    case = case_service.extend(number, 30, "需等待技术鉴定", "李科长")
    assert case.extension_days == 30 and case.handling_due == date(2026, 5, 31)
    assert case.events[-1].kind == "extension" and "需等待技术鉴定" in case.events[-1].note
    with pytest.raises(ExtensionError, match="只能延长一次"):
        case_service.extend(number, 5, "再延", "李科长")


@pytest.mark.parametrize("days,reason", [(31, "复杂"), (0, "复杂"), (10, ""), (10, "  ")])
def test_invalid_extension(case_service: CaseService, days: int, reason: str) -> None:
    number = accepted_case(case_service)
    with pytest.raises(ExtensionError):
        case_service.extend(number, days, reason, "李科长")
    case = case_service.get(number)
    assert case is not None and case.extension_days is None and case.handling_due == date(2026, 5, 1)


def test_extension_needs_accepted_case(case_service: CaseService) -> None:
    number = file(case_service).case_number
    with pytest.raises(ExtensionError, match="受理"):
        case_service.extend(number, 10, "复杂", "李科长")


def test_extension_survives_progress(case_service: CaseService) -> None:
    number = accepted_case(case_service)
    case_service.extend(number, 10, "复杂", "李科长")
    case = case_service.transition(number, S.IN_PROGRESS, "王警官")
    assert case.handling_due == date(2026, 5, 11)


# ------------------------------------------------------------- verification
def test_verify_success_returns_masked_view(case_service: CaseService) -> None:
    filed = file(case_service)
    result = case_service.verify("tg:1", f"我的案件号是{filed.case_number.lower()}", f" {filed.query_code.lower()} ")
    assert result.ok and not result.locked and result.case is not None
    assert result.case.petitioner_name == "张**" and result.case.petitioner_phone == "138****5678"
    assert result.case.masked and result.case.sender_id is None
    assert result.case_view is result.case


GARBAGE = [
    "' OR '1'='1", "XF-2026-000002'; DROP TABLE cases; --", "<script>alert(1)</script>",
    "x" * 2000, "", None, 12345, "ＡＢＣＤ２３４５", "\x00\x01", "XF-2026-000001" * 200,
    "XF-2026-000001\n" + "A" * 300,
]


@pytest.mark.parametrize("bad", GARBAGE)
def test_any_bad_input_is_a_uniform_failure(case_service: CaseService, bad: Any) -> None:
    filed = file(case_service)
    for number, code in ((bad, filed.query_code), (filed.case_number, bad), (bad, bad)):
        result = case_service.verify("web:x", number, code)
        assert (result.ok, result.case, result.locked) == (False, None, False)
        with case_service._factory() as session:
            session.execute(VerificationAttempt.__table__.delete())
            session.commit()
    assert case_service.get(filed.case_number) is not None


def test_wrong_code_and_unknown_case_look_the_same(case_service: CaseService) -> None:
    filed = file(case_service)
    wrong_code = case_service.verify("a", filed.case_number, "ABCD2345")
    unknown = case_service.verify("b", "XF-2026-000999", filed.query_code)
    assert wrong_code == unknown


def test_five_failures_lock_for_an_hour(case_service: CaseService, fake_clock: Any) -> None:
    filed = file(case_service)
    for _ in range(4):
        assert not case_service.verify("tg:9", filed.case_number, "ABCD2345").locked
        fake_clock.advance(minutes=10)
    fifth = case_service.verify("tg:9", filed.case_number, "ABCD2345")
    assert fifth.locked and not fifth.ok
    fake_clock.advance(minutes=59)
    blocked = case_service.verify("tg:9", filed.case_number, filed.query_code)
    assert (blocked.ok, blocked.locked, blocked.case) == (False, True, None)
    assert case_service.is_locked("tg:9") and not case_service.is_locked("tg:other")
    # The case number is locked too: another sender id gets no more tries on it.
    assert case_service.verify("tg:other", filed.case_number, filed.query_code).locked
    fake_clock.advance(minutes=2)
    assert not case_service.is_locked("tg:9")
    assert case_service.verify("tg:9", filed.case_number, filed.query_code).ok


def test_fresh_sender_ids_do_not_get_more_guesses(case_service: CaseService) -> None:
    """One attacker, a new web-chat sender id per guess: the case number locks."""
    filed = file(case_service)
    results = [case_service.verify(f"web:{i:032x}", filed.case_number, "ABCD2345")
               for i in range(5)]
    assert [r.locked for r in results] == [False] * 4 + [True]
    assert case_service.verify("web:fresh", filed.case_number, filed.query_code).locked


def test_guesses_spread_over_cases_lock_the_client(case_service: CaseService) -> None:
    """Fresh sender ids and a different case each time: the client address locks."""
    numbers = [file(case_service).case_number for _ in range(6)]
    for i, number in enumerate(numbers[:5]):
        case_service.verify(f"web:{i}", number, "ABCD2345", client="c1")
    assert case_service.is_locked("web:new", client="c1")
    assert case_service.verify("web:new", numbers[5], "ABCD2345", client="c1").locked
    assert not case_service.is_locked("web:new", client="c2")


def test_a_verification_shows_the_case_once_to_its_sender(case_service: CaseService,
                                                           fake_clock: Any) -> None:
    filed = file(case_service)
    assert case_service.verified_case("tg:1", filed.case_number) is None  # nothing verified
    assert case_service.verify("tg:1", filed.case_number, filed.query_code).ok
    assert case_service.verified_case("tg:2", filed.case_number) is None  # other sender
    assert case_service.verified_case("tg:1", "XF-2026-000999") is None  # other case
    view = case_service.verified_case("tg:1", filed.case_number.lower())
    assert view is not None and view.masked and view.case_number == filed.case_number
    assert case_service.verified_case("tg:1", filed.case_number) is None  # used up


def test_a_verification_expires(case_service: CaseService, fake_clock: Any) -> None:
    filed = file(case_service)
    assert case_service.verify("tg:1", filed.case_number, filed.query_code).ok
    fake_clock.advance(minutes=11)
    assert case_service.verified_case("tg:1", filed.case_number) is None


def test_failures_spread_over_more_than_an_hour_do_not_lock(case_service: CaseService, fake_clock: Any) -> None:
    filed = file(case_service)
    for _ in range(8):
        assert not case_service.verify("s", filed.case_number, "ABCD2345").locked
        fake_clock.advance(minutes=16)
    assert case_service.verify("s", filed.case_number, filed.query_code).ok


def test_success_resets_nothing(case_service: CaseService, fake_clock: Any) -> None:
    filed = file(case_service)
    for _ in range(4):
        case_service.verify("s", filed.case_number, "ABCD2345")
    assert case_service.verify("s", filed.case_number, filed.query_code).ok
    assert case_service.verify("s", filed.case_number, "ABCD2345").locked
    assert not case_service.verify("s", filed.case_number, filed.query_code).ok


def test_blocked_attempts_do_not_extend_the_lock(case_service: CaseService, fake_clock: Any) -> None:
    filed = file(case_service)
    for _ in range(5):
        case_service.verify("s", filed.case_number, "ABCD2345")
    for _ in range(10):
        fake_clock.advance(minutes=5)
        assert case_service.verify("s", filed.case_number, "ABCD2345").locked
    fake_clock.advance(minutes=11)
    assert case_service.verify("s", filed.case_number, filed.query_code).ok


def test_attempts_are_recorded(case_service: CaseService) -> None:
    filed = file(case_service)
    case_service.verify("s", filed.case_number, "ABCD2345")
    case_service.verify("s", filed.case_number, filed.query_code)
    case_service.verify("x" * 1000, "nonsense", "nonsense")
    assert count(case_service, VerificationAttempt) == 3
    assert count(case_service, VerificationAttempt, VerificationAttempt.success.is_(True)) == 1


def test_reset_query_code(case_service: CaseService) -> None:
    filed = file(case_service)
    new_code = case_service.reset_query_code(filed.case_number, "王警官")
    assert new_code != filed.query_code
    assert not case_service.verify("s", filed.case_number, filed.query_code).ok
    assert case_service.verify("s", filed.case_number, new_code).ok


# ------------------------------------------------------------------ reading
def test_get_and_officer_access(case_service: CaseService) -> None:
    filed = file(case_service)
    assert case_service.get("XF-2026-000999") is None and case_service.get("garbage") is None
    case = case_service.view_for_officer(filed.case_number, "王警官")
    assert case.petitioner_name == "张三丰" and case.events[-1].kind == "access"
    assert count(case_service, CaseEvent, CaseEvent.kind == "access") == 1


def test_list_cases_filters(case_service: CaseService, fake_clock: Any) -> None:
    old = file(case_service).case_number
    fake_clock.advance(days=10)
    accepted = accepted_case(case_service)
    file(case_service, matter="vehicle_noise")
    assert len(case_service.list_cases()) == 3
    assert [c.case_number for c in case_service.list_cases("accepted")] == [accepted]
    assert len(case_service.list_cases(status="登记")) == 2
    assert len(case_service.list_cases(matter="vehicle_noise")) == 1
    assert case_service.list_cases(overdue_only=True) == []
    fake_clock.advance(days=6)
    assert [c.case_number for c in case_service.list_cases(overdue_only=True)] == [old]
    assert len(case_service.list_cases(limit=1)) == 1


def test_concurrent_filing_allocates_unique_numbers(case_service: CaseService) -> None:
    results: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(4):
                results.append(file(case_service).case_number)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [f"XF-2026-{n:06d}" for n in range(1, 25)]


# ------------------------------------------------------------ 复核 hearings
def recheck_case(service: CaseService, clock: Any) -> str:
    """A case whose 复核 request arrived on 2026-03-08 (answer due 2026-04-07)."""
    number = file(service).case_number
    for status in (S.ACCEPTED, S.IN_PROGRESS, S.ANSWERED, S.REVIEW, S.ANSWERED, S.RECHECK):
        clock.advance(days=1)
        service.transition(number, status, "王警官")
    return number


def test_a_hearing_under_way_stops_the_recheck_clock(case_service: CaseService, fake_clock: Any) -> None:
    """第三十六条第二款: 听证所需时间不计算在前款规定的期限内."""
    from bot.cases.deadlines import next_deadline

    number = recheck_case(case_service, fake_clock)
    assert case_service.get(number).recheck_due == date(2026, 4, 7)  # type: ignore[union-attr]
    fake_clock.advance(days=10)
    case = case_service.record_hearing(number, date(2026, 3, 18), None, "王警官")
    assert case.hearing_under_way and case.events[-1].kind == "hearing"
    fake_clock.advance(days=40)  # 2026-04-27: past the 30 days, but the hearing goes on
    deadline = next_deadline(case_service.get(number), case_service.today())  # type: ignore[arg-type]
    assert deadline is not None and not deadline.overdue and "听证" in deadline.label
    assert case_service.list_cases(overdue_only=True) == []
    # Over after 12 days (18..29 March): the 复核 period ends 12 days later.
    done = case_service.record_hearing(number, date(2026, 3, 18), 12, "王警官")
    assert (done.hearing_days, done.recheck_due) == (12, date(2026, 4, 19))
    assert next_deadline(done, case_service.today()).overdue  # type: ignore[union-attr]
    assert [c.case_number for c in case_service.list_cases(overdue_only=True)] == [number]
    with pytest.raises(CaseValidationError):  # recorded as finished: no second hearing
        case_service.record_hearing(number, date(2026, 3, 18), 3, "王警官")


@pytest.mark.parametrize("started,days", [
    (date(2026, 3, 7), None),    # before the 复核 request
    (date(2026, 4, 8), None),    # after the period had run out
    (date(2026, 3, 20), None),   # in the future (today is 2026-03-10)
    (date(2026, 3, 9), 5),       # ends in the future
    (date(2026, 3, 9), 0),       # no such duration
])
def test_invalid_hearings_are_refused(case_service: CaseService, fake_clock: Any,
                                      started: date, days: Any) -> None:
    number = recheck_case(case_service, fake_clock)
    fake_clock.advance(days=2)
    with pytest.raises(CaseValidationError):
        case_service.record_hearing(number, started, days, "王警官")
    assert case_service.get(number).hearing_started_at is None  # type: ignore[union-attr]


def test_only_a_recheck_has_a_hearing(case_service: CaseService) -> None:
    number = file(case_service).case_number
    with pytest.raises(CaseValidationError):
        case_service.record_hearing(number, date(2026, 3, 2), None, "王警官")
