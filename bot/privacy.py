"""Masking of citizens' personal data for logs and citizen-facing text.

``mask_text`` finds mainland mobile numbers (optionally ``+86``/``0086`` and
spaces/dashes), landlines, resident ID numbers (18 digits, last may be X; and
15-digit legacy numbers), e-mail addresses, names introduced by a cue
("我叫…", "姓名：…"), query codes (查询码: 8 characters of ``bot.cases.codes.ALPHABET``
— after the word 查询码, or on their own when they mix letters and digits), licence
plates (京A12345, 粤B·D12345), the house-number part of street addresses
(建国路88号 → 建国路**号, 幸福小区3栋2单元501室 → 幸福小区**栋**单元**室), addresses
after a cue (住址：北京市朝阳区建国路88号 → 住址：北京市朝阳区****, as the petition read-back
shows it; ``mask_address``) and sender ids
(web chat ``web-…``; numeric Telegram ids after ``chat``/``sender``/``conversation``)
in arbitrary text.  Article numbers (第七十一条), dates and case numbers
(XF-2026-000123) stay readable.  Full-width digits and letters are recognised too.
All functions are idempotent: masking masked text is a no-op.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from re import Match, Pattern

__all__ = [
    "mask_address",
    "mask_email",
    "mask_id_number",
    "mask_landline",
    "mask_name",
    "mask_phone",
    "mask_plate",
    "mask_sender_id",
    "mask_text",
    "normalise_phone",
]

# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space map 1:1 onto ASCII,
# so spans found in the translated copy line up with the original text.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_HALF_WIDTH[0x3000] = 0x20

_SEP = r"[ \-]?"
_MOBILE = re.compile(
    r"(?<![0-9A-Za-z])(?P<prefix>(?:\+|00)?86[ \-]?)?"
    r"(?P<number>1[3-9][0-9]" + _SEP + r"[0-9]{4}" + _SEP + r"[0-9]{4})(?![0-9])"
)
_LANDLINE = re.compile(
    r"(?<![0-9A-Za-z])(?P<area>\(?0[1-9][0-9]{1,2}\)?)[ \-]?(?P<local>[1-9][0-9]{6,7})"
    r"(?:(?P<ext>[ \-]?(?:转|ext\.?|-)[ ]?[0-9]{1,6}))?(?![0-9])"
)
_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])(?:[1-9][0-9]{5}(?:18|19|20)[0-9]{2}" + _DATE + r"[0-9]{3}[0-9Xx]"
    r"|[1-9][0-9]{7}" + _DATE + r"[0-9]{3})(?![0-9A-Za-z])"
)
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])(?P<local>[A-Za-z0-9._%+\-]{1,64})@"
    r"(?P<domain>[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})"
)
_NAME_CUE = re.compile(
    r"(?P<cue>(?:我叫|本人叫|我的名字是|我的名字叫|名字[:：]|姓名[:：]|联系人[:：]|信访人[:：]|"
    r"申请人[:：]|当事人[:：])\s*)"
    r"(?P<name>[\u4e00-\u9fff]{2,4}(?:[·•][\u4e00-\u9fff]{1,6})?)"
)
# 住址 (the petition form's read-back "住址：…", "家住…"): district kept, rest masked.
_ADDRESS_CUE = re.compile(
    r"(?P<cue>(?:家庭住址|通讯地址|联系地址|住址)\s*[:：]\s*|(?:我家住在|家住在|家住|我住在)\s*)"
    r"(?P<address>[^\s，,。；;！!？?、）)\n]{2,120})"
)
# Words that often follow a cue but are not names ("我叫了122", "我叫不动").
_NOT_NAMES = ("不", "了", "过", "车", "人", "警", "你", "他", "她")

# 查询码: bot.cases.codes.ALPHABET (no 0/O/1/I), 8 characters.  After the word 查询码
# any such code (a dash or space in the middle, lower case) is masked; on its own only
# an upper-case one that mixes letters and digits (so words like "DEADBEEF" stay).
_CODE = "A-HJ-NP-Z2-9"
_QUERY_CODE_CUED = re.compile(
    r"(?P<cue>查询码\s*(?:是|为)?\s*[:：]?\s*)"
    r"(?P<code>[A-HJ-NP-Za-hj-np-z2-9]{4}[ \-]?[A-HJ-NP-Za-hj-np-z2-9]{4})(?![A-Za-z0-9])"
)
_QUERY_CODE = re.compile(
    rf"(?<![A-Za-z0-9\-])(?=[{_CODE}]{{0,7}}[2-9])(?=[{_CODE}]{{0,7}}[A-HJ-NP-Z])"
    rf"[{_CODE}]{{8}}(?![A-Za-z0-9\-])"
)
# Licence plates: province, city letter, optional separator, 5 characters (6 for
# new-energy plates), at least two digits; 4 characters before 学/警/挂/….
_PLATE = re.compile(
    r"(?P<head>[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Za-z])"
    r"(?P<sep>[·•・.\- ]?)(?=(?:[A-Za-z]*[0-9]){2})"
    r"(?P<tail>[A-Za-z0-9]{5,6}|[A-Za-z0-9]{4}(?=[挂学警港澳领试超]))(?![A-Za-z0-9])"
)
# The house-number part after a road/estate word: 88号, 88-3号, 3号楼2单元501室.
_HOUSE = re.compile(
    r"(?P<place>[\u4e00-\u9fff](?:大道|大街|胡同|小区|花园|公寓|家园|大厦|新村|社区|路|街|巷|弄|苑|村))"
    r"(?P<house>(?:[0-9]+(?:-[0-9]+)*(?:号楼|号院|号(?!线)|栋|幢|座|单元|层|楼|室|户|组))+)"
)
_HOUSE_DIGITS = re.compile(r"[0-9]+(?:-[0-9]+)*")
_WEB_SENDER = re.compile(r"(?<![A-Za-z0-9_\-])web-(?P<id>[A-Za-z0-9_\-]{8,64})(?![A-Za-z0-9_\-])")
_CUED_SENDER = re.compile(
    r"(?P<cue>(?<![A-Za-z_])(?:chat_id|chat|sender_id|sender|conversation_id|conversation)"
    r"(?![A-Za-z_])[\"']?\s*[=:：]?\s*[\"']?)(?P<id>-?[0-9]{5,20})(?![0-9])",
    re.IGNORECASE,
)


def _digits(text: str) -> str:
    return re.sub(r"[^0-9]", "", text.translate(_HALF_WIDTH))


def normalise_phone(phone: str) -> str:
    """Digits only, without a leading +86/0086 country code (full-width digits ok)."""
    digits = _digits(phone)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11 and digits[len(prefix)] == "1":
            return digits[len(prefix):]
    return digits


def mask_phone(phone: str) -> str:
    """``13812345678`` -> ``138****5678``; landlines keep area code and last 4 digits."""
    if not phone:
        return ""
    digits = normalise_phone(phone)
    if "*" in phone and len(digits) <= 7:
        return phone
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if digits.startswith("0") and 10 <= len(digits) <= 12:
        area = 3 if digits[1] in "12" else 4
        return f"{digits[:area]}-****{digits[-4:]}"
    if len(digits) > 4:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "*" * len(digits)


def mask_landline(number: str) -> str:
    """``010-12345678`` -> ``010-****5678``."""
    return mask_phone(number)


def mask_name(name: str) -> str:
    """``张三丰`` -> ``张**``; one-character names become ``*``."""
    name = (name or "").strip()
    if not name:
        return ""
    if len(name) == 1:
        return "*"
    return name[0] + "*" * (len(name) - 1)


def mask_id_number(id_number: str) -> str:
    """Keep the first 4 and last 4 characters: ``1101**********123X``."""
    value = (id_number or "").strip().translate(_HALF_WIDTH).upper()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_address(address: str) -> str:
    """Keep the first 6 characters (district level), mask the rest: ``北京市朝阳区****``."""
    value = (address or "").strip()
    if len(value) <= 6:
        return value[:2] + "*" * max(len(value) - 2, 0)
    return value[:6] + "****"


def mask_email(email: str) -> str:
    """``zhangsan@example.com`` -> ``z***@example.com``."""
    local, sep, domain = (email or "").partition("@")
    if not sep:
        return mask_name(email)
    return f"{local[:1]}***@{domain}"


def mask_plate(plate: str) -> str:
    """``京A12345`` -> ``京A*****``; ``粤B·D12345`` -> ``粤B·******``."""
    return _apply(_PLATE, _mask_plate, plate or "")


def mask_sender_id(sender_id: str) -> str:
    """Keep the channel prefix and the last 4 characters: ``web-****x9Qz``, ``****6789``."""
    value = str(sender_id or "")
    prefix = "web-" if value.startswith("web-") else ""
    rest = value[len(prefix):]
    return prefix + ("****" + rest[-4:] if len(rest) > 4 else "*" * len(rest))


Replacer = Callable[[Match[str], str], str]


def _kept(match: Match[str], original: str, group: str) -> str:
    """A group's text as the user wrote it (the match itself ran on the folded copy)."""
    start, end = match.span(group)
    return original[start:end] if start >= 0 else ""


def _mask_mobile(match: Match[str], original: str) -> str:
    return _kept(match, original, "prefix") + mask_phone(match.group("number"))


def _mask_landline(match: Match[str], original: str) -> str:
    local = match.group("local")
    masked = f"-{'*' * (len(local) - 4)}{local[-4:]}"
    return _kept(match, original, "area") + masked + _kept(match, original, "ext")


def _mask_email(match: Match[str], _original: str) -> str:
    return mask_email(match.group(0))


def _mask_id(match: Match[str], _original: str) -> str:
    return mask_id_number(match.group(0))


def _mask_cued_name(match: Match[str], original: str) -> str:
    name = match.group("name")
    if name.startswith(_NOT_NAMES):
        return original[match.start():match.end()]
    return _kept(match, original, "cue") + mask_name(name)


def _mask_cued_address(match: Match[str], original: str) -> str:
    return _kept(match, original, "cue") + mask_address(_kept(match, original, "address"))


def _mask_cued_code(match: Match[str], original: str) -> str:
    return _kept(match, original, "cue") + "********"


def _mask_code(_match: Match[str], _original: str) -> str:
    return "********"


def _mask_plate(match: Match[str], original: str) -> str:
    head, sep = _kept(match, original, "head"), _kept(match, original, "sep")
    return head + sep + "*" * len(match.group("tail"))


def _mask_house(match: Match[str], original: str) -> str:
    return _kept(match, original, "place") + _HOUSE_DIGITS.sub("**", match.group("house"))


def _mask_web_sender(match: Match[str], _original: str) -> str:
    return mask_sender_id(match.group(0))


def _mask_cued_sender(match: Match[str], original: str) -> str:
    return _kept(match, original, "cue") + mask_sender_id(match.group("id").lstrip("-"))


_RULES: tuple[tuple[Pattern[str], Replacer], ...] = (
    (_EMAIL, _mask_email),
    (_ID_NUMBER, _mask_id),
    (_MOBILE, _mask_mobile),
    (_LANDLINE, _mask_landline),
    (_NAME_CUE, _mask_cued_name),
    (_ADDRESS_CUE, _mask_cued_address),
    (_QUERY_CODE_CUED, _mask_cued_code),
    (_QUERY_CODE, _mask_code),
    (_PLATE, _mask_plate),
    (_HOUSE, _mask_house),
    (_WEB_SENDER, _mask_web_sender),
    (_CUED_SENDER, _mask_cued_sender),
)


def _apply(pattern: Pattern[str], repl: Replacer, original: str) -> str:
    """Find matches in the half-width copy, splice replacements into the original."""
    folded = original.translate(_HALF_WIDTH)
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(folded):
        parts.append(original[last:match.start()])
        parts.append(repl(match, original))
        last = match.end()
    parts.append(original[last:])
    return "".join(parts)


def mask_text(text: str) -> str:
    """Mask personal data in free text.

    Masks phones, ID numbers, e-mails, cued names and addresses, query codes, plates,
    house numbers and sender ids.
    """
    if not text:
        return text or ""
    for pattern, repl in _RULES:
        text = _apply(pattern, repl, text)
    return text
