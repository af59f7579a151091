"""A 复核 hearing (听证) recorded on the console's case page: role-checked, CSRF-protected,
audited; while it is under way the case is not overdue (第三十六条第二款)."""
from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.accounts.service import AccountService
from bot.audit.models import AuditEntry
from bot.cases.codes import CodeHasher
from bot.cases.service import CaseService
from bot.store.db import session_scope
from tests.console.conftest import NewClient
from tests.handoff.fixtures import PASSWORD, Officers


def recheck_case(cases: CaseService) -> str:
    filed = cases.file_case(matter="traffic_order", petitioner_name="张三丰",
                            petitioner_phone="13812345678", channel="letter",
                            petitioner_address="北京市朝阳区建国路88号", description="路口秩序混乱",
                            requested_outcome="请加强管理", reasons="影响通行")
    for status in ("accepted", "in_progress", "answered", "review", "answered", "recheck"):
        cases.transition(filed.case_number, status, "王警官")
    return filed.case_number


async def test_recording_a_hearing_on_the_case_page(
        gateway: TestClient, new_client: NewClient, officers: Officers, accounts: AccountService,
        factory: sessionmaker) -> None:
    cases = CaseService(factory, hasher=CodeHasher(time_cost=1, memory_cost=1024))
    number = recheck_case(cases)
    today = cases.today()
    client = await new_client()
    await client.login("wang", PASSWORD)
    page = await client.get(f"/console/cases/{number}")
    assert "北京市朝阳区建国路88号" in page  # officers see the 住址 in full
    assert f'action="/console/cases/{number}/hearing"' in page and "第三十六条第二款" in page
    path = f"/console/cases/{number}/hearing"
    await client.post(path, {"started": today.isoformat()}, csrf="forged", status=403)
    bad = await client.post(path, {"started": "昨天"}, status=400)
    assert "听证开始日期" in await bad.text()
    future = await client.post(path, {"started": (today + timedelta(days=3)).isoformat()}, status=400)
    assert "不能晚于今天" in await future.text()
    assert cases.get(number).hearing_started_at is None  # type: ignore[union-attr]
    await client.post(path, {"started": today.isoformat(), "days": ""})
    case = cases.get(number)
    assert case is not None and case.hearing_under_way
    page = await client.get(f"/console/cases/{number}")
    assert "进行中" in page and "听证时间不计入" in page
    await client.post(path, {"started": today.isoformat(), "days": "1"})
    case = cases.get(number)
    assert case is not None and case.hearing_days == 1
    assert case.recheck_due == today + timedelta(days=31)
    assert f'action="/console/cases/{number}/hearing"' not in await client.get(f"/console/cases/{number}")
    # A supervisor instructs but does not handle the case.
    accounts.create("du", "督办员", PASSWORD, role="supervisor")
    supervisor = await new_client()
    await supervisor.login("du", PASSWORD)
    await supervisor.post(path, {"started": today.isoformat()}, status=403)
    with session_scope(factory) as session:
        entries = session.execute(select(AuditEntry).where(AuditEntry.action == "case_hearing")).scalars().all()
        assert [(e.actor, e.target_id) for e in entries] == [("wang", number), ("wang", number)]
