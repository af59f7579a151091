"""Officer command line: ``python -m bot cases <command> [--db URL] ...``.

Commands: ``list``, ``show``, ``register`` (a letter, call or visit taken by an
officer, with the petitioner's 住址 — 第十九条), ``update-status``, ``extend``,
``hearing`` (a 复核 hearing, 第三十六条第二款), ``import``, ``reset-code``, ``demo``,
``overdue`` (督办: overdue and due-soon cases).
The database is migrated to the latest schema first.
Personal data is masked unless ``show --officer NAME`` (the access is recorded).

Exit codes: 0 ok; 1 case error (not found, illegal change, invalid input, rows
skipped on import); 2 usage error; 3 database unavailable.
"""
from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from alembic.util.exc import CommandError
from sqlalchemy.exc import SQLAlchemyError

from bot.cases.deadlines import next_deadline
from bot.cases.errors import CaseError, CaseNotFound, CaseValidationError
from bot.cases.importing import read_rows
from bot.cases.service import CaseService, ImportReport
from bot.cases.supervision import DUE_SOON_DAYS, DeadlineItem, Supervision
from bot.cases.validation import address_problem
from bot.cases.views import CaseView
from bot.cases.wording import citizen_status_text
from bot.common.clock import Clock, local_date, local_midnight, utc_now
from bot.settings import get_settings
from bot.store.db import REPO_ROOT, make_engine, make_session_factory
from bot.store.migrate import upgrade

__all__ = ["DEMO_FILE", "build_parser", "default_db_url", "demo_rows", "main"]

DEMO_FILE = REPO_ROOT / "data" / "demo" / "cases.json"


def default_db_url() -> str:
    """URL used without ``--db``: the configured ``DATABASE_URL``."""
    return get_settings().database_url


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"用法错误 / usage error: {message}\n")


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, help="database URL (default: sqlite:///var/app.db)")
    return common


def _add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("list", parents=[common], help="列出案件 / list cases")
    p.add_argument("--status", help="status key or Chinese label")
    p.add_argument("--matter", help="matter id")
    p.add_argument("--overdue", action="store_true", help="only cases past an office deadline")
    p.add_argument("--limit", type=int, default=100)
    p = sub.add_parser("show", parents=[common], help="查看案件 / show one case")
    p.add_argument("number")
    p.add_argument("--officer", help="officer name: show unmasked data (recorded)")
    p = sub.add_parser("register", parents=[common],
                       help="登记来信、来电、来访 / register a petition taken by an officer")
    p.add_argument("--matter", required=True, help="matter id, e.g. accident_determination")
    p.add_argument("--channel", required=True, help="letter/phone/visit or 来信/来电/来访/传真")
    p.add_argument("--name", required=True, help="信访人姓名")
    p.add_argument("--phone", required=True, help="联系电话")
    p.add_argument("--address", required=True, help="住址（第十九条）")
    p.add_argument("--facts", required=True, help="事实")
    p.add_argument("--request", required=True, help="请求")
    p.add_argument("--reasons", required=True, help="理由")
    p.add_argument("--location", default="", help="地点")
    p.add_argument("--when", default="", help="发生时间")
    p.add_argument("--unit", default=None, help="承办单位")
    p.add_argument("--officer", required=True)
    p = sub.add_parser("update-status", parents=[common], help="变更状态 / change status")
    p.add_argument("number")
    p.add_argument("status", help="target status key or Chinese label")
    p.add_argument("--officer", required=True)
    p.add_argument("--note", default="")
    p.add_argument("--date", type=date.fromisoformat, help="YYYY-MM-DD when the step happened (default: now)")
    p = sub.add_parser("extend", parents=[common], help="延长办理期限 / extend handling period")
    p.add_argument("number")
    p.add_argument("--days", type=int, required=True)
    p.add_argument("--reason", required=True)
    p.add_argument("--officer", required=True)
    p = sub.add_parser("hearing", parents=[common],
                       help="登记复核听证 / record a 复核 hearing (not counted, 第三十六条第二款)")
    p.add_argument("number")
    p.add_argument("--start", type=date.fromisoformat, required=True, help="YYYY-MM-DD first day")
    p.add_argument("--days", type=int, help="days it took, first and last counted (omit while under way)")
    p.add_argument("--officer", required=True)
    p = sub.add_parser("import", parents=[common], help="导入 CSV/JSON / import cases")
    p.add_argument("file", type=Path)
    p.add_argument("--officer", default="import")
    p = sub.add_parser("reset-code", parents=[common], help="重置查询码 / issue a new query code")
    p.add_argument("number")
    p.add_argument("--officer", required=True)
    sub.add_parser("overdue", parents=[common],
                   help=f"超期及{DUE_SOON_DAYS}日内到期的案件 / overdue and due-soon cases")
    p = sub.add_parser("demo", parents=[common], help="写入演示数据 / load demo cases")
    p.add_argument("--file", type=Path, default=DEMO_FILE)


def build_parser() -> argparse.ArgumentParser:
    """The ``cases`` argument parser."""
    common = _common()
    parser = _Parser(prog="python -m bot cases", parents=[common], description="信访件管理 / petition cases")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _add_commands(sub, common)
    return parser


# ------------------------------------------------------------------ formatting
def _day(moment: datetime | None) -> str:
    return local_date(moment).isoformat() if moment else "-"


def _pad(text: str, width: int) -> str:
    """Left-align ``text`` to ``width`` terminal columns (CJK characters count as two)."""
    used = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(width - used, 0)


def _deadline_text(case: CaseView, today: date) -> str:
    deadline = next_deadline(case, today)
    if deadline is None:
        return "-"
    flag = f" 已超期{(today - deadline.due_date).days}天/OVERDUE" if deadline.overdue else ""
    return f"{deadline.label} {deadline.due_date.isoformat()}{flag}"


def _print_list(cases: Sequence[CaseView], today: date, out: TextIO) -> None:
    if not cases:
        print("没有符合条件的案件 / no cases", file=out)
        return
    for case in cases:
        masked = case.masked_copy()
        print(
            f"{case.case_number}  {_pad(case.status_label, 15)} {_pad(case.matter, 24)} "
            f"登记 {_day(case.received_at)}  {_pad(masked.petitioner_name, 7)} 下一期限: {_deadline_text(case, today)}",
            file=out,
        )
    print(f"共 {len(cases)} 件 / {len(cases)} case(s)", file=out)


def _show_lines(case: CaseView, today: date) -> list[str]:
    lines = [
        f"案件编号 number: {case.case_number}",
        f"状态 status: {case.status_label} ({case.status.value})",
        f"事项 matter: {case.matter}    渠道 channel: {case.channel_label} ({case.channel.value})",
        f"信访人 petitioner: {case.petitioner_name}  电话 phone: {case.petitioner_phone}"
        f"  住址 address: {case.petitioner_address or '-'}",
        f"事实 facts: {case.description}",
        f"请求 request: {case.requested_outcome}",
        f"理由 reasons: {case.reasons}",
        f"地点 location: {case.location or '-'}    发生时间 when: {case.occurred_at or '-'}",
        f"承办单位 unit: {case.handling_unit or '-'}",
        f"登记 {_day(case.received_at)} | 受理 {_day(case.accepted_at)} | 答复 {_day(case.answered_at)}"
        f" | 复查 {_day(case.review_requested_at)} | 复核 {_day(case.recheck_requested_at)}"
        f" | 办结 {_day(case.closed_at)}",
    ]
    if case.extension_days:
        lines.append(f"延期 extension: {case.extension_days}日，理由：{case.extension_reason}")
    if case.hearing_started_at:
        took = f"{case.hearing_days}日" if case.hearing_days else "进行中 under way"
        lines.append(f"听证 hearing: {_day(case.hearing_started_at)} 起，{took}（不计入复核期限）")
    lines.append(f"下一期限 next deadline: {_deadline_text(case, today)}")
    lines.append("时间线 timeline:")
    for event in case.events:
        change = f"{event.from_status or '-'} -> {event.to_status or '-'}"
        lines.append(f"  {_day(event.at)}  {event.kind:<10} {change:<24} {event.actor}  {event.note}")
    return lines


def _print_report(report: ImportReport, out: TextIO) -> None:
    for filed in report.imported:
        print(f"已导入 imported  {filed.case_number}  查询码 query code: {filed.query_code}", file=out)
    for skipped in report.skipped:
        print(f"已跳过 skipped   记录 row {skipped.row}: {skipped.reason}", file=out)
    print(f"导入 {len(report.imported)} 件，跳过 {len(report.skipped)} 条 / "
          f"{len(report.imported)} imported, {len(report.skipped)} skipped", file=out)


# ------------------------------------------------------------------ commands
def demo_rows(path: Path, today: date) -> list[dict[str, Any]]:
    """Demo records with ``<stage>_days_ago`` turned into ``<stage>_at`` dates relative to today."""
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = []
    for item in data["cases"]:
        row = {k: v for k, v in item.items() if not k.endswith("_days_ago")}
        for key, days in item.items():
            if key.endswith("_days_ago"):
                row[key[: -len("_days_ago")] + "_at"] = (today - timedelta(days=int(days))).isoformat()
        rows.append(row)
    return rows


def _cmd_list(service: CaseService, args: argparse.Namespace, out: TextIO) -> int:
    cases = service.list_cases(args.status, matter=args.matter, overdue_only=args.overdue, limit=args.limit)
    _print_list(cases, service.today(), out)
    return 0


def _cmd_show(service: CaseService, args: argparse.Namespace, out: TextIO) -> int:
    if args.officer:
        case = service.view_for_officer(args.number, args.officer)
    else:
        found = service.get(args.number)
        if found is None:
            raise CaseNotFound(args.number[:40])
        case = found.masked_copy()
        print("（个人信息已脱敏；加 --officer 姓名 查看完整信息并留痕）", file=out)
    print("\n".join(_show_lines(case, service.today())), file=out)
    print("\n群众看到的进度说明 / citizen text:\n" + citizen_status_text(case, service.today()), file=out)
    return 0


def _cmd_update(service: CaseService, args: argparse.Namespace, out: TextIO) -> int:
    at = local_midnight(args.date) if args.date else None
    case = service.transition(args.number, args.status, args.officer, args.note, at=at)
    print(f"{case.case_number}: 状态已变更为 {case.status_label} ({case.status.value})", file=out)
    print(f"下一期限 next deadline: {_deadline_text(case, service.today())}", file=out)
    return 0


def _cmd_register(service: CaseService, args: argparse.Namespace, out: TextIO) -> int:
    if address_problem(args.address) is not None:
        raise CaseValidationError(["住址须写到街道（或村）和门牌号（第十九条）/ --address must be a "
                                   "full address down to the street or village"])
    filed = service.file_case(
        matter=args.matter, petitioner_name=args.name, petitioner_phone=args.phone,
        petitioner_address=args.address, channel=args.channel, description=args.facts,
        requested_outcome=args.request, reasons=args.reasons, location=args.location,
        occurred_at=args.when, handling_unit=args.unit, actor=args.officer)
    print(f"已登记 registered {filed.case_number}  查询码 query code（只显示一次 / shown once）: "
          f"{filed.query_code}", file=out)
    return 0


def _cmd_hearing(service: CaseService, args: argparse.Namespace, out: TextIO) -> int:
    case = service.record_hearing(args.number, args.start, args.days, args.officer)
    print(f"{case.case_number}: 听证已登记 hearing recorded", file=out)
    print(f"下一期限 next deadline: {_deadline_text(case, service.today())}", file=out)
    return 0


def _cmd_extend(service: CaseService, args: argparse.Namespace, out: TextIO) -> int:
    case = service.extend(args.number, args.days, args.reason, args.officer)
    print(f"{case.case_number}: 办理期限延长{case.extension_days}日，新办结期限 {case.handling_due}", file=out)
    return 0


def _cmd_import(service: CaseService, args: argparse.Namespace, out: TextIO) -> int:
    report = service.import_cases(read_rows(args.file), actor=args.officer)
    _print_report(report, out)
    return 1 if report.skipped else 0


def _cmd_reset(service: CaseService, args: argparse.Namespace, out: TextIO) -> int:
    code = service.reset_query_code(args.number, args.officer)
    print(f"新查询码 new query code（只显示一次 / shown once）: {code}", file=out)
    return 0


def _cmd_demo(service: CaseService, args: argparse.Namespace, out: TextIO) -> int:
    try:
        rows = demo_rows(args.file, service.today())
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CaseError(f"无法读取演示数据 / cannot read demo data {args.file}: {exc}") from exc
    report = service.import_cases(rows, actor="demo")
    for filed in report.imported:
        case = service.get(filed.case_number)
        label = f"{case.status_label}({case.status.value})" if case else "?"
        print(f"{filed.case_number}  查询码 {filed.query_code}  {label}", file=out)
    for skipped in report.skipped:
        print(f"已跳过 skipped row {skipped.row}: {skipped.reason}", file=out)
    print(f"演示数据 {len(report.imported)} 件 / {len(report.imported)} demo cases", file=out)
    return 1 if report.skipped else 0


def _item_line(item: DeadlineItem) -> str:
    when = (f"已超期{item.days_overdue}天" if item.overdue
            else ("今日到期" if item.days_left == 0 else f"剩{item.days_left}天"))
    last = f"{item.last_action} {_day(item.last_action_at)}" if item.last_action else "-"
    return (f"{item.case_number}  {_pad(item.status_label, 15)} {item.deadline.label} "
            f"{item.deadline.due_date.isoformat()} {when}  承办民警: {item.officer or '-'}  "
            f"最近办理: {last}")


def _cmd_overdue(supervision: Supervision, out: TextIO) -> int:
    items = supervision.deadline_items()
    overdue = [i for i in items if i.overdue]
    soon = [i for i in items if not i.overdue]
    print(f"超期案件 / overdue: {len(overdue)}", file=out)
    for item in overdue:
        print("  " + _item_line(item), file=out)
    print(f"{DUE_SOON_DAYS}日内到期 / due soon: {len(soon)}", file=out)
    for item in soon:
        print("  " + _item_line(item), file=out)
    return 0


_COMMANDS: dict[str, Callable[[CaseService, argparse.Namespace, TextIO], int]] = {
    "list": _cmd_list,
    "show": _cmd_show,
    "register": _cmd_register,
    "update-status": _cmd_update,
    "hearing": _cmd_hearing,
    "extend": _cmd_extend,
    "import": _cmd_import,
    "reset-code": _cmd_reset,
    "demo": _cmd_demo,
}


def _parse(argv: Sequence[str] | None) -> tuple[argparse.Namespace | None, int]:
    try:
        return build_parser().parse_args(argv), 0
    except SystemExit as exc:
        return None, int(exc.code or 0)


def _run(args: argparse.Namespace, clock: Clock, out: TextIO) -> int:
    url = getattr(args, "db", None) or default_db_url()
    upgrade(url)
    engine = make_engine(url)
    try:
        factory = make_session_factory(engine)
        if args.command == "overdue":
            return _cmd_overdue(Supervision(factory, clock), out)
        service = CaseService(factory, clock=clock)
        return _COMMANDS[args.command](service, args, out)
    finally:
        engine.dispose()


def main(
    argv: Sequence[str] | None = None,
    *,
    clock: Clock = utc_now,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run one ``cases`` command; returns the exit code (never raises for user errors)."""
    out, err = out or sys.stdout, err or sys.stderr
    args, code = _parse(argv)
    if args is None:
        return code
    try:
        return _run(args, clock, out)
    except (CaseError, ValueError) as exc:
        print(f"错误 / error: {exc}", file=err)
        return 1
    except (SQLAlchemyError, CommandError) as exc:
        detail = (str(exc).splitlines() or [""])[0][:200]
        print(f"数据库不可用 / database unavailable: {type(exc).__name__}: {detail}", file=err)
        return 3


if __name__ == "__main__":
    sys.exit(main())
