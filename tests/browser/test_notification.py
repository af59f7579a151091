"""事事有回音 in headless Chromium through the real services: a citizen has the web chat
open; an officer accepts the citizen's case on the console's case page; the
notification appears in the citizen's chat without a reload."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.cases.service import CaseService
from bot.store.db import make_engine, make_session_factory
from tests.browser.test_handoff_loop import ARGS, CHROMIUM, TIMEOUT, create_officer, login
from tests.stack import Stack

pytestmark = [pytest.mark.stack, pytest.mark.browser, pytest.mark.slow]


def file_for(stack: Stack, sender: str) -> str:
    """The case the citizen filed earlier from this browser (registered straight in the store)."""
    engine = make_engine(stack.env["DATABASE_URL"])
    try:
        filed = CaseService(make_session_factory(engine)).file_case(
            matter="traffic_signal", petitioner_name="赵敏", petitioner_phone="13700001111",
            channel="online", description="路口信号灯绿灯时间太短，老人过不去", requested_outcome="延长绿灯",
            reasons="行人过街不安全", location="解放路口", occurred_at="2026-11-30", sender_id=sender)
    finally:
        engine.dispose()
    return filed.case_number


async def test_an_accepted_case_is_announced_in_the_open_web_chat(stack: Stack) -> None:
    from playwright.async_api import async_playwright

    await asyncio.to_thread(create_officer, stack)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            officer = await (await browser.new_context()).new_page()
            citizen: Any = await (await browser.new_context()).new_page()
            await login(officer, stack)
            await citizen.goto(stack.gateway_url + "/")
            await citizen.wait_for_load_state("networkidle")
            sender = await citizen.evaluate("() => localStorage.getItem('jiaojing-sender')")
            number = await asyncio.to_thread(file_for, stack, sender)

            await officer.goto(f"{stack.gateway_url}/console/cases/{number}")
            await officer.select_option("select[name=status]", "accepted")
            await officer.fill("textarea[name=note]", "已书面告知受理")
            await officer.click("form[action$='/status'] button[type=submit]")
            await officer.wait_for_selector("#notifications", timeout=TIMEOUT)

            bubble = f".msg--bot .msg__bubble:has-text('{number}')"
            await citizen.wait_for_selector(bubble, timeout=TIMEOUT)  # no reload
            text = await citizen.inner_text(bubble)
            assert "「受理」" in text and "第三十四条" in text and "赵敏" not in text
            await officer.reload()
            await officer.wait_for_selector("#notifications .delivery-sent", timeout=TIMEOUT)
        finally:
            await browser.close()
