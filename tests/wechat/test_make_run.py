"""`make run` with the WeChat settings (the real launcher, model and action server):
the server is verified, an unsigned post is refused and a user's "你好" is answered; a
citizen files a petition, hears about each status change and answers the 回访."""
from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import REPO_ROOT
from tests.stack import MODEL, Stack, embedded_stack
from tests.wechat.fake_wechat import APP_ID, APP_SECRET, TOKEN, FakeWeChatApi, WeChatServer, text_xml

pytestmark = [pytest.mark.stack, pytest.mark.slow]

GREETING = "交警信访指引助手"
CITIZEN = "oTranscriptCitizen0000000001"  # an openid's shape: o + 27 characters
FILING = ["/file_petition", '/describe_matter{"matter":"accident_determination"}', "张三",
          "13812345678", "北京市朝阳区建国路88号3单元501室",
          "2026年11月1日在人民路口发生追尾事故，至今没有收到事故认定书",
          "请尽快出具事故认定书", "已经超过法定的十日期限", "人民路与解放路交叉口", "跳过",
          "/affirm"]


async def say(wechat: WeChatServer, api: FakeWeChatApi, openid: str, text: str) -> str:
    """One message as WeChat pushes it; the passive reply, or what followed as 客服消息."""
    before = len(api.texts_to(openid))
    answer = await wechat.text(openid, text)
    assert answer.status == 200, answer.body
    if answer.body != "success":
        return answer.reply_text()
    await api.wait_for(lambda: len(api.texts_to(openid)) > before, timeout=120)
    return "\n".join(api.texts_to(openid)[before:])


def change_status(stack: Stack, number: str, status: str) -> None:
    subprocess.run([sys.executable, "-m", "bot", "cases", "update-status", number, status,
                    "--officer", "王警官"], cwd=REPO_ROOT, env=stack.env, check=True,
                   capture_output=True, timeout=120)


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
            await files_and_hears_about_the_case(stack, wechat, api)
        finally:
            await asyncio.to_thread(launched.__exit__, None, None, None)


async def files_and_hears_about_the_case(stack: Stack, wechat: WeChatServer,
                                         api: FakeWeChatApi) -> None:
    """Filing over WeChat, then an officer accepts the case: the citizen is told."""
    transcript: list[str] = []
    for message in FILING:
        transcript += [f"> {message}", await say(wechat, api, CITIZEN, message)]
    everything = "\n".join(transcript + api.texts_to(CITIZEN))
    found = re.search(r"XF-\d{4}-\d{6}", everything)
    assert found, everything
    number = found.group(0)
    told = len(api.texts_to(CITIZEN))
    await asyncio.to_thread(change_status, stack, number, "accepted")
    await api.wait_for(lambda: any(number in text for text in api.texts_to(CITIZEN)[told:]),
                       timeout=120)
    notice = next(text for text in api.texts_to(CITIZEN)[told:] if number in text)
    assert "受理" in notice and "13812345678" not in notice
    transcript += ["(民警把案件改为“已受理”)", notice]
    transcript += await answered_and_followed_up(stack, wechat, api, number)
    print("\n".join(transcript))


async def answered_and_followed_up(stack: Stack, wechat: WeChatServer, api: FakeWeChatApi,
                                   number: str) -> list[str]:
    """The case is answered; the 回访 question comes (planned at once from the shell, as
    the gateway's job runner would after FOLLOWUP_DELAY_HOURS); "不满意" gets the 复查 route."""
    told = len(api.texts_to(CITIZEN))
    for status in ("in_progress", "answered"):
        await asyncio.to_thread(change_status, stack, number, status)
    await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot", "followup", "plan",
                                             "--delay-hours", "0"], cwd=REPO_ROOT, env=stack.env,
                            check=True, capture_output=True, timeout=120)
    await api.wait_for(lambda: any("满意吗" in text for text in api.texts_to(CITIZEN)[told:]),
                       timeout=120)
    pushed = api.texts_to(CITIZEN)[told:]
    question = next(text for text in pushed if "满意吗" in text)
    assert number in question and "不满意" in question
    reply = await say(wechat, api, CITIZEN, "不满意，问题没有解决")
    assert "复查" in reply and "第三十五条" in reply and "转人工" in reply
    return ["(民警把案件改为“办理中”，再改为“已答复”)", *pushed,
            "> 不满意，问题没有解决", reply]
