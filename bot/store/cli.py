"""What every operator tool (``python -m bot <tool>``) does around its work.

Parse the arguments, open the migrated database (``--db`` or DATABASE_URL), and turn a
database failure into one clear line and exit code 3 instead of a stack trace.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

from alembic.util.exc import CommandError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot.settings import get_settings
from bot.store.db import make_engine, make_session_factory
from bot.store.migrate import upgrade

__all__ = ["DATABASE_UNAVAILABLE", "database_option", "migrated_factory", "run_tool", "tool_parser"]

DATABASE_UNAVAILABLE = 3
Work = Callable[[argparse.Namespace, TextIO], int]


def database_option() -> argparse.ArgumentParser:
    """The ``--db`` option, as a parent parser for the tool and each of its commands."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, help="database URL (default: DATABASE_URL)")
    return common


def tool_parser(prog: str, description: str) -> tuple[argparse.ArgumentParser, Any, argparse.ArgumentParser]:
    """A tool's parser, its sub-command collection and the ``--db`` parent for each command."""
    common = database_option()
    parser = argparse.ArgumentParser(prog=f"python -m bot {prog}", parents=[common], description=description)
    return parser, parser.add_subparsers(dest="command", required=True), common


@contextmanager
def migrated_factory(args: argparse.Namespace) -> Iterator[sessionmaker]:
    """A session factory on ``args.db`` (default DATABASE_URL), upgraded to the head."""
    url = getattr(args, "db", None) or get_settings().database_url
    upgrade(url)
    engine = make_engine(url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


def run_tool(parser: argparse.ArgumentParser, work: Work, argv: Sequence[str] | None,
             out: TextIO | None = None, err: TextIO | None = None) -> int:
    """``work(args, out)``'s exit code; 2 for bad arguments, 3 when the database fails."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        return work(args, out)
    except (SQLAlchemyError, CommandError) as exc:
        detail = (str(exc).splitlines() or [""])[0][:200]
        print(f"数据库不可用 / database unavailable: {type(exc).__name__}: {detail}", file=err)
        return DATABASE_UNAVAILABLE
