"""The admin flow in headless Chromium: login → inbox → label → retrain (live progress) → deploy.

Runs against the real stack; its training run is reused by test_e2e_retrain (same session).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.admin.inbox import text_key
from tests.admin.stack_admin import (
    ADMIN_PASSWORD,
    ADMIN_USER,
    MISUNDERSTOOD,
    RIGHT_LABEL,
    TRAIN_TIMEOUT,
    StackAdmin,
    say,
)
from tests.browser.browser import chromium_browser

pytestmark = [pytest.mark.stack, pytest.mark.browser, pytest.mark.slow]


def test_admin_fixes_a_misunderstood_message_in_the_browser(stack_admin: StackAdmin, tmp_path: Path) -> None:
    service, stack = stack_admin.service, stack_admin.stack
    stack_admin.restore_initial()
    service.labels.undo([text_key(MISUNDERSTOOD)], "test-setup")  # back in the open inbox
    say(stack, "browser-citizen", MISUNDERSTOOD)
    assert stack_admin.parse(MISUNDERSTOOD) != RIGHT_LABEL
    try:
        with chromium_browser() as browser:
            page = browser.new_page()
            page.set_default_timeout(60_000)
            page.on("dialog", lambda dialog: dialog.accept())
            try:
                _flow(page, stack.gateway_url)
            finally:
                page.screenshot(path=str(tmp_path / "admin-last.png"), full_page=True)
        assert stack_admin.parse(MISUNDERSTOOD) == RIGHT_LABEL  # the running bot now understands it
    finally:
        stack_admin.restore_initial()


def _flow(page, gateway: str) -> None:  # type: ignore[no-untyped-def]
    # Login (the console's login page) and land on the inbox.
    page.goto(gateway + "/admin")
    page.wait_for_url("**/console/login**")
    page.fill("#username", ADMIN_USER)
    page.fill("#password", ADMIN_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/console/admin/inbox**")

    # The misunderstood message is in the inbox, masked, with the model's guesses; label it.
    row = page.locator("tr.item", has_text=MISUNDERSTOOD).first
    assert "未理解" in row.inner_text()
    key = row.get_attribute("data-key")
    row.locator(f"select[name='label_{key}']").select_option(RIGHT_LABEL)
    row.locator(f"button[value='label:{key}']").click()
    page.wait_for_selector(".flash:has-text('已保存标注')")
    assert page.locator("tr.item", has_text=MISUNDERSTOOD).count() == 0

    # Retrain: the job page shows live progress (polled), then reloads with the results.
    page.click("#retrain")
    page.wait_for_url("**/console/admin/jobs/*")
    page.wait_for_selector("#job-status progress")
    page.wait_for_function(
        "() => document.querySelector('#job-step') && document.querySelector('#job-step').textContent.includes('训练')",
        timeout=120_000)
    page.wait_for_selector("#result", timeout=TRAIN_TIMEOUT * 1000)
    assert page.locator("#headline tbody tr").count() == 3
    assert "部署闸门" in page.inner_text("#gate")
    assert page.locator("#per-intent tbody tr").count() > 10
    assert page.locator("#candidate-png").evaluate("img => img.naturalWidth") > 0

    # Deploy (with a reason if the gate refuses a small random drop) → the registry shows it live.
    if page.locator("#override-reason").count():
        page.fill("#override-reason", "浏览器测试：训练随机性带来的小幅波动")
    version = page.url.rsplit("/", 1)[-1]
    page.click("#deploy")
    page.wait_for_url("**/console/admin/models?msg=deployed", timeout=600_000)
    assert page.locator(".flash", has_text="新模型已上线").count() == 1
    deployed = page.inner_text("#deployed-version")
    assert deployed and deployed != "initial", version
