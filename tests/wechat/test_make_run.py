"""`make run` with the WeChat settings (the real launcher, model and action server):
the server is verified, an unsigned post is refused and a user's "你好" is answered."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.stack import MODEL, embedded_stack
from tests.wechat.fake_wechat import APP_ID, APP_SECRET, TOKEN, FakeWeChatApi, WeChatServer, text_xml

pytestmark = [pytest.mark.stack, pytest.mark.slow]

GREETING = "交警信访指引助手"


async def test_make_run_with_wechat_settings(tmp_path: Path) -> None:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first (make test does)")
    async with FakeWeChatApi() as api:
        env = {"WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APP_ID, "WECHAT_APP_SECRET": APP_SECRET,
               "WECHAT_API_BASE_URL": api.url, "WECHAT_AES_KEY": ""}
        launched = embedded_stack(tmp_path, env)
        stack = await asyncio.to_thread(launched.__enter__)
        try:
            wechat = WeChatServer(stack.gateway_url)
            verified = await wechat.verify("echo-20261203")
            assert (verified.status, verified.body) == (200, "echo-20261203")

            unsigned = await wechat.post("", query={"openid": "o-unsigned"},
                                         body=text_xml("o-unsigned", "你好").encode("utf-8"))
            assert unsigned.status == 403

            answer = await wechat.text("o-citizen-1", "你好")
            assert answer.status == 200
            if answer.body == "success":  # Rasa took longer than the passive window
                await api.wait_for(lambda: api.texts_to("o-citizen-1"), timeout=120)
                reply = "\n".join(api.texts_to("o-citizen-1"))
            else:
                reply = answer.reply_text()
            assert GREETING in reply
            assert not api.texts_to("o-unsigned")
        finally:
            await asyncio.to_thread(launched.__exit__, None, None, None)
