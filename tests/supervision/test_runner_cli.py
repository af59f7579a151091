"""The hourly check's lease (one of two gateway instances runs it) and the CLI."""
from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from bot.audit.models import AuditEntry
from bot.cases.cli import main
from bot.cases.service import CaseService
from bot.cases.supervision import Supervision
from bot.gateway.supervision import DeadlineCheck
from bot.store.db import session_scope
from tests.supervision.conftest import file
from tests.supervision.test_deadlines import accept, at_china


def checks(supervision: Supervision) -> list[AuditEntry]:
    with session_scope(supervision._factory) as session:
        return list(session.execute(select(AuditEntry).where(
            AuditEntry.action == "deadline_check")).scalars())


async def test_only_one_of_two_runners_checks_each_hour(case_service: CaseService,
                                                        migrated_db_url: str,
                                                        fake_clock: Any) -> None:
    number = file(case_service)
    at_china(fake_clock, date(2026, 3, 18))
    sent: list[str] = []

    async def send(text: str) -> None:
        sent.append(text)

    factory = case_service._factory
    one = DeadlineCheck(Supervision(factory, fake_clock), send, holder="gw-one")
    two = DeadlineCheck(Supervision(factory, fake_clock), send, holder="gw-two")
    results = await asyncio.gather(one.run_once(), two.run_once())
    assert sorted(r is None for r in results) == [False, True]
    ran = next(r for r in results if r is not None)
    assert [i.case_number for i in ran] == [number]
    assert len(sent) == 1 and number in sent[0] and "超期1天" in sent[0]
    assert "张三丰" not in sent[0] and "1381" not in sent[0]  # no personal data
    # Within the hour nobody runs it again, not even the holder.
    fake_clock.advance(minutes=59)
    assert await one.run_once() is None and await two.run_once() is None
    # After the hour exactly one of them runs it.
    fake_clock.advance(minutes=1)
    again = [await two.run_once(), await one.run_once()]
    assert again[0] is not None and again[1] is None
    assert len(sent) == 2 and len(checks(one.supervision)) == 2


async def test_a_failing_telegram_does_not_stop_the_check(case_service: CaseService,
                                                          fake_clock: Any) -> None:
    file(case_service)
    at_china(fake_clock, date(2026, 3, 18))

    async def broken(text: str) -> None:
        raise ConnectionError("telegram down")

    runner = DeadlineCheck(Supervision(case_service._factory, fake_clock), broken)
    assert len(await runner.run_once() or []) == 1


def test_cli_overdue(capsys: pytest.CaptureFixture[str], case_service: CaseService,
                     migrated_db_url: str, fake_clock: Any) -> None:
    late = file(case_service)
    accept(case_service, late)  # handling due 05-01
    at_china(fake_clock, date(2026, 4, 29))
    soon = file(case_service)   # acceptance due 05-14: not listed on 05-03
    at_china(fake_clock, date(2026, 5, 3))
    code = main(["overdue", "--db", migrated_db_url], clock=fake_clock)
    out = capsys.readouterr().out
    assert code == 0
    assert "超期案件 / overdue: 1" in out and "3日内到期 / due soon: 0" in out
    assert late in out and "已超期2天" in out and "承办民警: 王警官" in out
    assert "办结期限 2026-05-01" in out and soon not in out
    at_china(fake_clock, date(2026, 5, 14))
    assert main(["overdue", "--db", migrated_db_url], clock=fake_clock) == 0
    out = capsys.readouterr().out
    assert "3日内到期 / due soon: 1" in out and soon in out and "今日到期" in out
    assert "张三丰" not in out


def test_cli_overdue_empty(capsys: pytest.CaptureFixture[str], sqlite_url: str,
                           fake_clock: Any) -> None:
    assert main(["overdue", "--db", sqlite_url], clock=fake_clock) == 0
    assert "超期案件 / overdue: 0" in capsys.readouterr().out


def test_supervisor_role_in_accounts_cli() -> None:
    from bot.accounts.cli import build_parser

    args = build_parser().parse_args(["add", "zhao", "--name", "赵督办", "--role", "supervisor"])
    assert args.role == "supervisor"
