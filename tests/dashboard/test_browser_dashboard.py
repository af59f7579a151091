"""The dashboard in headless Chromium: an admin logs in, sees the charts and the 分流 figure,
changes the period and downloads a CSV.  The real gateway app (aiohttp test server) over
the known data; Playwright's async API shares the test's event loop with the server."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from tests.browser.browser import CHROMIUM, CHROMIUM_ARGS
from tests.handoff.fixtures import PASSWORD

pytestmark = [pytest.mark.browser]

ALL_CHARTS_LOADED = """() => {
  const images = [...document.querySelectorAll('#charts img')];
  return images.length === 6 && images.every(i => i.complete && i.naturalWidth > 0);
}"""


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_admin_uses_the_dashboard_in_the_browser(dashboard_gateway: TestClient, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    base = str(dashboard_gateway.make_url("")).rstrip("/")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                   args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(accept_downloads=True)
            page.set_default_timeout(30_000)
            try:
                await _flow(page, base, tmp_path)
            finally:
                await page.screenshot(path=str(tmp_path / "dashboard-last.png"), full_page=True)
        finally:
            await browser.close()


async def _flow(page, base: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Login lands back on the dashboard (the default period: the 30 days to 20 Dec).
    await page.goto(base + "/console/dashboard")
    await page.wait_for_url("**/console/login**")
    await page.fill("#username", "chief")
    await page.fill("#password", PASSWORD)
    await page.click("#login-form button[type=submit]")
    await page.wait_for_url("**/console/dashboard")
    assert "2026-11-21 至 2026-12-20" in await page.inner_text("#period-label")
    # 分流 in the 30 days: s1 s3 s4 s6, s5 (29 Nov) and s8 (7 Dec).
    assert await page.inner_text("#kpi-diverted") == "6"
    assert "分流" in await page.inner_text("#diversion-figure")
    await page.wait_for_function(ALL_CHARTS_LOADED)

    # The week 2026-W49 as a custom period.
    await page.check("input[name=period][value=custom]")
    await page.fill("#from", "2026-11-30")
    await page.fill("#to", "2026-12-06")
    await page.click("#apply")
    await page.wait_for_url("**/console/dashboard?period=custom&from=2026-11-30&to=2026-12-06")
    assert await page.inner_text("#kpi-diverted") == "4"
    assert await page.inner_text("#kpi-still") == "2"
    await page.wait_for_function(ALL_CHARTS_LOADED)
    widths = await page.eval_on_selector_all("#charts img", "images => images.map(i => i.naturalWidth)")
    assert all(width > 300 for width in widths)

    # Download the matters table as CSV.
    async with page.expect_download() as info:
        await page.click("#csv-matters")
    download = await info.value
    assert download.suggested_filename == "dashboard-matters-2026-11-30-2026-12-06.csv"
    target = tmp_path / download.suggested_filename
    await download.save_as(str(target))
    rows = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
    assert rows[0][0] == "事项" and rows[1][1:] == ["parking_fee", "不受理", "2", "2"]
