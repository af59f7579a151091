"""The online petition form without a model: the 住址 question (第十九条) and a petition
about a matter the traffic police do not handle, registered as 不予受理并告知 after the
citizen was told once where to go (第二十三条).  Trackers are built in the test."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.cases as case_actions
from actions.cases import (
    PETITION_SLOTS,
    ActionStartPetition,
    ActionSubmitPetition,
    ValidatePetitionForm,
    petition_summary,
)
from bot.cases.service import CaseService
from bot.knowledge.loader import REPO_ROOT
from bot.launch.tracker_scrub import PERSONAL_SLOTS
from tests.unit.test_actions_async import tracker, user

DOMAIN = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
ADDRESS = "北京市朝阳区建国路88号3单元501室"


def in_form(text: str, intent: str = "inform", **slots: Any) -> Tracker:
    return tracker([user(text, intent)], {"requested_slot": "petitioner_address", **slots},
                   active_loop="petition_form")


def validate_address(text: str, intent: str = "inform") -> tuple[dict[str, Any], list[dict]]:
    dispatcher = CollectingDispatcher()
    result = ValidatePetitionForm().validate_petitioner_address(
        text, dispatcher, in_form(text, intent), DOMAIN)
    return result, dispatcher.messages


def test_the_form_asks_for_the_address_after_the_phone() -> None:
    slots = DOMAIN["forms"]["petition_form"]["required_slots"]
    assert slots.index("petitioner_address") == slots.index("petitioner_phone") + 1
    assert "petitioner_address" in PETITION_SLOTS and "petitioner_address" in PERSONAL_SLOTS
    ask = DOMAIN["responses"]["utter_ask_petitioner_address"][0]["text"]
    assert "住址" in ask and "第十九条" in ask and "例如" in ask


@pytest.mark.parametrize("text", [ADDRESS, "河北省保定市竞秀区朝阳南大街100号",
                                  "某某县某某镇某某村3组", "  幸福小区3栋2单元  501室 "])
def test_an_address_is_kept(text: str) -> None:
    result, messages = validate_address(text)
    assert result["petitioner_address"] and messages == []
    assert "  " not in result["petitioner_address"]


@pytest.mark.parametrize("text,response", [
    ("北京", "utter_petitioner_address_too_short"),
    ("北京市朝阳区", "utter_petitioner_address_too_short"),      # no street or number
    ("13812345678", "utter_petitioner_address_invalid"),
    ("abc road 5 apt 9", "utter_petitioner_address_invalid"),
    ("北京市朝阳区建国路" + "地" * 300, "utter_petitioner_address_too_long"),
    ("不方便提供", "utter_petitioner_address_required"),
    ("这个保密", "utter_petitioner_address_required"),
])
def test_a_bad_address_is_asked_again_politely(text: str, response: str) -> None:
    result, messages = validate_address(text)
    assert result == {"petitioner_address": None}
    assert [m["response"] for m in messages] == [response]
    reply = DOMAIN["responses"][response][0]["text"]
    assert "例如" in reply


def test_skipping_the_address_is_explained_and_cancel_stays_possible() -> None:
    result, messages = validate_address("/deny", "deny")
    assert result == {"petitioner_address": None}
    assert messages[0]["response"] == "utter_petitioner_address_required"
    required = DOMAIN["responses"]["utter_petitioner_address_required"][0]
    assert "第十九条" in required["text"] and "第二十三条" in required["text"]
    assert {"title": "取消", "payload": "/cancel"} in required["buttons"]
    # The address slot is filled from text, never from a cancel (the form's cancel rule).
    mapping = DOMAIN["slots"]["petitioner_address"]["mappings"][0]
    assert mapping["type"] == "from_text" and mapping["not_intent"] == ["cancel"]


def test_the_read_back_shows_the_address() -> None:
    slots = {"petition_matter": "accident_determination", "petitioner_name": "张三",
             "petitioner_phone": "13812345678", "petitioner_address": ADDRESS}
    assert f"住址：{ADDRESS}" in petition_summary(tracker([user("x", "inform")], slots))


# ---------------------------------------------------- not the traffic police's matter
def run(action: Any, track: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, track, DOMAIN))
    return events, dispatcher.messages


def test_a_matter_for_another_body_is_explained_once_then_filed() -> None:
    first, told = run(ActionStartPetition(), tracker([user("我要信访", "file_petition")],
                                                     {"matter": "parking_fee"}))
    assert [m.get("response") for m in told] == ["utter_petition_not_accepted", None,
                                                 "utter_petition_still_file"]
    assert "12315" in told[1]["text"]  # where to go, from data/knowledge
    assert {"event": "slot", "name": "petition_redirected", "value": "parking_fee",
            "timestamp": None} in first
    assert not any(e.get("event") == "followup" for e in first)
    still = DOMAIN["responses"]["utter_petition_still_file"][0]
    assert "第二十三条" in still["text"] and still["buttons"][0]["payload"] == "/file_petition"
    again, said = run(ActionStartPetition(), tracker(
        [user("我还是要信访", "file_petition")],
        {"matter": "parking_fee", "petition_redirected": "parking_fee"}))
    assert said[0]["response"] == "utter_petition_start_rejected"
    assert said[0]["matter_name"] == "停车场、小区停车收费"
    assert {"event": "followup", "name": "petition_form", "timestamp": None} in again
    assert any(e.get("name") == "petition_matter" and e.get("value") == "parking_fee" for e in again)


def test_inside_the_form_a_matter_for_another_body_is_explained_once() -> None:
    form = ValidatePetitionForm()
    dispatcher = CollectingDispatcher()
    track = tracker([user("停车场乱收费", "describe_matter")], {"requested_slot": "petition_matter"},
                    active_loop="petition_form")
    stop = form.validate_petition_matter("parking_fee", dispatcher, track, DOMAIN)
    assert stop["petition_matter"] is None and stop["requested_slot"] is None
    assert stop["petition_redirected"] == "parking_fee"
    assert dispatcher.messages[-1]["response"] == "utter_petition_still_file"
    told = tracker([user("我还是要信访", "file_petition")], {"petition_redirected": "parking_fee"},
                   active_loop="petition_form")
    kept = form.validate_petition_matter("parking_fee", CollectingDispatcher(), told, DOMAIN)
    assert kept == {"petition_matter": "parking_fee", "matter": "parking_fee",
                    "matter_accepted": False}


def confirmed(matter: str) -> Tracker:
    slots = {"petition_confirmed": True, "petition_matter": matter, "petitioner_name": "张三",
             "petitioner_phone": "13812345678", "petitioner_address": ADDRESS,
             "petition_facts": "停车收费不合理，多收了钱", "petition_request": "退还多收费用",
             "petition_reasons": "收费标准不对", "petition_location": "未提供",
             "petition_time": "未提供"}
    return tracker([user("/affirm", "affirm")], slots, sender="web-petition01")


def test_submitting_files_the_address_and_registers_other_matters_as_rejected(
        case_service: CaseService, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(case_actions, "case_service", lambda: case_service)
    _, filed = run(ActionSubmitPetition(), confirmed("parking_fee"))
    [message] = filed
    assert message["response"] == "utter_petition_filed_rejected"
    assert "12315" in message["notice"] and "不属于交警受理" in message["notice"]
    case = case_service.get(message["filed_number"])
    assert case is not None and case.status.value == "rejected"
    assert case.petitioner_address == ADDRESS and case.channel.value == "online"
    assert case.events[-1].note == message["notice"]
    template = DOMAIN["responses"]["utter_petition_filed_rejected"][0]["text"]
    assert "查询码：{filed_code}" in template and "{notice}" in template
    _, accepted = run(ActionSubmitPetition(), confirmed("accident_determination"))
    assert accepted[0]["response"] == "utter_petition_filed"
    normal = case_service.get(accepted[0]["filed_number"])
    assert normal is not None and normal.status.value == "received"
    assert normal.petitioner_address == ADDRESS
