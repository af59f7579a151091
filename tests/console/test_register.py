"""Registering a letter or visit in the console: the 住址 (第十九条) is required and stored,
the query code is shown once, supervisors may not register, every registration is audited."""
from __future__ import annotations

import re

from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.accounts.service import AccountService
from bot.audit.models import AuditEntry
from bot.cases.service import CaseService
from bot.store.db import session_scope
from tests.console.conftest import NewClient
from tests.handoff.fixtures import PASSWORD, Officers

PETITION = {"matter": "accident_determination", "channel": "visit", "petitioner_name": "李四",
            "petitioner_phone": "13912345678", "description": "事故认定书超过十日没有出具",
            "requested_outcome": "尽快出具认定书", "reasons": "超过法定期限"}


async def test_an_officer_registers_a_visit_with_the_address(
        gateway: TestClient, new_client: NewClient, officers: Officers, accounts: AccountService,
        factory: sessionmaker) -> None:
    client = await new_client()
    await client.login("wang", PASSWORD)
    assert "/console/petitions/new" in await client.get("/console/cases")
    form = await client.get("/console/petitions/new")
    assert 'name="petitioner_address"' in form and "第十九条" in form
    bad = await client.post("/console/petitions/new", {**PETITION, "petitioner_address": "北京"},
                            status=400)
    text = await bad.text()
    assert "住址须写到" in text and "事故认定书超过十日没有出具" in text  # the form is kept
    await client.post("/console/petitions/new", {**PETITION, "petitioner_address": "北京市朝阳区建国路88号"},
                      csrf="forged", status=403)
    done = await client.post("/console/petitions/new",
                             {**PETITION, "petitioner_address": "北京市朝阳区建国路88号"}, status=200)
    page = await done.text()
    number = re.search(r"XF-\d{4}-\d{6}", page).group(0)  # type: ignore[union-attr]
    assert re.search(r'id="query-code">[A-Z2-9]{8}<', page)
    case = CaseService(factory).get(number)
    assert case is not None and case.petitioner_address == "北京市朝阳区建国路88号"
    assert case.channel.value == "visit" and case.events[0].actor == "wang"
    accounts.create("du", "督办员", PASSWORD, role="supervisor")
    supervisor = await new_client()
    await supervisor.login("du", PASSWORD)
    await supervisor.get("/console/petitions/new", status=403)
    await supervisor.post("/console/petitions/new", {**PETITION, "petitioner_address": "北京市朝阳区建国路88号"},
                          status=403)
    with session_scope(factory) as session:
        entries = session.execute(select(AuditEntry).where(AuditEntry.action == "case_register")).scalars().all()
        assert [(e.actor, e.target_id) for e in entries] == [("wang", number)]
