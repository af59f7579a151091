"""What the tracker store writes: no 查询码 or personal data in clear."""
from __future__ import annotations

from bot.launch.tracker_scrub import (
    HIDDEN,
    hide_personal_slot,
    mask_reply,
    personal_slots_reset,
    requested_slot,
    scrub_events,
)


def user(text: str) -> dict:
    return {"event": "user", "text": text, "parse_data": {"text": text, "entities": []}}


def slot(name: str, value: object) -> dict:
    return {"event": "slot", "name": name, "value": value}


def test_the_answer_to_the_code_question_and_the_code_slot_are_hidden() -> None:
    stored = scrub_events([user("ABCD2345"), slot("query_code", "ABCD2345")], "query_code")
    assert stored[0]["text"] == HIDDEN and stored[0]["parse_data"]["text"] == HIDDEN
    assert stored[1]["value"] == HIDDEN


def test_the_verified_marker_and_an_ordinary_message_survive() -> None:
    stored = scrub_events([slot("query_code", "verified"), user("事故认定书多久能出")], None)
    assert stored[0]["value"] == "verified" and stored[1]["text"] == "事故认定书多久能出"


def test_phones_in_free_text_are_masked_and_the_original_is_untouched() -> None:
    original = user("我电话13812345678 事故认定书多久能出")
    stored = scrub_events([original], None)[0]
    assert "13812345678" not in stored["text"] and "138" in stored["text"]
    assert original["text"].endswith("多久能出") and "13812345678" in original["text"]


def test_the_requested_slot_is_followed_through_the_new_events() -> None:
    events = [slot("requested_slot", "petitioner_phone"), user("13812345678"),
              slot("requested_slot", "petition_facts"), user("昨天在人民路被追尾")]
    stored = scrub_events(events, None)
    assert stored[1]["text"] == HIDDEN and stored[3]["text"] == HIDDEN
    assert requested_slot(events) == "petition_facts"


def test_the_filing_confirmation_does_not_store_the_code() -> None:
    text = "已为您登记网上信访。\n信访件编号：XF-2026-000123\n查询码：ABCD2345\n请妥善保管。"
    stored = mask_reply(text)
    assert "ABCD2345" not in stored and "XF-2026-000123" in stored and HIDDEN in stored


def test_personal_slot_values_are_hidden_once_the_form_resets_them() -> None:
    assert not personal_slots_reset([slot("petitioner_phone", "13812345678")])
    assert personal_slots_reset([slot("petitioner_phone", None), slot("petitioner_address", None)])
    # A refused answer (asked again) is not a reset: the filing still needs the others.
    assert not personal_slots_reset([slot("petitioner_address", None)])
    assert hide_personal_slot(slot("petitioner_name", "张三")) == slot("petitioner_name", HIDDEN)
    assert hide_personal_slot(slot("matter", "accident_review")) is None
    assert hide_personal_slot(slot("petitioner_name", None)) is None


def test_the_address_answer_its_slot_and_the_read_back_are_not_stored_in_clear() -> None:
    address = "北京市朝阳区建国路88号3单元501室"
    events = [slot("requested_slot", "petitioner_address"), user(address),
              slot("petitioner_address", address)]
    stored = scrub_events(events, None)
    assert stored[1]["text"] == HIDDEN
    assert hide_personal_slot(slot("petitioner_address", address)) == slot("petitioner_address", HIDDEN)
    read_back = mask_reply(f"请核对您的信访内容：\n姓名：张三\n联系电话：13812345678\n住址：{address}\n事实：…")
    assert "建国路" not in read_back and "住址：北京市朝阳区****" in read_back
    assert "张三" not in read_back and "13812345678" not in read_back
