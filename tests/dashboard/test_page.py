"""/console/dashboard: roles, the page, charts (SVG), CSV downloads, audit."""
from __future__ import annotations

import csv
import io

from aiohttp.test_utils import TestClient

from bot.audit.log import AuditLog
from bot.dashboard.queries import phone_hash
from tests.console.helpers import ConsoleClient
from tests.dashboard.data import P1
from tests.handoff.fixtures import PASSWORD

WEEK_QUERY = "period=custom&from=2026-11-30&to=2026-12-06"


async def _admin(client: TestClient) -> ConsoleClient:
    console = ConsoleClient(client)
    await console.login("chief", PASSWORD)
    return console


async def test_anonymous_goes_to_login(dashboard_gateway: TestClient) -> None:
    for path in ("/console/dashboard", "/console/dashboard/chart/matters.svg",
                 "/console/dashboard/csv/summary.csv"):
        response = await dashboard_gateway.get(path, allow_redirects=False)
        assert response.status == 302
        assert response.headers["Location"].startswith("/console/login?next=")


async def test_officers_get_403(dashboard_gateway: TestClient) -> None:
    console = ConsoleClient(dashboard_gateway)
    await console.login("wang", PASSWORD)
    for path in ("/console/dashboard", f"/console/dashboard/chart/matters.svg?{WEEK_QUERY}",
                 f"/console/dashboard/csv/summary.csv?{WEEK_QUERY}"):
        text = await console.get(path, status=403)
        assert "领导看板" in text and "分流" not in text
    assert "nav-dashboard" not in await console.get("/console/queue")


async def test_admin_sees_the_week(dashboard_gateway: TestClient, factory) -> None:  # type: ignore[no-untyped-def]
    console = await _admin(dashboard_gateway)
    assert 'id="nav-dashboard"' in await console.get("/console/queue")
    html = await console.get(f"/console/dashboard?{WEEK_QUERY}")
    assert "2026-11-30 至 2026-12-06" in html
    assert 'id="kpi-diverted">4<' in html and 'id="kpi-still">2<' in html
    assert 'id="kpi-overdue">2<' in html
    for key in ("conversations", "matters", "diversion", "handoffs", "cases_week", "cases_flow"):
        assert f"/console/dashboard/chart/{key}.svg?{WEEK_QUERY}" in html.replace("&amp;", "&")
    assert "139****2222" in html  # admins may see the masked phone of a repeat petitioner
    assert P1 not in html
    audit = AuditLog(factory).recent(action="dashboard_view")
    assert audit and audit[0].actor == "chief" and audit[0].target_id == "2026-11-30 至 2026-12-06"


async def test_bad_custom_period_falls_back_with_a_message(dashboard_gateway: TestClient) -> None:
    console = await _admin(dashboard_gateway)
    html = await console.get("/console/dashboard?period=custom&from=2026-12-06&to=2026-11-30")
    assert 'id="period-error"' in html and "结束日期早于开始日期" in html


async def test_charts_are_svg(dashboard_gateway: TestClient) -> None:
    console = await _admin(dashboard_gateway)
    response = await dashboard_gateway.get(f"/console/dashboard/chart/diversion.svg?{WEEK_QUERY}")
    assert response.status == 200
    assert response.content_type == "image/svg+xml"
    body = await response.text()
    assert body.lstrip().startswith("<?xml") and "<svg" in body and "<path" in body
    assert len(body) > 5000
    assert console.client is dashboard_gateway
    missing = await dashboard_gateway.get(f"/console/dashboard/chart/nope.svg?{WEEK_QUERY}")
    assert missing.status == 404


async def test_csv_download(dashboard_gateway: TestClient, factory) -> None:  # type: ignore[no-untyped-def]
    await _admin(dashboard_gateway)
    response = await dashboard_gateway.get(f"/console/dashboard/csv/matters.csv?{WEEK_QUERY}")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    assert rows[0] == ["事项", "事项代码", "是否交警受理", "对话数", "答复次数"]
    assert rows[1][1:] == ["parking_fee", "不受理", "2", "2"]
    assert len(rows) == 6
    repeats = await dashboard_gateway.get(f"/console/dashboard/csv/repeats.csv?{WEEK_QUERY}")
    text = (await repeats.read()).decode("utf-8-sig")
    assert phone_hash(P1) in text and "XF-2026-000001" in text and P1 not in text
    entry = AuditLog(factory).recent(action="dashboard_export")[0]
    assert (entry.actor, entry.target_id) == ("chief", "repeats")
    assert (await dashboard_gateway.get(f"/console/dashboard/csv/nope.csv?{WEEK_QUERY}")).status == 404
