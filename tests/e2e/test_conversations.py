"""End-to-end conversations through the real gateway, Rasa and action server."""
from __future__ import annotations

import re
import uuid

import pytest
import requests

from tests.stack import Stack

pytestmark = [pytest.mark.stack, pytest.mark.slow]


def new_sender() -> str:
    return "web-" + uuid.uuid4().hex[:16]


def texts(messages: list) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def test_greeting_through_rest_channel(stack: Stack) -> None:
    messages = stack.rest("curl-user-" + uuid.uuid4().hex[:6], "你好")
    assert "交警信访指引助手" in texts(messages)


def test_greeting_through_web_chat_with_buttons(stack: Stack) -> None:
    messages = stack.chat(new_sender(), "你好")
    assert "您好" in texts(messages)
    assert any(b["payload"] == "/request_human" for m in messages for b in m.get("buttons", []))


@pytest.mark.parametrize("text, matter, accepted", [
    ("出了事故半个月了，事故认定书到现在还没出，啥时候能拿到", "accident_determination", True),
    ("网约车司机故意绕路多收了我三十块钱", "taxi_ride_hailing", False),
    ("邻居在小区里私搭乱建盖了个棚子，违章建筑谁管", "illegal_construction", False),
])
def test_matter_slots_are_set_after_the_bot_turn(stack: Stack, text: str, matter: str,
                                                 accepted: bool) -> None:
    sender = "scope-" + uuid.uuid4().hex[:8]
    reply = texts(stack.rest(sender, text))
    slots = stack.tracker(sender)["slots"]
    assert slots["matter"] == matter, reply
    assert slots["matter_accepted"] is accepted
    assert ("不属于" in reply) is (not accepted)


def test_follow_up_questions_use_the_matter_in_context(stack: Stack) -> None:
    sender = "scope-" + uuid.uuid4().hex[:8]
    stack.rest(sender, "对交警的事故认定不服，认为责任划分不公平，想申请复核")
    assert stack.tracker(sender)["slots"]["matter"] == "accident_review"
    answer = texts(stack.rest(sender, "过了三天还能复核吗"))
    assert "复核" in answer


def test_gateway_refuses_bad_input_politely(stack: Stack) -> None:
    url = f"{stack.gateway_url}/api/chat"
    assert requests.post(url, data=b"{not json", timeout=10).status_code == 400
    assert requests.post(url, json={"sender": "x", "message": "hi"}, timeout=10).status_code == 400
    reply = requests.post(url, json={"sender": new_sender(), "message": "   "}, timeout=10)
    assert reply.status_code == 200 and "空" in reply.json()["messages"][0]["text"]


def test_file_a_petition_then_look_it_up(stack: Stack) -> None:
    sender = new_sender()
    stack.chat(sender, "事故认定书超过十天了还没出")
    steps = [
        ("/file_petition", None),
        ("/describe_matter{\"matter\":\"accident_determination\"}", None),
        ("张三", None),
        ("13812345678", "住址"),
        ("北京", "门牌号"),  # too short: asked again, with an example
        ("北京市朝阳区建国路88号3单元501室", None),
        ("2026年11月1日在人民路口发生追尾事故，至今没有收到事故认定书", None),
        ("请尽快出具事故认定书", None),
        ("已经超过法定的十日期限", None),
        ("人民路与解放路交叉口", None),
        ("跳过", "请核对"),
    ]
    reply = ""
    for message, expect in steps:
        reply = texts(stack.chat(sender, message))
        if expect:
            assert expect in reply, reply
    filed = texts(stack.chat(sender, "/affirm"))
    assert re.search(r"XF-\d{4}-\d{6}", filed), filed
    number = re.search(r"XF-\d{4}-\d{6}", filed).group(0)
    code = re.search(r"查询码：([A-Z0-9]{8})", filed).group(1)
    stack.chat(sender, "/check_case_status")
    stack.chat(sender, number.lower().replace("-", ""))
    status = texts(stack.chat(sender, code))
    assert "登记" in status, status
    # Someone else typing the same phone learns nothing about the case.
    stranger = new_sender()
    for message, _ in steps:
        stack.chat(stranger, message)
    neutral = texts(stack.chat(stranger, "/affirm"))
    assert number not in neutral and "没有登记新的信访件" in neutral and "XF-" not in neutral
    # The conversation that filed it is told its number again.
    for message, _ in steps:
        stack.chat(sender, message)
    again = texts(stack.chat(sender, "/affirm"))
    assert number in again and "不重复" in again
    # A matter for another body: told where to go once; filed anyway, it is registered as
    # 不予受理并告知 with that notice (第二十三条).
    stack.chat(sender, "网约车司机故意绕路多收了我三十块钱")
    told = stack.chat(sender, "/file_petition")
    assert "不属于交警部门的职权范围" in texts(told)
    assert any(b["payload"] == "/file_petition" for m in told for b in m.get("buttons", []))
    assert "请核对" not in texts(told)
    start = texts(stack.chat(sender, "/file_petition"))
    assert "不予受理并告知" in start and "姓名" in start, start
    for message in ("张三", "13812345678", "北京市朝阳区建国路88号3单元501室",
                    "网约车司机绕路，多收了三十块钱车费", "退还多收的车费", "司机故意绕路", "跳过",
                    "跳过"):
        reply = texts(stack.chat(sender, message))
    assert "请核对" in reply and "住址：北京市朝阳区建国路88号" in reply, reply
    rejected = texts(stack.chat(sender, "/affirm"))
    assert re.search(r"XF-\d{4}-\d{6}", rejected) and "不予受理并告知" in rejected, rejected
    assert "不属于交警受理，请找：" in rejected


def test_wrong_code_gets_the_uniform_answer_and_lockout(stack: Stack) -> None:
    sender = new_sender()
    answers = []
    for attempt in range(5):
        stack.chat(sender, "/check_case_status")
        stack.chat(sender, "XF-2026-999999")
        answers.append(texts(stack.chat(sender, f"' OR 1=1 -- {attempt}")))
    assert all("不正确" in a for a in answers[:4]), answers
    assert "暂停" in answers[4]
    assert "暂停" in texts(stack.chat(sender, "/check_case_status"))
