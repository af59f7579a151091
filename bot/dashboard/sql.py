"""Two expressions whose SQL differs between SQLite and PostgreSQL.

* :class:`local_day` — the China-local day number (days since 1970-01-01) of an epoch
  timestamp column (Rasa's ``events.timestamp``): ``floor((ts + 8h) / 1 day)``;
* :class:`json_text` — a top-level or nested field of a JSON text column as text
  (SQLite ``json_extract`` gives ``0``/``1`` for booleans, PostgreSQL ``false``/``true``:
  compare with :data:`FALSE_TEXTS` / :data:`TRUE_TEXTS`).
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Tuple

from sqlalchemy import Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

__all__ = ["EPOCH", "FALSE_TEXTS", "TRUE_TEXTS", "day_to_date", "json_text", "local_day"]

CHINA_OFFSET_SECONDS = 8 * 3600
EPOCH = date(1970, 1, 1)
FALSE_TEXTS = ("0", "false")
TRUE_TEXTS = ("1", "true")


def day_to_date(number: Any) -> date:
    return EPOCH + timedelta(days=int(number))


class local_day(FunctionElement):  # noqa: N801 - SQL function style
    type = Integer()
    inherit_cache = True

    def __init__(self, column: ColumnElement) -> None:
        super().__init__(column)


@compiles(local_day)
def _local_day_default(element: local_day, compiler: Any, **kw: Any) -> str:
    # SQLite: CAST truncates toward zero (timestamps are positive).
    inner = compiler.process(list(element.clauses)[0], **kw)
    return f"CAST(({inner} + {CHINA_OFFSET_SECONDS}) / 86400 AS INTEGER)"


@compiles(local_day, "postgresql")
def _local_day_pg(element: local_day, compiler: Any, **kw: Any) -> str:
    # PostgreSQL: CAST rounds, so floor first.
    inner = compiler.process(list(element.clauses)[0], **kw)
    return f"CAST(FLOOR((CAST({inner} AS DOUBLE PRECISION) + {CHINA_OFFSET_SECONDS}) / 86400) AS INTEGER)"


class json_text(FunctionElement):  # noqa: N801 - SQL function style
    type = String()
    inherit_cache = False  # the path is not part of the cache key: never cache

    def __init__(self, column: ColumnElement, *path: str) -> None:
        self.path: Tuple[str, ...] = path
        super().__init__(column)


def _path_ok(path: Tuple[str, ...]) -> None:
    if not path or not all(part.isidentifier() for part in path):
        raise ValueError(f"json_text path must be identifiers, got {path!r}")


@compiles(json_text)
def _json_text_sqlite(element: json_text, compiler: Any, **kw: Any) -> str:
    _path_ok(element.path)
    inner = compiler.process(list(element.clauses)[0], **kw)
    return f"CAST(json_extract({inner}, '$.{'.'.join(element.path)}') AS TEXT)"


@compiles(json_text, "postgresql")
def _json_text_pg(element: json_text, compiler: Any, **kw: Any) -> str:
    _path_ok(element.path)
    inner = compiler.process(list(element.clauses)[0], **kw)
    return f"(CAST({inner} AS JSON) #>> '{{{','.join(element.path)}}}')"
