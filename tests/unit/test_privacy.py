"""Masking of personal data (bot.privacy)."""
from __future__ import annotations

import pytest

from bot.privacy import (
    mask_address,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
    normalise_phone,
)


@pytest.mark.parametrize("phone,expected", [
    ("13812345678", "138****5678"),
    ("+86 138 1234 5678", "138****5678"),
    ("008613812345678", "138****5678"),
    ("１３８１２３４５６７８", "138****5678"),
    ("010-12345678", "010-****5678"),
    ("0755-2345678", "0755-****5678"),
    ("138****5678", "138****5678"),
    ("", ""),
    ("12345", "*2345"),
])
def test_mask_phone(phone: str, expected: str) -> None:
    assert mask_phone(phone) == expected


def test_normalise_phone() -> None:
    assert normalise_phone("+86 138-1234-5678") == "13812345678"
    assert normalise_phone("010-1234 5678") == "01012345678"


@pytest.mark.parametrize("name,expected", [
    ("张三丰", "张**"), ("张三", "张*"), ("欧阳娜娜", "欧***"), ("王", "*"), ("", ""), ("张**", "张**"),
    ("John", "J***"),
])
def test_mask_name(name: str, expected: str) -> None:
    assert mask_name(name) == expected


def test_mask_id_number() -> None:
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_id_number("11010519491231002x") == "1101**********002X"
    assert mask_id_number("1234") == "****"


def test_mask_email_and_address() -> None:
    assert mask_email("zhangsan@example.com") == "z***@example.com"
    assert mask_address("北京市朝阳区建国路88号") == "北京市朝阳区****"
    assert mask_address("朝阳区") == "朝阳*"


@pytest.mark.parametrize("text,expected", [
    ("我的电话13812345678，谢谢", "我的电话138****5678，谢谢"),
    ("电话：+86 138 1234 5678", "电话：+86 138****5678"),
    ("电话 138-1234-5678 或 8613912345678", "电话 138****5678 或 86139****5678"),
    ("手机１３８１２３４５６７８", "手机138****5678"),
    ("座机010-12345678转123", "座机010-****5678转123"),
    ("座机(0755)23456789", "座机(0755)-****6789"),
    ("身份证11010519491231002X", "身份证1101**********002X"),
    ("身份证号：110105194912310021。", "身份证号：1101**********0021。"),
    ("邮箱 zhang.san@example.com.cn 联系", "邮箱 z***@example.com.cn 联系"),
    ("我叫张三丰，车牌京A12345", "我叫张**，车牌京A12345"),
    ("姓名：李四", "姓名：李*"),
])
def test_mask_text(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize("text", [
    "XF-2026-000123", "2026年3月5日 10:30", "罚款200元，扣3分", "拨打122报警", "12345政务热线",
    "我叫了122", "车牌京A12345", "查询码ABCD2345", "",
])
def test_mask_text_leaves_other_text_alone(text: str) -> None:
    assert mask_text(text) == text


def test_mask_text_is_idempotent() -> None:
    text = "我叫张三丰，电话13812345678，身份证11010519491231002X，邮箱a@b.cn，座机010-12345678"
    once = mask_text(text)
    assert mask_text(once) == once
    for secret in ("13812345678", "11010519491231002X", "a@b.cn", "12345678", "三丰"):
        assert secret not in once


def test_mask_text_handles_none_and_long_text() -> None:
    assert mask_text(None) == ""  # type: ignore[arg-type]
    long_text = "无关内容" * 5000 + "13812345678"
    assert mask_text(long_text).endswith("138****5678")
