"""Importing cases exported by another system (CSV / JSON): good rows in, bad rows reported."""
from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.cases.errors import CaseValidationError
from bot.cases.importing import ImportFileError, parse_date, parse_import_row, read_rows
from bot.cases.service import CaseService
from bot.cases.status import CaseStatus as S

TODAY = date(2026, 3, 2)
BASE: dict[str, Any] = {
    "matter": "vehicle_noise",
    "petitioner_name": "刘洋",
    "petitioner_phone": "13600136004",
    "channel": "来电",
    "description": "深夜改装摩托车轰鸣扰民。",
    "requested_outcome": "请夜间查处。",
    "reasons": "噪声扰民。",
    "received_at": "2026-01-05",
}


def row(**changes: Any) -> dict[str, Any]:
    return {**BASE, **changes}


GOOD_ROWS = [
    row(),
    row(status="rejected"),
    row(status="受理", accepted_at="2026/01/08"),
    row(status="in_progress", accepted_at="2026年1月8日", extension_days="20", extension_reason="等待鉴定"),
    row(status="answered", accepted_at="2026-01-08", answered_at="2026-02-20T15:30:00"),
    row(status="answered", accepted_at="2026-01-08", review_requested_at="2026-02-01", answered_at="2026-02-25"),
    row(status="review", accepted_at="2026-01-08", answered_at="2026-01-20", review_requested_at="2026-02-01"),
    row(status="recheck", accepted_at="2026-01-08", answered_at="2026-02-10", review_requested_at="2026-01-25",
        recheck_requested_at="2026-02-20"),
    row(status="closed", accepted_at="2026-01-08", answered_at="2026-01-20", closed_at="2026-02-28"),
    row(case_number="ＸＦ－２０２５－０００４５６", received_at="2025-12-30", query_code="abcd-2345"),
]

BAD_ROWS = [
    ("not a dict", "row is not an object"),
    (row(petitioner_name=""), "petitioner_name"),
    (row(petitioner_phone="call me"), "petitioner_phone"),
    (row(channel="pigeon"), "channel"),
    (row(status="finished"), "status"),
    (row(received_at=""), "received_at"),
    (row(received_at="yesterday"), "日期格式无效"),
    (row(received_at="2026-02-30"), "日期格式无效"),
    (row(status="accepted"), "accepted_at"),
    (row(status="received", answered_at="2026-01-10"), "不应有 answered_at"),
    (row(status="accepted", accepted_at="2026-01-01"), "accepted_at 早于 received_at"),
    (row(status="review", accepted_at="2026-01-08", answered_at="2026-02-10", review_requested_at="2026-02-01"),
     "review_requested_at 早于 answered_at"),
    (row(status="accepted", accepted_at="2026-12-01"), "晚于今天"),
    (row(status="in_progress", accepted_at="2026-01-08", extension_days="45", extension_reason="x"), "延期无效"),
    (row(status="in_progress", accepted_at="2026-01-08", extension_days="10"), "理由"),
    (row(extension_days="10", extension_reason="x"), "未受理"),
    (row(case_number="XF-20-1"), "case_number"),
    (row(query_code="O0O0O0O0"), "query_code"),
    (row(description="'; DROP TABLE cases; --" * 300), "description"),
]


@pytest.mark.parametrize("raw", GOOD_ROWS, ids=lambda r: r.get("status", "received"))
def test_parse_good_rows(raw: dict[str, Any]) -> None:
    record = parse_import_row(raw, TODAY)
    assert record.fields.petitioner_name == "刘洋"


@pytest.mark.parametrize("raw,problem", BAD_ROWS, ids=lambda x: str(x)[:30])
def test_parse_bad_rows(raw: Any, problem: str) -> None:
    with pytest.raises(CaseValidationError) as info:
        parse_import_row(raw, TODAY)
    assert problem in str(info.value)


def test_parse_date_formats() -> None:
    assert parse_date("2026-01-05") == parse_date("2026/1/5") == parse_date("2026年1月5日")
    assert parse_date("2026-01-05T08:00:00") == parse_date("2026-01-05T00:00:00Z")
    assert parse_date("") is None and parse_date(None) is None


def test_import_good_and_bad_rows(case_service: CaseService) -> None:
    rows = [*GOOD_ROWS, *(bad for bad, _ in BAD_ROWS), {"matter": None}, 42, None]
    report = case_service.import_cases(rows, actor="migration")
    assert len(report.imported) == len(GOOD_ROWS)
    assert [s.row for s in report.skipped] == list(range(len(GOOD_ROWS) + 1, len(rows) + 1))
    assert report.imported[-1].case_number == "XF-2025-000456"
    assert report.imported[-1].query_code == "ABCD2345"
    assert case_service.verify("s", "XF-2025-000456", "ABCD2345").ok
    statuses = [case_service.get(f.case_number).status for f in report.imported]  # type: ignore[union-attr]
    assert statuses == [S.RECEIVED, S.REJECTED, S.ACCEPTED, S.IN_PROGRESS, S.ANSWERED, S.ANSWERED,
                        S.REVIEW, S.RECHECK, S.CLOSED, S.RECEIVED]


def test_imported_case_dates_and_events(case_service: CaseService) -> None:
    report = case_service.import_cases([GOOD_ROWS[3]])
    case = case_service.get(report.imported[0].case_number)
    assert case is not None
    assert case.case_number == "XF-2026-000001"
    assert case.handling_due == date(2026, 3, 29) and case.extension_days == 20
    assert case.acceptance_due == date(2026, 1, 20)
    assert [(e.kind, e.actor) for e in case.events] == [("imported", "import")]


def test_duplicate_case_number_is_skipped(case_service: CaseService) -> None:
    rows = [row(case_number="XF-2026-000007"), row(case_number="xf-2026-7")]
    report = case_service.import_cases(rows)
    assert len(report.imported) == 1 and report.skipped[0].row == 2
    assert "已存在" in report.skipped[0].reason
    assert case_service.import_cases([row()]).imported[0].case_number == "XF-2026-000008"


def test_read_csv_and_json(tmp_path: Path) -> None:
    csv_path = tmp_path / "cases.csv"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(BASE))
        writer.writeheader()
        writer.writerow(BASE)
    assert read_rows(csv_path) == [{k: str(v) for k, v in BASE.items()}]
    json_path = tmp_path / "cases.json"
    json_path.write_text(json.dumps({"cases": [BASE]}, ensure_ascii=False), encoding="utf-8")
    assert read_rows(json_path) == [BASE]


@pytest.mark.parametrize("name,content", [("bad.json", "{not json"), ("obj.json", '{"a": 1}'), ("bin.csv", None)])
def test_unreadable_files(tmp_path: Path, name: str, content: str | None) -> None:
    path = tmp_path / name
    if content is None:
        path.write_bytes(b"\xff\xfe\x00bad")
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportFileError):
        read_rows(path)
    with pytest.raises(ImportFileError):
        read_rows(tmp_path / "missing.csv")
