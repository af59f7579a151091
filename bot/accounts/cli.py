"""Officer account management: ``python -m bot accounts <command> [--db URL] ...``.

Commands: ``add USERNAME --name 显示名 [--role officer|admin|supervisor] [--telegram-id N]``,
``passwd USERNAME``, ``disable USERNAME``, ``enable USERNAME``, ``unlock USERNAME``,
``list``.  Passwords are read twice from the terminal (hidden), or once from standard
input with ``--password-stdin``.  The database is migrated first.

Exit codes: 0 ok; 1 account error; 2 usage error; 3 database unavailable.
"""
from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from typing import TextIO

from alembic.util.exc import CommandError
from sqlalchemy.exc import SQLAlchemyError

from bot.accounts.models import ROLES
from bot.accounts.service import AccountError, AccountService, OfficerView
from bot.settings import get_settings
from bot.store.db import make_engine, make_session_factory
from bot.store.migrate import upgrade

__all__ = ["build_parser", "main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"用法错误 / usage error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--db", help="database URL (default: DATABASE_URL)")
    parser = _Parser(prog="python -m bot accounts", description="民警账号管理 / officer accounts")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    add = sub.add_parser("add", parents=[common], help="新建账号 / add an account")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="显示名，如：王警官")
    add.add_argument("--role", choices=ROLES, default="officer")
    add.add_argument("--telegram-id", type=int, help="Telegram user id for the officers' group")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    passwd = sub.add_parser("passwd", parents=[common], help="设置新密码 / set a new password")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    for name, text in (("disable", "停用账号"), ("enable", "启用账号"), ("unlock", "解除锁定")):
        sub.add_parser(name, parents=[common], help=text).add_argument("username")
    sub.add_parser("list", parents=[common], help="列出账号 / list accounts")
    return parser


def _password(from_stdin: bool, stdin: TextIO) -> str:
    if from_stdin:
        return stdin.readline().rstrip("\n")
    first = getpass.getpass("密码 / password: ")
    if getpass.getpass("再输入一次 / again: ") != first:
        raise AccountError("两次输入的密码不一致")
    return first


def _line(officer: OfficerView) -> str:
    state = "active" if officer.active else "disabled"
    if officer.locked_until is not None:
        state += f", locked until {officer.locked_until:%Y-%m-%d %H:%M} UTC"
    telegram = f" telegram={officer.telegram_user_id}" if officer.telegram_user_id else ""
    return f"{officer.username}\t{officer.display_name}\t{officer.role}\t{state}{telegram}"


def _run(args: argparse.Namespace, accounts: AccountService, out: TextIO, stdin: TextIO) -> int:
    if args.command == "list":
        for officer in accounts.list():
            print(_line(officer), file=out)
        return 0
    if args.command == "add":
        officer = accounts.create(args.username, args.name, _password(args.password_stdin, stdin),
                                  args.role, args.telegram_id)
    elif args.command == "passwd":
        officer = accounts.set_password(args.username, _password(args.password_stdin, stdin))
    elif args.command in ("disable", "enable"):
        officer = accounts.set_active(args.username, args.command == "enable")
    else:
        officer = accounts.unlock(args.username)
    print(f"ok: {_line(officer)}", file=out)
    return 0


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout,
         stdin: TextIO = sys.stdin) -> int:
    args = build_parser().parse_args(argv)
    if not args.db:
        args.db = get_settings().database_url
    try:
        upgrade(args.db)
        engine = make_engine(args.db)
    except (SQLAlchemyError, CommandError, OSError) as error:
        print(f"数据库不可用 / database unavailable: {type(error).__name__}", file=sys.stderr)
        return 3
    try:
        return _run(args, AccountService(make_session_factory(engine)), out, stdin)
    except AccountError as error:
        print(f"错误 / error: {error}", file=sys.stderr)
        return 1
    except SQLAlchemyError as error:
        print(f"数据库错误 / database error: {type(error).__name__}", file=sys.stderr)
        return 3
    finally:
        engine.dispose()
