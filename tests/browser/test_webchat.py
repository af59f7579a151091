"""The web chat page in a real browser: greet, buttons, escaping."""
from __future__ import annotations

import pytest

from tests.browser.browser import chromium_browser
from tests.stack import Stack

pytestmark = [pytest.mark.stack, pytest.mark.browser, pytest.mark.slow]


def test_citizen_says_hello_and_sees_the_greeting(stack: Stack, tmp_path) -> None:
    with chromium_browser() as browser:
        page = browser.new_page()
        page.goto(stack.gateway_url + "/")
        page.fill("#input", "你好")
        page.press("#input", "Enter")
        page.wait_for_selector(".msg--bot .msg__bubble:has-text('交警信访指引助手')", timeout=30_000)
        buttons = page.locator(".msg--bot .msg__buttons button")
        assert buttons.count() >= 3
        page.screenshot(path=str(tmp_path / "webchat.png"))

        page.locator(".msg__buttons button", has_text="如何信访").first.click()
        page.wait_for_selector(".msg--bot .msg__bubble:has-text('第十七条')", timeout=30_000)
        assert page.locator(".msg--me .msg__bubble", has_text="如何信访").count() == 1
        assert page.locator(".msg__buttons button:disabled").count() >= 1


def test_html_typed_by_a_citizen_is_shown_not_run(stack: Stack) -> None:
    with chromium_browser() as browser:
        page = browser.new_page()
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(stack.gateway_url + "/")
        page.fill("#input", "<img src=x onerror=alert(1)>")
        page.press("#input", "Enter")
        page.wait_for_selector(".msg--me .msg__bubble:has-text('<img src=x')", timeout=15_000)
        page.wait_for_selector(".msg--bot", timeout=30_000)
        assert dialogs == []
        assert page.locator(".msg img").count() == 0
