"""Case number formatting and lenient parsing."""
from __future__ import annotations

import time

import pytest

from bot.cases import numbers
from bot.cases.numbers import (
    MAX_INPUT_LENGTH,
    format_case_number,
    parse_case_number,
    split_case_number,
)


def test_format() -> None:
    assert format_case_number(2026, 123) == "XF-2026-000123"
    assert format_case_number(2026, 999_999) == "XF-2026-999999"
    assert split_case_number("XF-2026-000123") == (2026, 123)


@pytest.mark.parametrize("year,seq", [(1999, 1), (2026, 0), (2026, 1_000_000)])
def test_format_rejects_out_of_range(year: int, seq: int) -> None:
    with pytest.raises(ValueError):
        format_case_number(year, seq)


@pytest.mark.parametrize("text", [
    "XF-2026-000123",
    "xf-2026-000123",
    "XF2026000123",
    "xf2026123",
    "XF 2026 123",
    "XF-2026-123",
    "  XF - 2026 - 000123  ",
    "ＸＦ－２０２６－０００１２３",
    "ｘｆ２０２６１２３",
    "XF—2026—000123",
    "XF_2026_000123",
    "XF2026年第123号",
    "2026年第123号",
    "2026 年 第 123 号",
    "２０２６年第１２３号",
    "我的案件号是XF-2026-000123，麻烦查一下",
    "案件编号：xf 2026 000123。",
    "编号#XF-2026-000123号",
    "查询 XF-2026-000123 查询码 ABCD2345",
])
def test_parse_loose_formats(text: str) -> None:
    assert parse_case_number(text) == "XF-2026-000123"


@pytest.mark.parametrize("text", [
    None, 123, "", "   ", "hello", "XF", "XF-20-1", "XF-2026-", "XF-2026-0000000",
    "XF-2026-1234567", "XF-1899-000123", "XF-2026-000000", "2026-000123", "AXF-2026-000123",
    "123号", "2026年", "<script>alert('XF-2026-1')</script>" + "x" * 200,
    "'; DROP TABLE cases; --", "XF-2O26-000123",
])
def test_parse_garbage_is_none(text: object) -> None:
    assert parse_case_number(text) is None


def test_over_long_input_is_rejected_before_any_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """No folding or regex ever sees more than MAX_INPUT_LENGTH characters (counted, not timed)."""
    seen: list[int] = []
    fold = numbers._fold

    def counting_fold(text: str) -> str:
        seen.append(len(text))
        return fold(text)

    monkeypatch.setattr(numbers, "_fold", counting_fold)
    assert parse_case_number("XF-2026-000123" + "9" * 100_000) is None
    assert parse_case_number("X" * 2000) is None
    assert parse_case_number("X" * (MAX_INPUT_LENGTH + 1)) is None
    assert seen == []
    longest = "XF-2026-000123".ljust(MAX_INPUT_LENGTH, "。")
    assert parse_case_number(longest) == "XF-2026-000123"  # the limit itself is parsed
    assert seen == [MAX_INPUT_LENGTH]


@pytest.mark.parametrize("text", [("XF " * 66)[:199], "XF" + "-" * 197, ("2026年" + " " * 60) * 3,
                                  "X" + "F-" * 99,
                                  "XF-2026" + " -" * 96])
def test_pathological_input_is_cheap(text: str) -> None:
    """Inputs that would make a backtracking pattern explode. Measured in CPU time of this
    thread (not wall-clock time, which a busy machine stretches) with a large margin:
    linear matching needs microseconds, catastrophic backtracking seconds to years."""
    assert len(text) <= MAX_INPUT_LENGTH
    started = time.thread_time()
    for _ in range(100):
        assert parse_case_number(text) is None
    assert time.thread_time() - started < 0.5


def test_first_valid_number_wins() -> None:
    assert parse_case_number("XF-1800-000001 or XF-2025-000007") == "XF-2025-000007"
