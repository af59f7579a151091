"""Reading cases exported by another system (CSV or JSON) into validated records.

Files: CSV with a header row (UTF-8, BOM allowed) or JSON — a list of objects
or ``{"cases": [...]}``.  Columns / keys (empty = not given):

=====================  ========  ============================================
column                 required  meaning
=====================  ========  ============================================
case_number            no        existing number (loose formats ok); allocated if empty
matter                 yes       taxonomy id, e.g. ``parking_fee``
petitioner_name        yes       姓名
petitioner_phone       yes       mobile or landline with area code
petitioner_address     no        住址
channel                yes       online/letter/phone/visit or 网上/来信/来电/来访/传真
description            yes       事实
requested_outcome      yes       请求
reasons                yes       理由
location               no        地点
occurred_at            no        free text, e.g. "2026年3月1日下午"
handling_unit          no        承办单位
status                 no        English key or Chinese label (default ``received``)
received_at            yes       登记日期
accepted_at            by status required for accepted/in_progress/answered/review/recheck
answered_at            by status written reply date; required for answered/review/recheck
review_requested_at    by status required for review/recheck (复查请求收到日)
recheck_requested_at   by status required for recheck (复核请求收到日)
closed_at              no        only for closed
extension_days         no        1..30, needs extension_reason and accepted_at
extension_reason       no        延期理由
query_code             no        8-char code already given to the petitioner; else a new one
sender_id              no        conversation id
=====================  ========  ============================================

Dates: ``YYYY-MM-DD``, ``YYYY/MM/DD``, ``YYYY年M月D日`` (China local date) or ISO
datetimes (naive = China time).  Dates must be in order and not in the future.
"""
from __future__ import annotations

import csv
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.cases.codes import normalise_query_code
from bot.cases.deadlines import validate_extension
from bot.cases.errors import CaseError, CaseValidationError
from bot.cases.numbers import parse_case_number
from bot.cases.status import CaseStatus, parse_status
from bot.cases.validation import CaseInput, validate_case_input
from bot.common.clock import CHINA_TZ, local_date, local_midnight, to_naive_utc
from bot.common.text import clean_field

__all__ = ["DATE_FIELDS", "ImportFileError", "ImportRecord", "parse_date", "parse_import_row", "read_rows"]

DATE_FIELDS = (
    "received_at",
    "accepted_at",
    "answered_at",
    "review_requested_at",
    "recheck_requested_at",
    "closed_at",
)
_THROUGH_ACCEPTANCE = ("received_at", "accepted_at")
_THROUGH_ANSWER = (*_THROUGH_ACCEPTANCE, "answered_at")
_REQUIRED_DATES: dict[CaseStatus, tuple[str, ...]] = {
    CaseStatus.RECEIVED: ("received_at",),
    CaseStatus.REJECTED: ("received_at",),
    CaseStatus.ACCEPTED: _THROUGH_ACCEPTANCE,
    CaseStatus.IN_PROGRESS: _THROUGH_ACCEPTANCE,
    CaseStatus.ANSWERED: _THROUGH_ANSWER,
    CaseStatus.REVIEW: (*_THROUGH_ANSWER, "review_requested_at"),
    CaseStatus.RECHECK: (*_THROUGH_ANSWER, "review_requested_at", "recheck_requested_at"),
    CaseStatus.CLOSED: ("received_at",),
}
_EXTRA_ALLOWED: dict[CaseStatus, tuple[str, ...]] = {
    CaseStatus.ANSWERED: ("review_requested_at",),
    CaseStatus.CLOSED: DATE_FIELDS,
}
Dates = dict[str, datetime | None]
_CN_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_MAX_ROWS = 100_000


class ImportFileError(CaseError):
    """The import file cannot be read at all."""


@dataclass(frozen=True)
class ImportRecord:
    """One validated row, ready to insert."""

    fields: CaseInput
    case_number: str | None
    status: CaseStatus
    dates: Dates
    extension_days: int | None
    extension_reason: str | None
    query_code: str | None

    @property
    def received_at(self) -> datetime:
        """The 登记 date; validation requires it for every status."""
        value = self.dates["received_at"]
        if value is None:
            raise ValueError("import record without received_at")
        return value


def _load_json(path: Path) -> list[Any]:
    data = json.loads(path.read_text(encoding="utf-8-sig"))
    if isinstance(data, dict) and isinstance(data.get("cases"), list):
        data = data["cases"]
    if not isinstance(data, list):
        raise ImportFileError(f"JSON 须为列表或 {{\"cases\": [...]}} / JSON must be a list: {path}")
    return data


def _load_csv(path: Path) -> list[Any]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def read_rows(path: str | Path) -> list[Any]:
    """Raw rows of a ``.csv`` or ``.json`` file; raises ``ImportFileError`` if unreadable."""
    file = Path(path)
    try:
        rows = _load_json(file) if file.suffix.lower() == ".json" else _load_csv(file)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, csv.Error) as exc:
        raise ImportFileError(f"无法读取导入文件 / cannot read import file {file}: {exc}") from exc
    if len(rows) > _MAX_ROWS:
        raise ImportFileError(f"一次最多导入{_MAX_ROWS}条 / at most {_MAX_ROWS} rows per file")
    return rows


def parse_date(value: object) -> datetime | None:
    """A date/datetime cell -> naive UTC; ``None`` if empty; ``ValueError`` if malformed."""
    text = clean_field(value)
    if not text:
        return None
    match = _CN_DATE.fullmatch(text)
    if match:
        return local_midnight(date(*map(int, match.groups())))
    if re.fullmatch(r"\d{4}[-/]\d{1,2}[-/]\d{1,2}", text):
        return local_midnight(date(*map(int, re.split(r"[-/]", text))))
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return to_naive_utc(moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TZ))


def _dates(row: Mapping[str, object], problems: list[str]) -> Dates:
    dates: Dates = {}
    for name in DATE_FIELDS:
        try:
            dates[name] = parse_date(row.get(name))
        except (ValueError, TypeError, OverflowError):
            problems.append(f"日期格式无效（{name}）")
            dates[name] = None
    return dates


def _check_dates(status: CaseStatus, dates: Dates, today: date, problems: list[str]) -> None:
    required = _REQUIRED_DATES[status]
    allowed = set(required) | set(_EXTRA_ALLOWED.get(status, ()))
    for name in DATE_FIELDS:
        if name in required and dates[name] is None:
            problems.append(f"状态 {status.value} 需要 {name}")
        elif name not in allowed and dates[name] is not None:
            problems.append(f"状态 {status.value} 不应有 {name}")
    for earlier, later in _order_pairs(status):
        first, second = dates[earlier], dates[later]
        if first is not None and second is not None and second < first:
            problems.append(f"{later} 早于 {earlier}")
    if any(local_date(moment) > today for moment in dates.values() if moment is not None):
        problems.append("日期不能晚于今天")


def _order_pairs(status: CaseStatus) -> list[tuple[str, str]]:
    """(earlier, later) date pairs that must be in order.

    Once a review has been answered, ``answered_at`` holds the review's reply, so
    answered-before-review is only enforced while the review is still pending.
    """
    pairs = [(DATE_FIELDS[0], name) for name in DATE_FIELDS[1:]]
    pairs += [(name, "closed_at") for name in DATE_FIELDS[1:-1]]
    pairs += [("accepted_at", "answered_at"), ("accepted_at", "review_requested_at"),
              ("review_requested_at", "recheck_requested_at")]
    if status is CaseStatus.REVIEW:
        pairs.append(("answered_at", "review_requested_at"))
    return pairs


def _status(row: Mapping[str, object], problems: list[str]) -> CaseStatus:
    try:
        return parse_status(clean_field(row.get("status")) or CaseStatus.RECEIVED.value)
    except ValueError:
        problems.append("状态无效（status）")
        return CaseStatus.RECEIVED


def _extension(row: Mapping[str, object], dates: Dates, problems: list[str]) -> int | None:
    text = clean_field(row.get("extension_days"))
    if not text:
        return None
    try:
        days = int(float(text)) if re.fullmatch(r"\d{1,3}(\.0+)?", text) else int(text)
        validate_extension(None, days, clean_field(row.get("extension_reason")))
    except (ValueError, CaseError) as exc:
        problems.append(f"延期无效（extension_days）：{exc}")
        return None
    if dates.get("accepted_at") is None:
        problems.append("未受理的案件不能延期（extension_days）")
    return days


def _case_number(row: Mapping[str, object], problems: list[str]) -> str | None:
    text = clean_field(row.get("case_number"))
    if not text:
        return None
    number = parse_case_number(text)
    if number is None:
        problems.append("案件编号无效（case_number）")
    return number


def _query_code(row: Mapping[str, object], problems: list[str]) -> str | None:
    text = clean_field(row.get("query_code"))
    if not text:
        return None
    code = normalise_query_code(text)
    if code is None:
        problems.append("查询码无效（query_code）")
    return code


def parse_import_row(row: object, today: date) -> ImportRecord:
    """Validate one exported row; raises ``CaseValidationError`` listing every problem."""
    if not isinstance(row, Mapping):
        raise CaseValidationError(["记录不是对象/字典 / row is not an object"])
    problems: list[str] = []
    try:
        fields: CaseInput | None = validate_case_input(row)
    except CaseValidationError as exc:
        problems.extend(exc.problems)
        fields = None
    status = _status(row, problems)
    dates = _dates(row, problems)
    _check_dates(status, dates, today, problems)
    extension = _extension(row, dates, problems)
    number, code = _case_number(row, problems), _query_code(row, problems)
    if problems or fields is None:
        raise CaseValidationError(problems)
    reason = clean_field(row.get("extension_reason")) or None
    return ImportRecord(fields, number, status, dates, extension, reason if extension else None, code)
