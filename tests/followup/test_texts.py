"""回访 texts: typed answers are read right, the replies quote the statute exactly."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.followup.models import Rating
from bot.followup.responder import reply_to
from bot.followup.service import Answer
from bot.followup.texts import default_texts

LAW = Path(__file__).resolve().parents[2] / "data" / "laws" / "信访工作条例(2022-02-25).md"


@pytest.mark.parametrize(("text", "rating"), [
    ("满意", Rating.SATISFIED), ("非常满意，谢谢你们", Rating.SATISFIED), ("处理得挺好", Rating.SATISFIED),
    ("基本满意", Rating.BASIC), ("还行吧", Rating.BASIC), ("一般般", Rating.BASIC),
    ("不满意", Rating.UNSATISFIED), ("不太满意！", Rating.UNSATISFIED), ("问题根本没解决", Rating.UNSATISFIED),
    ("对答复不服", Rating.UNSATISFIED),
])
def test_typed_answers(text: str, rating: str) -> None:
    assert default_texts().rating_of(text) == rating


@pytest.mark.parametrize("text", [
    "", "我想查询进度", "XF2026-000123", "闯红灯罚款怎么交",
    "尊敬的领导：我对上次的处理很满意，但是这次小区门口又有人乱停车，" * 3,  # a new letter
])
def test_other_messages_are_not_answers(text: str) -> None:
    assert default_texts().rating_of(text) is None


def test_buttons_send_back_what_they_show() -> None:
    buttons = default_texts().question_buttons()
    assert [(b.title, b.payload) for b in buttons] == [("满意", "满意"), ("基本满意", "基本满意"), ("不满意", "不满意")]
    assert all(default_texts().rating_of(b.payload) == rating for b, rating in zip(buttons, Rating.ALL, strict=True))


def _answer(rating: str, after_review: bool = False, unit: str | None = "城区交警大队") -> Answer:
    return Answer("XF2026-000042", rating, after_review, date(2026, 3, 5), unit)


def test_not_satisfied_gets_the_review_route_from_the_statute_and_a_person() -> None:
    law = LAW.read_text(encoding="utf-8")
    assert "可以自收到书面答复之日起30日内请求原办理机关、单位的上一级机关、单位复查" in law
    reply = reply_to(_answer(Rating.UNSATISFIED), default_texts())
    for part in ("30日内", "上一级机关", "第三十五条", "2026年3月5日", "XF2026-000042", "“城区交警大队”"):
        assert part in reply.text
    assert [b.payload for b in reply.buttons] == ["/request_human"]


def test_after_a_review_the_recheck_route() -> None:
    law = LAW.read_text(encoding="utf-8")
    assert "可以自收到书面答复之日起30日内向复查机关、单位的上一级机关、单位请求复核" in law
    reply = reply_to(_answer(Rating.UNSATISFIED, after_review=True, unit=None), default_texts())
    assert "复核" in reply.text and "第三十六条" in reply.text and "“”" not in reply.text


def test_satisfied_is_thanked_without_buttons() -> None:
    reply = reply_to(_answer(Rating.SATISFIED), default_texts())
    assert "感谢" in reply.text and not reply.buttons
    assert reply_to(_answer(Rating.BASIC), default_texts()).buttons
