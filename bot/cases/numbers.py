"""Case numbers ``XF-<year>-<6-digit sequence>`` (信访件编号).

``parse_case_number`` is lenient about what citizens type: lower case, missing or
extra dashes/spaces, full-width characters (ＸＦ－２０２６－０００１２３),
"2026年第123号", "xf2026123", and noise around the number ("我的案件号是…").
A sequence is allocated per year as ``max(seq) + 1``; the unique constraint on
(year, seq) makes concurrent inserts safe — the caller retries on conflict.
"""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.cases.models import Case

__all__ = [
    "MAX_INPUT_LENGTH",
    "MAX_SEQ",
    "format_case_number",
    "next_free_seq",
    "parse_case_number",
    "split_case_number",
]

MAX_SEQ = 999_999
MIN_YEAR, MAX_YEAR = 2000, 2099
MAX_INPUT_LENGTH = 200

_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−﹣_~～·・/／\\"), "-")
_XF_FORM = re.compile(
    # One run of separators between each part (no adjacent [\s\-]* runs: linear time).
    r"(?<![A-Z])XF[\s\-:#.]*([0-9]{4})[\s\-]*(?:年[\s\-]*)?(?:第[\s\-]*)?([0-9]{1,6})(?:号)?(?![0-9])"
)
_YEAR_FORM = re.compile(r"(?<![0-9])([0-9]{4})\s*年\s*第?\s*([0-9]{1,6})\s*号")


def format_case_number(year: int, seq: int) -> str:
    """``(2026, 123)`` -> ``XF-2026-000123``."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year out of range: {year}")
    if not 1 <= seq <= MAX_SEQ:
        raise ValueError(f"sequence out of range: {seq}")
    return f"XF-{year:04d}-{seq:06d}"


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_DASHES).upper()


def _valid(year_text: str, seq_text: str) -> str | None:
    year, seq = int(year_text), int(seq_text)
    if MIN_YEAR <= year <= MAX_YEAR and 1 <= seq <= MAX_SEQ:
        return format_case_number(year, seq)
    return None


def parse_case_number(text: object) -> str | None:
    """Find a case number in loose user text; canonical ``XF-YYYY-NNNNNN`` or ``None``."""
    if not isinstance(text, str) or not text or len(text) > MAX_INPUT_LENGTH:
        return None
    folded = _fold(text)
    for pattern in (_XF_FORM, _YEAR_FORM):
        for match in pattern.finditer(folded):
            number = _valid(match.group(1), match.group(2))
            if number:
                return number
    return None


def split_case_number(number: str) -> tuple[int, int]:
    """``XF-2026-000123`` -> ``(2026, 123)`` (canonical input only)."""
    _, year, seq = number.split("-")
    return int(year), int(seq)


def next_free_seq(session: Session, year: int) -> int:
    """``max(seq) + 1`` among the cases of ``year`` (1 for a new year)."""
    current = session.execute(select(func.max(Case.seq)).where(Case.year == year)).scalar()
    return (current or 0) + 1
