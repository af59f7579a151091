"""Citizen status wording for every status (masked data, deadlines, 督办, 复查/复核)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest

from bot.cases.channels import Channel
from bot.cases.status import CaseStatus as S
from bot.cases.views import CaseView, EventView
from bot.cases.wording import citizen_status_text, format_date
from bot.common.clock import local_midnight


def at(month: int, day: int) -> datetime:
    return local_midnight(date(2026, month, day))


BASE = CaseView(
    case_number="XF-2026-000123", matter="traffic_order", status=S.RECEIVED, channel=Channel.ONLINE,
    petitioner_name="张三丰", petitioner_phone="13812345678", petitioner_address="北京市朝阳区建国路88号",
    description="我叫张三丰，电话13812345678", requested_outcome="请处理", reasons="理由",
    location="幸福路", occurred_at="昨天", handling_unit=None, sender_id="web:1",
    received_at=at(1, 10), accepted_at=None, answered_at=None, review_requested_at=None,
    recheck_requested_at=None, closed_at=None, extension_days=None, extension_reason=None,
    acceptance_due=date(2026, 1, 25), handling_due=None, review_due=None, recheck_due=None,
    created_at=at(1, 10), updated_at=at(1, 10),
    events=(EventView("filed", None, "received", "citizen", "登记", at(1, 10)),),
)

ACCEPTED: dict[str, Any] = {"accepted_at": at(1, 15)}
ANSWERED: dict[str, Any] = {**ACCEPTED, "answered_at": at(3, 1)}
VIEWS = {
    S.RECEIVED: BASE,
    S.ACCEPTED: replace(BASE, status=S.ACCEPTED, **ACCEPTED),
    S.REJECTED: replace(BASE, status=S.REJECTED),
    S.IN_PROGRESS: replace(BASE, status=S.IN_PROGRESS, **ACCEPTED),
    S.ANSWERED: replace(BASE, status=S.ANSWERED, **ANSWERED),
    S.REVIEW: replace(BASE, status=S.REVIEW, **ANSWERED, review_requested_at=at(3, 10)),
    S.RECHECK: replace(BASE, status=S.RECHECK, **ANSWERED, review_requested_at=at(3, 10),
                       recheck_requested_at=at(3, 20)),
    S.CLOSED: replace(BASE, status=S.CLOSED, **ANSWERED, closed_at=at(3, 5)),
}
LABEL_IN_TEXT = {
    S.RECEIVED: "「登记」", S.ACCEPTED: "「受理」", S.REJECTED: "「不予受理并告知」", S.IN_PROGRESS: "「办理中」",
    S.ANSWERED: "「已答复」", S.REVIEW: "「复查中」", S.RECHECK: "「复核中」", S.CLOSED: "「办结」",
}
TODAY = date(2026, 3, 12)


@pytest.mark.parametrize("status", list(S))
def test_every_status_is_worded_with_masked_data(status: S) -> None:
    text = citizen_status_text(VIEWS[status], TODAY)
    assert LABEL_IN_TEXT[status] in text and "XF-2026-000123" in text
    assert "张**" in text and "138****5678" in text
    for secret in ("三丰", "13812345678", "建国路"):
        assert secret not in text
    assert "最近一步：" in text
    assert len(text) < 600


def test_received_not_overdue() -> None:
    text = citizen_status_text(BASE, date(2026, 1, 20))
    assert "2026年1月25日" in text and "还有5天" in text and "第二十三条" in text
    assert "督办" not in text


def test_last_day_is_called_out() -> None:
    assert "今天是最后一天" in citizen_status_text(BASE, date(2026, 1, 25))


def test_overdue_offers_supervision_and_officer() -> None:
    text = citizen_status_text(BASE, date(2026, 1, 28))
    assert "已超期3天" in text and "督办" in text and "第四十条" in text and "转人工" in text


def test_handling_overdue() -> None:
    text = citizen_status_text(VIEWS[S.IN_PROGRESS], date(2026, 3, 20))
    assert "办结期限是2026年3月16日" in text and "已超期4天" in text and "督办" in text


def test_extension_is_explained() -> None:
    view = replace(VIEWS[S.IN_PROGRESS], extension_days=20, extension_reason="等待鉴定，联系人13912345678")
    text = citizen_status_text(view, TODAY)
    assert "延长20日" in text and "等待鉴定" in text and "13912345678" not in text
    assert "2026年4月5日" in text


def test_answered_explains_review_then_recheck_and_finality() -> None:
    text = citizen_status_text(VIEWS[S.ANSWERED], TODAY)
    assert "最近一步：2026年3月1日，书面答复" in text
    assert "30日内" in text and "2026年3月31日" in text and "复查" in text and "第三十五条" in text
    assert "复核" in text and "第三十六条" in text and "不再受理" in text


def test_answered_after_review_explains_recheck() -> None:
    view = replace(VIEWS[S.ANSWERED], review_requested_at=at(2, 1))
    text = citizen_status_text(view, TODAY)
    assert "申请复核" in text and "2026年3月31日" in text and "不再受理" in text
    assert "申请复查" not in text


def test_answered_window_passed() -> None:
    text = citizen_status_text(VIEWS[S.ANSWERED], date(2026, 4, 5))
    assert "期限（2026年3月31日）已经过了" in text


def test_review_and_recheck_deadlines() -> None:
    review = citizen_status_text(VIEWS[S.REVIEW], TODAY)
    assert "复查答复期限是2026年4月9日" in review and "复核" in review
    recheck = citizen_status_text(VIEWS[S.RECHECK], TODAY)
    assert "复核意见期限是2026年4月19日" in recheck and "不再受理" in recheck


def test_status_event_is_the_last_step() -> None:
    event = EventView("status", "received", "rejected", "王警官", "", at(1, 12))
    view = replace(VIEWS[S.REJECTED], events=(*BASE.events, event))
    assert "最近一步：2026年1月12日，不予受理并告知" in citizen_status_text(view, TODAY)


def test_format_date() -> None:
    assert format_date(date(2026, 3, 5)) == "2026年3月5日"
