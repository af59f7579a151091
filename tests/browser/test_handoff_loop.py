"""The whole handoff loop in headless Chromium through the real services (Rasa, actions,
gateway): an officer logs in, a citizen asks 转人工 in the web chat, the handoff appears live
on the officer's queue, the officer claims and replies, the citizen sees it, the officer
closes, the bot resumes and asks for a rating, the citizen rates.

Prints the time from the citizen's request to the officer's screen update.
"""
from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bot.settings import REPO_ROOT
from tests.stack import Stack

pytestmark = [pytest.mark.stack, pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
USERNAME, PASSWORD = "browser-officer", "browser-officer-pw-1"
TIMEOUT = 30_000
ROWS = "#queue tr[data-handoff-id]"
IDS = "(rows) => Array.from(rows, (row) => row.dataset.handoffId)"


def create_officer(stack: Stack) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "accounts", "add", USERNAME, "--name", "王警官",
         "--password-stdin"], input=PASSWORD + "\n", env=stack.env, cwd=REPO_ROOT,
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 or "已被使用" in result.stderr, result.stderr


async def login(page: Any, stack: Stack) -> None:
    await page.goto(stack.gateway_url + "/console/login")
    await page.fill("#username", USERNAME)
    await page.fill("#password", PASSWORD)
    await page.click("#login-form button[type=submit]")
    await page.wait_for_selector("#queue", timeout=TIMEOUT)
    await page.wait_for_selector("#live.on", timeout=TIMEOUT)  # console websocket is up


async def test_officer_answers_a_citizen_live(stack: Stack, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    await asyncio.to_thread(create_officer, stack)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                   args=ARGS)
        try:
            officer = await (await browser.new_context()).new_page()
            citizen = await (await browser.new_context()).new_page()
            dialogs: list[str] = []
            citizen.on("dialog", lambda d: (dialogs.append(d.message), asyncio.ensure_future(d.dismiss())))
            officer.on("dialog", lambda d: asyncio.ensure_future(d.accept()))
            await login(officer, stack)
            await citizen.goto(stack.gateway_url + "/")
            await citizen.wait_for_load_state("networkidle")

            # the citizen asks for a person; time until the officer's queue shows it
            known = await officer.eval_on_selector_all(ROWS, IDS)  # other tests' handoffs
            await citizen.fill("#input", "转人工")
            started = time.perf_counter()
            await citizen.press("#input", "Enter")
            await officer.wait_for_function(f"(known) => ({IDS})(document.querySelectorAll("
                                            f"'{ROWS}')).some((id) => !known.includes(id))",
                                            arg=known, timeout=TIMEOUT)
            latency = time.perf_counter() - started
            print(f"\nhandoff latency: citizen request → officer screen update {latency * 1000:.0f} ms")
            handoff_id = next(i for i in await officer.eval_on_selector_all(ROWS, IDS)
                              if i not in known)
            row = await officer.query_selector(f"#queue tr[data-handoff-id='{handoff_id}']")
            await citizen.wait_for_selector(".msg--bot .msg__bubble:has-text('民警')", timeout=TIMEOUT)
            assert "群众要求转人工" in await row.inner_text()
            await officer.screenshot(path=str(tmp_path / "queue.png"))

            # claim from the queue → the conversation page; the citizen is told
            await officer.click(f"button[data-claim='{handoff_id}']")
            await officer.wait_for_selector("#handoff-status:has-text('处理中')", timeout=TIMEOUT)
            await citizen.wait_for_selector(".msg--officer .msg__bubble:has-text('已接入')",
                                            timeout=TIMEOUT)

            # the officer replies (a canned reply), the citizen sees it
            await officer.click("[data-canned]:has-text('问候')")
            await officer.click("#reply-send")
            await citizen.wait_for_selector(".msg--officer .msg__bubble:has-text('我是值班民警')",
                                            timeout=TIMEOUT)

            # the citizen answers; the officer's transcript updates live, escaped
            await citizen.fill("#input", "我的车被拖走了 <img src=x onerror=alert(1)>")
            await citizen.press("#input", "Enter")
            await officer.wait_for_selector(
                "#transcript .line--citizen .text:has-text('我的车被拖走了')", timeout=TIMEOUT)
            assert await officer.locator("#transcript img").count() == 0
            await officer.screenshot(path=str(tmp_path / "conversation.png"))

            # close with a note → the bot resumes and asks for a rating
            await officer.fill("#close-note", "已告知取车地点和所需材料")
            await officer.click("#close-button")
            await officer.wait_for_selector("#handoff-status:has-text('已结束')", timeout=TIMEOUT)
            await citizen.wait_for_selector(".msg__bubble:has-text('打个分')", timeout=TIMEOUT)
            await citizen.click(".msg__buttons button:has-text('5分')")
            await citizen.wait_for_selector(".msg--bot .msg__bubble:has-text('感谢您的评价')",
                                            timeout=TIMEOUT)
            await citizen.screenshot(path=str(tmp_path / "citizen.png"))

            await officer.reload()
            await officer.wait_for_selector("#handoff-rating:has-text('5分')", timeout=TIMEOUT)
            assert dialogs == []
        finally:
            await browser.close()
