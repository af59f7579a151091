"""The bad-input catalogue: what was sent where, what came back, whether that is right.

Every test records one row; ``tests/badinput/conftest.py`` prints the table at the
end of the run. Common rules for HTTP answers: never a 5xx, never a traceback, and
a 4xx for a request that is itself malformed or not allowed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

CHINESE = re.compile(r"[\u4e00-\u9fff]")
LEAKS = ("Traceback", 'File "', "Exception", "sqlalchemy", "psycopg2", "aiohttp.web")


@dataclass
class Row:
    entry: str
    case: str
    expected: str
    outcome: str
    ok: bool | None  # None: skipped


ROWS: list[Row] = []


def record(entry: str, case: str, expected: str, outcome: str, ok: bool | None) -> None:
    ROWS.append(Row(entry, case, expected, outcome, ok))


def leaks(body: str) -> list[str]:
    """Signs of an internal error in a response body."""
    return [word for word in LEAKS if word in body]


def short(text: str, width: int = 46) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _width(text: str) -> int:
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def table(rows: list[Row]) -> list[str]:
    """Aligned text table (CJK characters count double)."""
    header = Row("entry point", "bad input", "expected", "outcome", None)
    cells = [[r.entry, r.case, r.expected, r.outcome,
              "RESULT" if r is header else {True: "ok", False: "FAIL", None: "skip"}[r.ok]]
             for r in [header, *rows]]
    widths = [max(_width(c[i]) for c in cells) for i in range(5)]
    lines = []
    for index, row in enumerate(cells):
        lines.append("  ".join(_pad(c, w) for c, w in zip(row, widths, strict=False)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines
