"""Case-status lookup (with verification and lockout) and online petition intake."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import BaseAction, off_loop
from actions.forms import BaseFormValidation
from actions.tracker_view import (
    client_key,
    entity_value,
    latest_intent,
    latest_text,
    matter_ranking,
)
from bot.cases.numbers import parse_case_number
from bot.cases.runtime import case_service
from bot.cases.validation import address_problem, valid_phone
from bot.cases.wording import citizen_status_text
from bot.common.text import clean_field
from bot.knowledge import decide, default_knowledge, render_answer, render_clarify
from bot.knowledge.render import scope_line
from bot.labels import label_button
from bot.privacy import normalise_phone

VERIFY_FAILED = ("案件编号或查询码不正确，暂时查不到。请核对登记时收到的编号和8位查询码后再试；"
                 "如果查询码遗失，可以转人工，由民警核实身份后帮您处理。")
LOCKED = ("为保护信访人的信息安全，您的查询尝试次数过多，查询功能已暂停1小时。"
          "如需帮助，可以转人工由民警为您核实。")
NUMBER_UNREADABLE = "没能识别出案件编号。编号的样子是 XF-2026-000123，请再输入一次，或说“取消”退出。"
NUMBER_TAKEN = "好的，帮您查信访件 {number}。为保护您的信息，还需要核对查询码。"
DUPLICATE_OWN = ("您在这里就同一事项已经提交过信访，编号 {number}，目前正在办理，这次就不重复登记了。"
                 "您可以用编号和查询码查询进度；查询码遗失可以转人工。")
DUPLICATE_NEUTRAL = ("这次没有登记新的信访件。如果您之前已经就这件事提交过，请用当时收到的编号和查询码查询进度；"
                     "编号或查询码遗失，可以转人工，由民警核实身份后帮您处理。")
NAME_INVALID = "姓名请填写2到20个字的中文或字母，不要带数字或符号。"
PHONE_INVALID = "这个号码好像不对。请填写11位手机号（如13812345678），或带区号的座机（如010-12345678）。"
CASE_SLOTS = ("case_number", "query_code")
PETITION_SLOTS = ("petition_matter", "petitioner_name", "petitioner_phone", "petitioner_address",
                  "petition_facts", "petition_request", "petition_reasons", "petition_location",
                  "petition_time", "petition_confirmed")
_NAME = re.compile(r"^[\u4e00-\u9fffA-Za-z·•\s]{2,20}$")
# "不方便提供", "不想说", "保密" …: the address is required (第十九条), so we explain why.
_REFUSAL = re.compile(r"不方便|不想|不愿|不能说|不提供|不告诉|不给|不写|不留|保密|隐私|没有住址|无住址|跳过|^/deny$")
_ADDRESS_REPLIES = {"too_short": "utter_petitioner_address_too_short",
                    "too_long": "utter_petitioner_address_too_long",
                    "not_address": "utter_petitioner_address_invalid"}


def sender(tracker: Tracker) -> str:
    return tracker.sender_id


def sender_key(tracker: Tracker) -> str:
    """The sender id as the case service stores it (cleaned, at most 255 characters)."""
    return clean_field(sender(tracker))[:255]


def buttons(*keys: str) -> list[dict[str, str]]:
    return [label_button(key).to_rasa() for key in keys]


def reset(names: tuple) -> list[dict[str, Any]]:
    return [SlotSet(name, None) for name in names]


def tell_where_to_go(dispatcher: CollectingDispatcher, record: Any) -> None:
    """Tell the citizen that the matter is not the traffic police's, and where to go.

    Also says that we still register a petition if the citizen wants (第二十三条);
    said once per matter (``petition_redirected``).
    """
    dispatcher.utter_message(response="utter_petition_not_accepted")
    dispatcher.utter_message(**render_answer(record).to_rasa())
    dispatcher.utter_message(response="utter_petition_still_file")


class ActionCheckCaseStatus(BaseAction):
    """Start the lookup form unless this sender is locked out."""

    def name(self) -> str:
        return "action_check_case_status"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        if await off_loop(case_service().is_locked, sender(tracker), client=client_key(tracker)):
            dispatcher.utter_message(text=LOCKED, buttons=buttons("request_human"))
            return []
        events = reset(CASE_SLOTS)
        number = parse_case_number(latest_text(tracker))
        if number is not None:  # "XF2026-000321 这个件怎么还没消息": ask only for the code
            dispatcher.utter_message(text=NUMBER_TAKEN.format(number=number))
            events.append(SlotSet("case_number", number))
        return [*events, FollowupAction("case_status_form")]


class ValidateCaseStatusForm(BaseFormValidation):
    """Case number in loose formats; the code is verified against its hash."""

    reset_on_database_error = CASE_SLOTS

    def name(self) -> str:
        return "validate_case_status_form"

    def validate_case_number(self, value: Any, dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        number = parse_case_number(str(value or ""))
        if number is None:
            dispatcher.utter_message(text=NUMBER_UNREADABLE)
        return {"case_number": number}

    async def validate_query_code(self, value: Any, dispatcher: CollectingDispatcher,
                                  tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        number = tracker.get_slot("case_number") or ""
        # Argon2 and the database: in a worker thread, other conversations go on.
        result = await off_loop(case_service().verify, sender(tracker), number,
                                str(value or ""), client=client_key(tracker))
        if result.ok:
            # Only a marker: the report trusts the verification stored server-side.
            return {"query_code": "verified"}
        if result.locked:
            dispatcher.utter_message(text=LOCKED, buttons=buttons("request_human"))
            return {"case_number": None, "query_code": None, "requested_slot": None}
        dispatcher.utter_message(text=VERIFY_FAILED,
                                 buttons=buttons("check_case_status", "request_human"))
        return {"case_number": None, "query_code": None, "requested_slot": None}


class ActionReportCaseStatus(BaseAction):
    """Tell a verified citizen where the case stands; forget the lookup slots."""

    def name(self) -> str:
        return "action_report_case_status"

    def events_after_database_error(self) -> list[dict[str, Any]]:
        return reset(CASE_SLOTS)

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        service = case_service()
        # Never a slot value: a fresh, unused verification stored for this conversation.
        view = await off_loop(service.verified_case, sender(tracker),
                              tracker.get_slot("case_number") or "")
        if view is None:
            dispatcher.utter_message(text=VERIFY_FAILED, buttons=buttons("request_human"))
            return reset(CASE_SLOTS)
        dispatcher.utter_message(text=citizen_status_text(view, service.today()),
                                 buttons=buttons("request_human", "ask_how_to_file"))
        return reset(CASE_SLOTS)


class ActionStartPetition(BaseAction):
    """Start intake.

    For a matter the traffic police do not handle, first say where to go (once per
    matter); if the citizen still wants to file, take the petition all the same: it
    is registered as 不予受理并告知 with that notice (《信访工作条例》第二十三条).
    """

    def name(self) -> str:
        return "action_start_petition"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        kb = default_knowledge()
        matter = tracker.get_slot("matter")
        events: list[dict[str, Any]] = reset(PETITION_SLOTS)
        if matter in kb.ids and not kb.get(matter).accepted:
            if tracker.get_slot("petition_redirected") != matter:
                tell_where_to_go(dispatcher, kb.get(matter))  # once; asking again files it
                return [SlotSet("petition_redirected", matter)]
            # Still wants to file: registered and told where to go (第二十三条).
            dispatcher.utter_message(response="utter_petition_start_rejected",
                                     matter_name=kb.get(matter).name)
            events.append(SlotSet("petition_matter", matter))
        elif matter in kb.ids:
            dispatcher.utter_message(response="utter_petition_start", matter_name=kb.get(matter).name)
            events.append(SlotSet("petition_matter", matter))
        else:
            dispatcher.utter_message(response="utter_petition_start_any")
        return [*events, FollowupAction("petition_form")]


class ValidatePetitionForm(BaseFormValidation):
    """Each answer is checked and explained in Chinese; nothing is filed until confirmed."""

    def name(self) -> str:
        return "validate_petition_form"

    def validate_petition_matter(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        kb = default_knowledge()
        matter = value if value in kb.ids else entity_value(tracker, "matter")
        if matter not in kb.ids:
            decision = decide(matter_ranking(tracker), latest_text(tracker), kb)
            if not decision.is_answer or decision.matter is None:  # an answer always names its matter
                reply = render_clarify(decision.question or "请选择您要反映的事项：",
                                       decision.options, kb)
                dispatcher.utter_message(**reply.to_rasa())
                return {"petition_matter": None}
            matter = decision.matter
        record = kb.get(matter)
        if not record.accepted:
            if tracker.get_slot("petition_redirected") == matter:  # told once, still files
                return {"petition_matter": matter, "matter": matter, "matter_accepted": False}
            tell_where_to_go(dispatcher, record)
            return {"petition_matter": None, "requested_slot": None, "matter": matter,
                    "matter_accepted": False, "petition_redirected": matter, **self._stop()}
        return {"petition_matter": matter, "matter": matter, "matter_accepted": True}

    @staticmethod
    def _stop() -> dict[str, Any]:
        return {name: None for name in PETITION_SLOTS if name != "petition_matter"}

    def validate_petitioner_name(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        name = str(value or "").strip()
        if not _NAME.match(name):
            dispatcher.utter_message(text=NAME_INVALID)
            return {"petitioner_name": None}
        return {"petitioner_name": re.sub(r"\s+", " ", name)}

    def validate_petitioner_phone(self, value: Any, dispatcher: CollectingDispatcher,
                                  tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        phone = normalise_phone(str(value or "")[:40])
        if not valid_phone(phone):
            dispatcher.utter_message(text=PHONE_INVALID)
            return {"petitioner_phone": None}
        return {"petitioner_phone": phone}

    def validate_petitioner_address(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        address = re.sub(r"\s+", " ", clean_field(value))
        problem = address_problem(address)
        if problem is not None and (latest_intent(tracker) == "deny" or _REFUSAL.search(address)):
            dispatcher.utter_message(response="utter_petitioner_address_required")
            return {"petitioner_address": None}
        if problem is not None:
            dispatcher.utter_message(response=_ADDRESS_REPLIES[problem])
            return {"petitioner_address": None}
        return {"petitioner_address": address}

    def validate_petition_facts(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return {"petition_facts": self.text_between(value, 10, 2000, dispatcher, "事情经过")}

    def validate_petition_request(self, value: Any, dispatcher: CollectingDispatcher,
                                  tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return {"petition_request": self.text_between(value, 4, 500, dispatcher, "您的请求")}

    def validate_petition_reasons(self, value: Any, dispatcher: CollectingDispatcher,
                                  tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return {"petition_reasons": self.text_between(value, 4, 1000, dispatcher, "理由")}

    def validate_petition_location(self, value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return {"petition_location": self.optional_text(value, tracker, 200)}

    def validate_petition_time(self, value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return {"petition_time": self.optional_text(value, tracker, 100)}

    def validate_petition_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if value is True:
            return {"petition_confirmed": True}
        dispatcher.utter_message(text="好的，这次先不提交。您可以重新开始填写，或者转人工咨询。",
                                 buttons=buttons("file_petition", "request_human"))
        return {**{name: None for name in PETITION_SLOTS}, "requested_slot": None}


def petition_summary(tracker: Tracker) -> str:
    """The read-back the citizen confirms before anything is filed."""
    kb = default_knowledge()
    get = tracker.get_slot
    matter = get("petition_matter")
    lines = [
        "请核对您的信访内容：",
        f"事项：{kb.get(matter).name if matter in kb.ids else matter}",
        f"姓名：{get('petitioner_name')}",
        f"联系电话：{get('petitioner_phone')}",
        f"住址：{get('petitioner_address')}",
        f"事实：{get('petition_facts')}",
        f"请求：{get('petition_request')}",
        f"理由：{get('petition_reasons')}",
        f"地点：{get('petition_location')}",
        f"时间：{get('petition_time')}",
        "确认无误请点“确认提交”；需要修改请点“不对，重新填”。",
    ]
    return "\n".join(lines)


class ActionAskPetitionConfirmed(BaseAction):
    """Read back the petition and ask for confirmation."""

    def name(self) -> str:
        return "action_ask_petition_confirmed"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=petition_summary(tracker), buttons=[
            {"title": "确认提交", "payload": "/affirm"},
            {"title": "不对，重新填", "payload": "/deny"}])
        return []


class ActionSubmitPetition(BaseAction):
    """File the confirmed petition, or point to the open case on the same matter."""

    def name(self) -> str:
        return "action_submit_petition"

    def events_after_database_error(self) -> list[dict[str, Any]]:
        return reset(PETITION_SLOTS)  # nothing filed; the answers are not kept either

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        get = tracker.get_slot
        if get("petition_confirmed") is not True:
            return reset(PETITION_SLOTS)
        service = case_service()
        duplicate = await off_loop(service.find_open_duplicate, get("petitioner_phone"),
                                   get("petition_matter"))
        if duplicate is not None:
            # Only the conversation that filed it learns the number: anyone can type a phone.
            own = duplicate.sender_id is not None and duplicate.sender_id == sender_key(tracker)
            text = (DUPLICATE_OWN.format(number=duplicate.case_number) if own
                    else DUPLICATE_NEUTRAL)
            dispatcher.utter_message(text=text, buttons=buttons("check_case_status", "request_human"))
            return reset(PETITION_SLOTS)
        record = default_knowledge().get(get("petition_matter"))
        # Not the traffic police's: registered as 不予受理并告知 with where to go (第二十三条).
        notice = None if record.accepted else scope_line(record)
        filed = await off_loop(
            service.file_case, matter=get("petition_matter"), petitioner_name=get("petitioner_name"),
            petitioner_phone=get("petitioner_phone"), petitioner_address=get("petitioner_address"),
            channel="online", description=get("petition_facts"),
            requested_outcome=get("petition_request"), reasons=get("petition_reasons"),
            location=get("petition_location"), occurred_at=get("petition_time"),
            handling_unit=record.handling_unit, sender_id=sender(tracker), rejected_notice=notice)
        if notice is None:
            dispatcher.utter_message(response="utter_petition_filed", filed_number=filed.case_number,
                                     filed_code=filed.query_code)
        else:
            dispatcher.utter_message(response="utter_petition_filed_rejected",
                                     filed_number=filed.case_number, filed_code=filed.query_code,
                                     notice=notice)
        return reset(PETITION_SLOTS)


class ActionCancel(BaseAction):
    """“取消” outside any form."""

    def name(self) -> str:
        return "action_cancel"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_form_cancelled")
        return [ActiveLoop(None), *reset(PETITION_SLOTS), *reset(CASE_SLOTS)]
