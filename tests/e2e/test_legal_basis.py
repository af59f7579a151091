"""End-to-end: the specific answer to the question asked, then the law it cites.

Needs a model trained with data/nlu/legal.yml and the domain's ask_legal_basis /
action_show_legal_basis (``make test`` retrains when the data changed)."""
from __future__ import annotations

import uuid

import pytest

from tests.stack import Stack

pytestmark = [pytest.mark.stack, pytest.mark.slow]


def texts(messages: list) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def payloads(messages: list) -> list:
    return [b["payload"] for m in messages for b in m.get("buttons", [])]


def test_specific_answer_then_the_article_text(stack: Stack) -> None:
    sender = "legal-" + uuid.uuid4().hex[:8]
    answer = stack.rest(sender, "驾照过期半年了还能开吗")
    assert stack.tracker(sender)["slots"]["matter"] == "driving_license", texts(answer)
    assert "驾照过期了还能开车吗" in texts(answer) and "/ask_legal_basis" in payloads(answer)
    assert stack.tracker(sender)["slots"]["last_basis"][0] == "道路交通安全法实施条例 第二十八条"
    law = texts(stack.rest(sender, "/ask_legal_basis"))
    assert "《道路交通安全法实施条例》第二十八条" in law and "超过有效期" in law


def test_asking_for_the_basis_in_words(stack: Stack) -> None:
    sender = "legal-" + uuid.uuid4().hex[:8]
    stack.rest(sender, '/describe_matter{"matter":"accident_review"}')
    law = texts(stack.rest(sender, "这是哪条规定的"))
    assert "《道路交通事故处理程序规定》第七十一条" in law, law


def test_the_basis_of_a_fixed_answer(stack: Stack) -> None:
    sender = "legal-" + uuid.uuid4().hex[:8]
    stack.rest(sender, "/ask_how_to_file")
    law = texts(stack.rest(sender, "/ask_legal_basis"))
    assert "《信访工作条例》第十七条" in law and "信访人" in law, law
