"""Validation of a new petition's fields (《信访工作条例》第十九条).

A petition must state the petitioner's name and 请求 (requested outcome), 事实
(facts) and 理由 (reasons); we also need a reachable phone number, the matter id
(one of ``data/knowledge/matters/``) and the channel (第十七条).
All problems are collected and raised together as ``CaseValidationError``.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.cases.channels import Channel, parse_channel
from bot.cases.errors import CaseValidationError
from bot.common.text import clean_field
from bot.privacy import normalise_phone

__all__ = [
    "ADDRESS_MIN",
    "FIELD_LIMITS",
    "CaseInput",
    "address_problem",
    "valid_phone",
    "validate_case_input",
]

_MATTER = re.compile(r"[a-z][a-z0-9_]{1,63}")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[1-9][0-9]{8,10}")
# 住址 (第十九条): long enough and down to a street, village or building, so that the
# written notice of 第二十三条第二款 can reach the petitioner.
ADDRESS_MIN = 6
_ADDRESS_PLACE = re.compile(r"[省市区县旗州盟镇乡村街路道巷弄里屯庄坊湾]|胡同|小区|社区|大厦|公寓|花园|新村|家园|苑")
_ADDRESS_DETAIL = re.compile(
    r"[村组街路道巷弄号楼栋幢座室屯庄坊院]|胡同|小区|社区|大厦|公寓|花园|新村|家园|单元|苑|宿舍")

#: field -> (Chinese name, max length, required)
FIELD_LIMITS: dict[str, tuple[str, int, bool]] = {
    "petitioner_name": ("姓名", 100, True),
    "description": ("事实", 5000, True),
    "requested_outcome": ("请求", 2000, True),
    "reasons": ("理由", 5000, True),
    "location": ("地点", 300, False),
    "occurred_at": ("发生时间", 100, False),
    "handling_unit": ("承办单位", 200, False),
    "petitioner_address": ("住址", 300, False),
    "sender_id": ("会话标识", 255, False),
}


@dataclass(frozen=True)
class CaseInput:
    """Clean, validated fields of a new case."""

    matter: str
    petitioner_name: str
    petitioner_phone: str
    channel: Channel
    description: str
    requested_outcome: str
    reasons: str
    location: str = ""
    occurred_at: str = ""
    handling_unit: str | None = None
    petitioner_address: str | None = None
    sender_id: str | None = None


def valid_phone(phone: str) -> bool:
    """Mainland mobile (11 digits) or landline with area code."""
    return bool(_MOBILE.fullmatch(phone) or _LANDLINE.fullmatch(phone))


def address_problem(address: object) -> str | None:
    """Why ``address`` is not a usable 住址, or ``None`` when it looks like one.

    The reasons are ``"too_short"``, ``"too_long"`` and ``"not_address"``; an address
    looks usable when it names a street, village or building.
    """
    value = clean_field(address)
    if len(value) > FIELD_LIMITS["petitioner_address"][1]:
        return "too_long"
    if not re.search(r"[\u4e00-\u9fff]", value) or not _ADDRESS_PLACE.search(value):
        return "too_short" if len(value) < ADDRESS_MIN else "not_address"
    if len(value) < ADDRESS_MIN or not _ADDRESS_DETAIL.search(value):
        return "too_short"
    return None


def _text_fields(raw: Mapping[str, object], problems: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, (label, limit, required) in FIELD_LIMITS.items():
        value = clean_field(raw.get(name))
        if required and not value:
            problems.append(f"缺少{label}（{name}）")
        elif len(value) > limit:
            problems.append(f"{label}过长，最多{limit}字（{name}）")
        values[name] = value
    return values


def _matter(raw: Mapping[str, object], problems: list[str]) -> str:
    matter = clean_field(raw.get("matter"))
    if not _MATTER.fullmatch(matter):
        problems.append("事项类别无效（matter）")
    return matter


def _phone(raw: Mapping[str, object], problems: list[str]) -> str:
    phone = normalise_phone(clean_field(raw.get("petitioner_phone")))
    if not valid_phone(phone):
        problems.append("联系电话无效，请提供手机号或带区号的固定电话（petitioner_phone）")
    return phone


def _channel(raw: Mapping[str, object], problems: list[str]) -> Channel | None:
    value = raw.get("channel")
    if isinstance(value, Channel):
        return value
    try:
        return parse_channel(clean_field(value))
    except ValueError:
        problems.append("信访渠道无效：online/letter/phone/visit（channel）")
        return None


def validate_case_input(raw: Mapping[str, object]) -> CaseInput:
    """Check and clean the fields of a new case; raises ``CaseValidationError``."""
    problems: list[str] = []
    matter = _matter(raw, problems)
    phone = _phone(raw, problems)
    channel = _channel(raw, problems)
    text = _text_fields(raw, problems)
    if problems or channel is None:
        raise CaseValidationError(problems)
    return CaseInput(
        matter=matter,
        petitioner_name=text["petitioner_name"],
        petitioner_phone=phone,
        channel=channel,
        description=text["description"],
        requested_outcome=text["requested_outcome"],
        reasons=text["reasons"],
        location=text["location"],
        occurred_at=text["occurred_at"],
        handling_unit=text["handling_unit"] or None,
        petitioner_address=text["petitioner_address"] or None,
        sender_id=text["sender_id"] or None,
    )
