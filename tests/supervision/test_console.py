"""The 督办 page (supervisors and admins only), instructions and their acknowledgement
(CSRF, audit), the nav link and the due-soon / overdue badges."""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.accounts.service import AccountService
from bot.audit.models import AuditEntry
from bot.cases.models import SupervisionInstruction
from bot.cases.service import CaseService
from bot.store.db import session_scope
from tests.console.helpers import ConsoleClient
from tests.handoff.fixtures import PASSWORD, Officers
from tests.supervision.conftest import file
from tests.supervision.test_deadlines import accept, at_china


def audit(case_service: CaseService, action: str) -> list[AuditEntry]:
    with session_scope(case_service._factory) as session:
        return list(session.execute(select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.id)).scalars())


async def login(gateway: TestClient, aiohttp_client: Any, username: str) -> ConsoleClient:
    client = ConsoleClient(await aiohttp_client(gateway.server))
    await client.login(username, PASSWORD)
    return client


async def test_page_requires_supervisor_or_admin(gateway: TestClient, aiohttp_client: Any,
                                                 accounts: AccountService,
                                                 officers: Officers) -> None:
    accounts.create("zhao", "赵督办", PASSWORD, role="supervisor")
    anonymous = await gateway.get("/console/supervision", allow_redirects=False)
    assert anonymous.status == 302
    assert anonymous.headers["Location"].startswith("/console/login?next=")
    wang = await login(gateway, aiohttp_client, "wang")
    page = await wang.get("/console/supervision", status=403)
    assert "督办员或管理员" in page
    assert 'id="nav-supervision"' not in await wang.get("/console/cases")
    await wang.post("/console/supervision/XF-2026-000001/instructions", {"text": "快办"},
                    status=403)
    for name in ("zhao", "chief"):
        client = await login(gateway, aiohttp_client, name)
        page = await client.get("/console/supervision")
        assert "督办 · 超期案件" in page and 'id="nav-supervision"' in page
    zhao = await login(gateway, aiohttp_client, "zhao")
    assert "督办员" in await zhao.get("/console/cases")  # role label in the header


async def test_instruction_then_acknowledgement(gateway: TestClient, aiohttp_client: Any,
                                                accounts: AccountService, officers: Officers,
                                                case_service: CaseService,
                                                fake_clock: Any) -> None:
    accounts.create("zhao", "赵督办", PASSWORD, role="supervisor")
    late = file(case_service)
    accept(case_service, late)
    at_china(fake_clock, date(2026, 4, 29))
    soon = file(case_service)
    at_china(fake_clock, date(2026, 5, 12))  # handling due 05-01, acceptance due 05-14
    zhao = await login(gateway, aiohttp_client, "zhao")
    page = await zhao.get("/console/supervision")
    overdue_part, soon_part = page.split('id="due-soon"')
    assert late in overdue_part and "已超期11天" in overdue_part and "王警官" in overdue_part
    assert soon in soon_part and "剩2天" in soon_part and soon not in overdue_part
    assert "张三丰" not in page

    # CSRF: without the session's token the instruction is refused.
    path = f"/console/supervision/{late}/instructions"
    await zhao.post(path, {"text": "请三日内办结并报告"}, status=403, csrf="forged")
    await zhao.post(path, {"text": "   "}, status=302)  # empty: back with an error
    response = await zhao.post(path, {"text": "请三日内办结并报告"})
    assert response.headers["Location"] == "/console/supervision?msg=instructed"
    with session_scope(case_service._factory) as session:
        rows = list(session.execute(select(SupervisionInstruction)).scalars())
    assert [(r.author, r.text, r.acknowledged_at) for r in rows] == [("zhao", "请三日内办结并报告", None)]
    entries = audit(case_service, "supervision_instruction")
    assert [(e.actor, e.target_id) for e in entries] == [("zhao", late)]
    assert "1条待确认" in await zhao.get("/console/supervision")

    # The handling officer sees it on the case page (with the overdue badge) and confirms.
    wang = await login(gateway, aiohttp_client, "wang")
    case_page = await wang.get(f"/console/cases/{late}")
    assert "请三日内办结并报告" in case_page and "确认收到督办意见" in case_page
    assert 'id="deadline-badge"' in case_page and "超期督办" in case_page
    ack = re.search(r'action="(/console/cases/[^"]+/ack)"', case_page)
    assert ack is not None
    await wang.post(ack.group(1), status=403, csrf="")
    response = await wang.post(ack.group(1))
    assert response.headers["Location"] == f"/console/cases/{late}?msg=acknowledged"
    case_page = await wang.get(f"/console/cases/{late}")
    assert "确认收到督办意见" not in case_page and "wang 已于" in case_page
    response = await wang.post(ack.group(1))  # twice: nothing more happens
    assert response.headers["Location"].endswith("msg=ack_failed")
    assert [(e.actor, e.target_id) for e in audit(case_service, "supervision_ack")] == [("wang", late)]

    # Badges on the case list: overdue and due soon.
    cases = await wang.get("/console/cases")
    assert "已超期" in cases and "即将到期" in cases
    soon_page = await wang.get(f"/console/cases/{soon}")
    assert "即将到期" in soon_page and "督办意见" not in soon_page


async def test_unknown_case(gateway: TestClient, aiohttp_client: Any, officers: Officers) -> None:
    chief = await login(gateway, aiohttp_client, "chief")
    await chief.post("/console/supervision/XF-2026-999999/instructions", {"text": "x"}, status=404)
    await chief.post("/console/cases/XF-2026-999999/instructions/1/ack", status=404)
