"""Masking of personal data (bot.privacy)."""
from __future__ import annotations

import pytest

from bot.privacy import (
    mask_address,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_plate,
    mask_sender_id,
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
    ("我叫张三丰，车牌京A12345", "我叫张**，车牌京A*****"),
    ("姓名：李四", "姓名：李*"),
])
def test_mask_text(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize("text", [
    "XF-2026-000123", "2026年3月5日 10:30", "罚款200元，扣3分", "拨打122报警", "12345政务热线",
    "我叫了122", "",
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


@pytest.mark.parametrize("text,expected", [
    ("查询码ABCD2345", "查询码********"),
    ("您的查询码是 K7XQ2MPA，请妥善保存", "您的查询码是 ********，请妥善保存"),
    ("查询码：k7xq-2mpa", "查询码：********"),
    ("查询码 ＫＸ７Ｑ２ＭＰＡ", "查询码 ********"),
    ("lookup XF-2026-000123 code=K7XQ2MPA", "lookup XF-2026-000123 code=********"),
])
def test_query_codes_are_masked(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("车牌京A12345被拍了", "车牌京A*****被拍了"),
    ("粤B·D12345新能源车", "粤B·******新能源车"),
    ("粤BD12345", "粤B******"),
    ("沪A 8C9D7", "沪A *****"),
    ("教练车京A1234学", "教练车京A****学"),
    ("车牌京Ａ１２３４５", "车牌京Ａ*****"),
])
def test_licence_plates_are_masked(text: str, expected: str) -> None:
    assert mask_text(text) == expected
    assert mask_plate(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("住北京市朝阳区建国路88号", "住北京市朝阳区建国路**号"),
    ("建国路88-3号", "建国路**号"),
    ("幸福小区3栋2单元501室", "幸福小区**栋**单元**室"),
    ("和平街12号院3号楼201室门口", "和平街**号院**号楼**室门口"),
])
def test_house_numbers_are_masked(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("住址：北京市朝阳区建国路88号3单元501室\n事实：…", "住址：北京市朝阳区****\n事实：…"),
    ("家住某某县某某镇某某村3组，想反映", "家住某某县某某镇****，想反映"),
    ("信访要写明姓名、住址和请求", "信访要写明姓名、住址和请求"),
    ("请问您的住址？请写到门牌号", "请问您的住址？请写到门牌号"),
])
def test_cued_addresses_are_masked(text: str, expected: str) -> None:
    assert mask_text(text) == expected and mask_text(expected) == expected


@pytest.mark.parametrize("text,expected", [
    ("journaled message channel=webchat sender=web-abcdEFGH1234 reason=busy",
     "journaled message channel=webchat sender=web-****1234 reason=busy"),
    ("could not tell chat 123456789 about the error", "could not tell chat ****6789 about the error"),
    ("conversation -1001234567890 gets no bot reply", "conversation ****7890 gets no bot reply"),
    ("{'sender_id': '987654321'}", "{'sender_id': '****4321'}"),
    ("Chat_ID=55555555", "Chat_ID=****5555"),
])
def test_sender_ids_are_masked(text: str, expected: str) -> None:
    assert mask_text(text) == expected


def test_mask_sender_id() -> None:
    assert mask_sender_id("web-abcdEFGH1234") == "web-****1234"
    assert mask_sender_id("123456789") == "****6789"
    assert mask_sender_id("123") == "***"


@pytest.mark.parametrize("text", [
    "依据《道路交通安全法》第七十一条", "第71条第2款", "XF-2026-000123", "xf2026123", "2026年第123号",
    "2026年3月5日", "3月5号上午", "2026-03-05 10:30:00", "罚款200元，扣3分", "京港澳高速120公里处",
    "G4京港澳高速", "坐地铁中山路5号线", "北京市朝阳区", "建国路", "DEADBEEF", "HTTP2", "ABCDEFGH",
    "K7XQ2MP", "K7XQ2MPAB", "ABCD0123", "handoff 12345 opened", "chat 1234", "web-short",
    "北京A区停车场", "京A区12号", "model 20260301-120000", "case XF-2026-000123 in_review -> closed",
])
def test_other_identifiers_stay_readable(text: str) -> None:
    assert mask_text(text) == text


def test_new_rules_are_idempotent() -> None:
    text = ("查询码K7XQ2MPA，车牌粤B·D12345，住幸福小区3栋2单元501室，建国路88号，"
            "sender=web-abcdEFGH1234 chat 123456789")
    once = mask_text(text)
    assert mask_text(once) == once
    for secret in ("K7XQ2MPA", "D12345", "501", "88", "abcdEFGH", "12345678"):
        assert secret not in once


def test_log_records_mask_codes_plates_addresses_and_sender_ids() -> None:
    import logging

    from bot.logging_setup import mask_record

    record = logging.LogRecord("bot.test", logging.WARNING, __file__, 1,
                               "delivery to chat %s failed: %s", (123456789, "查询码K7XQ2MPA，"
                               "车牌京A12345，住建国路88号，sender=web-abcdEFGH1234"), None)
    assert mask_record(record).getMessage() == (
        "delivery to chat ****6789 failed: 查询码********，车牌京A*****，住建国路**号，"
        "sender=web-****1234")
