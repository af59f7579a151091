"""Expressions whose SQL differs between SQLite and PostgreSQL.

* :class:`local_day` — the China-local day number (days since 1970-01-01) of an epoch
  timestamp column (Rasa's ``events.timestamp``): ``floor((ts + 8h) / 1 day)``;
* :class:`microseconds_between` — the exact whole microseconds from one naive-UTC
  ``DateTime`` column to another (for ordering waits in SQL, as Python's ``timedelta``);
* :class:`json_text` — a top-level or nested field of a JSON text column as text
  (SQLite ``json_extract`` gives ``0``/``1`` for booleans, PostgreSQL ``false``/``true``:
  compare with :data:`FALSE_TEXTS` / :data:`TRUE_TEXTS`).
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

__all__ = ["EPOCH", "FALSE_TEXTS", "TRUE_TEXTS", "day_to_date", "json_text", "local_day",
           "microseconds_between", "utc_at"]

CHINA_OFFSET_SECONDS = 8 * 3600
EPOCH = date(1970, 1, 1)
FALSE_TEXTS = ("0", "false")
TRUE_TEXTS = ("1", "true")


def day_to_date(number: Any) -> date:
    return EPOCH + timedelta(days=int(number))


def utc_at(epoch: float) -> datetime:
    """An epoch timestamp (Rasa's) as the naive UTC datetime the application tables hold."""
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)


class local_day(FunctionElement):
    type = Integer()
    inherit_cache = True

    def __init__(self, column: ColumnElement) -> None:
        super().__init__(column)


@compiles(local_day)
def _local_day_default(element: local_day, compiler: Any, **kw: Any) -> str:
    # SQLite: CAST truncates toward zero (timestamps are positive).
    inner = compiler.process(next(iter(element.clauses)), **kw)
    return f"CAST(({inner} + {CHINA_OFFSET_SECONDS}) / 86400 AS INTEGER)"


@compiles(local_day, "postgresql")
def _local_day_pg(element: local_day, compiler: Any, **kw: Any) -> str:
    # PostgreSQL: CAST rounds, so floor first.
    inner = compiler.process(next(iter(element.clauses)), **kw)
    return f"CAST(FLOOR((CAST({inner} AS DOUBLE PRECISION) + {CHINA_OFFSET_SECONDS}) / 86400) AS INTEGER)"


class json_text(FunctionElement):
    type = String()
    inherit_cache = False  # the path is not part of the cache key: never cache

    def __init__(self, column: ColumnElement, *path: str) -> None:
        self.path: tuple[str, ...] = path
        super().__init__(column)


def _path_ok(path: tuple[str, ...]) -> None:
    if not path or not all(part.isidentifier() for part in path):
        raise ValueError(f"json_text path must be identifiers, got {path!r}")


@compiles(json_text)
def _json_text_sqlite(element: json_text, compiler: Any, **kw: Any) -> str:
    _path_ok(element.path)
    inner = compiler.process(next(iter(element.clauses)), **kw)
    return f"CAST(json_extract({inner}, '$.{'.'.join(element.path)}') AS TEXT)"


@compiles(json_text, "postgresql")
def _json_text_pg(element: json_text, compiler: Any, **kw: Any) -> str:
    _path_ok(element.path)
    inner = compiler.process(next(iter(element.clauses)), **kw)
    return f"(CAST({inner} AS JSON) #>> '{{{','.join(element.path)}}}')"


class microseconds_between(FunctionElement):
    type = BigInteger()
    inherit_cache = True

    def __init__(self, earlier: ColumnElement, later: ColumnElement) -> None:
        super().__init__(earlier, later)


@compiles(microseconds_between)
def _microseconds_sqlite(element: microseconds_between, compiler: Any, **kw: Any) -> str:
    # SQLite stores SQLAlchemy's DateTime as 'YYYY-MM-DD HH:MM:SS.ffffff'.  Whole seconds
    # from julianday() of the first 19 characters (given the fraction, SQLite would round
    # it to milliseconds), rounded to an integer (julianday is a double: exact to well
    # under a second); microseconds from characters 21-26 (none: 0).  julianday, not
    # strftime('%s'): ten times faster over a year of rows.
    earlier, later = (compiler.process(c, **kw) for c in element.clauses)
    days = f"julianday(substr({later}, 1, 19)) - julianday(substr({earlier}, 1, 19))"
    seconds = f"CAST(ROUND(({days}) * 86400) AS INTEGER)"
    return (f"({seconds} * 1000000"
            f" + CAST(substr({later}, 21, 6) AS INTEGER) - CAST(substr({earlier}, 21, 6) AS INTEGER))")


@compiles(microseconds_between, "postgresql")
def _microseconds_pg(element: microseconds_between, compiler: Any, **kw: Any) -> str:
    # EXTRACT(EPOCH FROM interval) is an exact numeric (PostgreSQL 14+); ROUND for older.
    earlier, later = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(ROUND(EXTRACT(EPOCH FROM ({later} - {earlier})) * 1000000) AS BIGINT)"
