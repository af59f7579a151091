"""Admin command line: ``python -m bot admin <command> ...``.

Commands: ``inbox``, ``label``, ``export``, ``retrain``, ``job``, ``deploy``,
``rollback``, ``models``.  The application database is migrated first.  Texts are
always shown masked.

Exit codes: 0 ok; 1 refused or failed (gate, running job, failed job, bad label);
2 usage error; 3 database unavailable; 4 a Rasa server did not take the model.
"""
from __future__ import annotations

import argparse
import getpass
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot.admin.config import AdminConfig, load_config
from bot.admin.deploy import DeployError, GateRefused, SwitchOutcome
from bot.admin.figures import HEADLINES
from bot.admin.inbox import SOURCES, STATUS_LABELS, InboxFilter, InboxItem
from bot.admin.jobs import JobRefused, JobView
from bot.admin.labels import LabelError
from bot.admin.registry import RegistryError
from bot.admin.service import AdminService
from bot.common.clock import china_time, local_midnight, utc_now
from bot.store.migrate import upgrade

__all__ = ["build_parser", "main"]

OK, REFUSED, USAGE, NO_DATABASE, RASA_FAILED = 0, 1, 2, 3, 4


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(USAGE, f"用法错误 / usage error: {message}\n")


def _actor(args: argparse.Namespace) -> str:
    return args.by or f"cli:{getpass.getuser()}"


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--db", help="application database URL (default: DATABASE_URL)")
    common.add_argument("--tracker", help="Rasa tracker store URL (default: TRACKER_STORE_URL)")
    common.add_argument("--by", help="who does it (recorded; default cli:<os user>)")
    parser = _Parser(prog="python -m bot admin", description="NLU 收件箱、重新训练与模型部署")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("inbox", parents=[common], help="列出待审核消息 / list the NLU inbox")
    p.add_argument("--days", type=int, default=30, help="look back N days (0 = everything)")
    p.add_argument("--since", type=datetime.fromisoformat, help="YYYY-MM-DD (China time)")
    p.add_argument("--until", type=datetime.fromisoformat, help="YYYY-MM-DD (China time, exclusive)")
    p.add_argument("--intent", default="", help="predicted intent or describe_matter/<id>")
    p.add_argument("--source", action="append", choices=SOURCES, default=[])
    p.add_argument("--min-confidence", type=float)
    p.add_argument("--max-confidence", type=float)
    p.add_argument("--search", default="")
    p.add_argument("--status", default="open", choices=[*STATUS_LABELS, "all"])
    p.add_argument("--sort", default="recent", choices=["recent", "confidence", "count"])
    p.add_argument("--threshold", type=float, help="confidence threshold (default 0.6)")
    p.add_argument("--limit", type=int, default=50)

    p = sub.add_parser("label", parents=[common], help="标注 / label, mark noise, skip or undo")
    p.add_argument("keys", nargs="*", help="item keys (or unique prefixes, >= 6 chars) from `inbox`")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--intent", help="intent or describe_matter/<matter id>")
    what.add_argument("--noise", action="store_true", help="not a real request (噪声)")
    what.add_argument("--skip", action="store_true", help="decide later (跳过)")
    what.add_argument("--undo", action="store_true", help="forget the decision")
    p.add_argument("--text", help="label this text instead of inbox keys (with --intent)")

    sub.add_parser("labels", parents=[common], help="列出可用标签 / list valid labels")
    sub.add_parser("export", parents=[common], help="导出到 data/nlu/reviewed.yml")

    p = sub.add_parser("retrain", parents=[common], help="后台重新训练 / start retraining")
    p.add_argument("--wait", action="store_true", help="follow progress until the job ends")

    p = sub.add_parser("job", parents=[common], help="训练任务进度 / show a job")
    p.add_argument("id", nargs="?", type=int)
    p.add_argument("--log", type=int, default=15, help="log lines to show")
    p.add_argument("--cancel", action="store_true", help="stop the (active) job")

    p = sub.add_parser("deploy", parents=[common], help="部署候选模型 / deploy (gated)")
    p.add_argument("version")
    p.add_argument("--override", default="", metavar="REASON",
                   help="deploy although the gate refuses; the reason is recorded")

    p = sub.add_parser("rollback", parents=[common], help="回滚 / roll back")
    p.add_argument("version", nargs="?", help="default: the model deployed before the current one")

    sub.add_parser("models", parents=[common], help="模型登记 / model registry")
    return parser


def _config(args: argparse.Namespace) -> AdminConfig:
    config = load_config()
    overrides = {}
    if args.db:
        overrides["database_url"] = args.db
    if args.tracker:
        overrides["tracker_store_url"] = args.tracker
    if getattr(args, "threshold", None) is not None:
        overrides["confidence_threshold"] = args.threshold
    return config.with_overrides(**overrides) if overrides else config


def _short(value: float) -> str:
    return f"{value:.2f}"


def _print_items(items: Sequence[InboxItem], total: int, out: TextIO) -> None:
    print(f"{'key':<10} {'conf':>5} {'predicted':<34} {'sources':<28} {'last seen (CST)':<16} text",
          file=out)
    for item in items:
        seen = china_time(item.last_seen, "%m-%d %H:%M")
        top = ", ".join(f"{n} {_short(c)}" for n, c in item.top_intents)
        print(f"{item.key[:10]} {item.confidence:5.2f} {item.predicted[:34]:<34} "
              f"{','.join(item.source_list)[:28]:<28} {seen:<16} {item.text}", file=out)
        extra = f"   top-3: {top}" if top else ""
        if item.top_matters:
            extra += "   matters: " + ", ".join(f"{n} {_short(c)}" for n, c in item.top_matters)
        if item.label or item.status != "open":
            extra += f"   [{STATUS_LABELS[item.status]} {item.label or ''} by {item.labelled_by}]"
        if extra:
            print(" " * 10 + extra, file=out)
    print(f"{len(items)} of {total} shown", file=out)


def _inbox(service: AdminService, args: argparse.Namespace, out: TextIO) -> int:
    since = local_midnight(args.since.date()) if args.since else (
        utc_now() - timedelta(days=args.days) if args.days else None)
    until = local_midnight(args.until.date()) if args.until else None
    page = service.query_inbox(InboxFilter(
        since=since, until=until, intent=args.intent, min_confidence=args.min_confidence,
        max_confidence=args.max_confidence, sources=tuple(args.source), search=args.search,
        status=args.status, sort=args.sort, limit=args.limit))
    _print_items(page.items, page.total, out)
    return OK


def _resolve_keys(service: AdminService, prefixes: Sequence[str]) -> list[InboxItem]:
    items = service.inbox.collect()
    chosen: list[InboxItem] = []
    for prefix in prefixes:
        if len(prefix) < 6:
            raise LabelError(f"条目编号太短（至少 6 位）：{prefix}")
        matches = [i for i in items if i.key.startswith(prefix.lower())]
        if len(matches) != 1:
            raise LabelError(f"{'没有' if not matches else '有多个'}匹配的条目：{prefix}")
        chosen.append(matches[0])
    return chosen


def _label(service: AdminService, args: argparse.Namespace, out: TextIO) -> int:
    actor = _actor(args)
    if args.text:
        if not args.intent:
            raise LabelError("--text 需要同时给出 --intent")
        service.label_text(args.text, args.intent, actor)
        print(f"已标注为 {args.intent}", file=out)
        return OK
    if not args.keys:
        raise LabelError("请给出条目编号（见 inbox 命令）或 --text")
    items = _resolve_keys(service, args.keys)
    if args.undo:
        count = service.labels.undo([i.key for i in items], actor)
        print(f"已撤销 {count} 条", file=out)
        return OK
    status = "noise" if args.noise else "skipped" if args.skip else "labelled"
    count = service.decide_items(items, status, args.intent, actor)
    what = {"noise": "噪声", "skipped": "跳过"}.get(status, args.intent)
    print(f"已处理 {count} 条：{what}", file=out)
    return OK


def _labels(service: AdminService, out: TextIO) -> int:
    counts = service.insight().counts
    for label, title in service.catalog.titles.items():
        print(f"{label:<42} {counts.get(label, 0):>4}  {title}", file=out)
    return OK


def _export(service: AdminService, args: argparse.Namespace, out: TextIO) -> int:
    result = service.export(_actor(args))
    print(f"{result.path}: {result.examples} 条样本，{len(result.by_label)} 个意图"
          f"{'（已更新）' if result.changed else '（无变化）'}", file=out)
    for label, count in result.by_label.items():
        print(f"  {label:<42} {count}", file=out)
    if result.already_present:
        print(f"已在训练数据中（未重复导出）：{len(result.already_present)} 条", file=out)
    for text, label, other in result.conflicts:
        print(f"冲突（未导出）：{text} → {label}，训练数据中为 {other}", file=out)
    for text, label in result.heldout:
        print(f"属于留出评估集（未导出）：{text} → {label}", file=out)
    return OK


def _print_job(service: AdminService, job: JobView, out: TextIO, log_lines: int) -> None:
    seconds = job.seconds(utc_now())
    print(f"任务 #{job.id} {job.version}：{job.status_label}，{job.step_label}"
          f"{'（' + job.detail + '）' if job.detail else ''}，{job.progress * 100:.0f}%，"
          f"用时 {seconds:.0f} 秒，发起人 {job.requested_by}", file=out)
    if job.error:
        print(f"错误：{job.error}", file=out)
    result = service.job_result(job)
    if result is not None:
        print(f"{'指标':<30} {'候选':>8} {'线上 ' + result.deployed_version:>22} {'变化':>8}", file=out)
        for delta in result.comparison.headlines:
            change = f"{delta.change:+.3f}" if delta.change is not None else ""
            deployed = f"{delta.deployed:.3f}" if delta.deployed is not None else "-"
            print(f"{delta.title:<30} {delta.candidate:8.3f} {deployed:>22} {change:>8}", file=out)
        print(f"部署闸门：{result.gate.summary}", file=out)
        print(f"训练用时：{job.result.get('train_seconds', '?')} 秒" if job.result else "", file=out)
    if log_lines:
        tail = job.log_tail(log_lines)
        if tail:
            print("--- 日志 ---\n" + tail, file=out)


def _retrain(service: AdminService, args: argparse.Namespace, out: TextIO) -> int:
    job = service.retrain(_actor(args))
    print(f"已开始训练任务 #{job.id}（版本 {job.version}），日志：{job.log_path}", file=out)
    if not args.wait:
        print(f"查看进度：python -m bot admin job {job.id}", file=out)
        return OK
    last = ""
    while True:
        current = service.job(job.id)
        assert current is not None  # noqa: S101 - the job was just created and is never deleted
        line = f"{current.step_label} {current.detail} {current.progress * 100:.0f}%"
        if line != last:
            print(f"[{time.strftime('%H:%M:%S')}] {line}", file=out, flush=True)
            last = line
        if not current.active:
            _print_job(service, current, out, 0 if current.status == "succeeded" else 15)
            return OK if current.status == "succeeded" else REFUSED
        time.sleep(3)


def _job(service: AdminService, args: argparse.Namespace, out: TextIO) -> int:
    job = service.job(args.id)
    if job is not None and args.cancel:
        if not service.cancel(job.id, _actor(args)):
            print(f"任务 #{job.id} 没有在运行。", file=out)
            return REFUSED
        job = service.job(job.id)
    if job is None:
        print("没有训练任务。" if args.id is None else f"没有训练任务 #{args.id}", file=out)
        return REFUSED
    _print_job(service, job, out, args.log)
    return OK if job.status != "failed" else REFUSED


def _switched(outcome: SwitchOutcome, out: TextIO) -> None:
    print(f"线上模型：{outcome.previous} → {outcome.model.version}", file=out)
    for backend in outcome.backends:
        print(f"  {backend.url}: {backend.model_file}（{backend.seconds:.1f} 秒）", file=out)
    if outcome.overridden:
        print("  注意：闸门未通过，按填写的理由强制部署（已记录）。", file=out)


def _deploy(service: AdminService, args: argparse.Namespace, out: TextIO) -> int:
    gate = service.gate(args.version)
    for delta in gate.deltas:
        deployed = f"{delta.deployed:.3f}" if delta.deployed is not None else "-"
        print(f"  {delta.title}：{deployed} → {delta.candidate:.3f}", file=out)
    print(f"部署闸门（允许变差 {gate.margin:.3f}）：{gate.summary}", file=out)
    _switched(service.deploy(args.version, _actor(args), args.override), out)
    return OK


def _rollback(service: AdminService, args: argparse.Namespace, out: TextIO) -> int:
    _switched(service.rollback(_actor(args), args.version), out)
    return OK


def _models(service: AdminService, out: TextIO) -> int:
    rows = service.models()
    names = [name for name, _, _ in HEADLINES]
    print(f"{'version':<24} {'status':<8} {'F1':>6} {'scope':>6} {'FAR':>6} {'deployed (CST)':<16} "
          f"{'by':<14} fingerprint  path", file=out)
    for model in rows:
        figures = [f"{model.figures.headline(n):.3f}" if model.figures else "-" for n in names]
        deployed = china_time(model.deployed_at, "%m-%d %H:%M")
        print(f"{model.version:<24} {model.status_label:<8} {figures[0]:>6} {figures[1]:>6} {figures[2]:>6} "
              f"{deployed:<16} {(model.deployed_by or model.created_by)[:14]:<14} "
              f"{(model.fingerprint or '-')[:10]:<12} {model.path}{'' if model.exists else ' (缺失)'}", file=out)
    history = service.registry.history(10)
    if history:
        print("最近的部署 / recent deployments:", file=out)
    for entry in history:
        when = china_time(entry.at, "%m-%d %H:%M")
        reason = f" 强制理由：{entry.override_reason}" if entry.override_reason else ""
        print(f"  {when} {entry.action:<8} {entry.previous_version} → {entry.version} by {entry.actor}{reason}",
              file=out)
    return OK


def run(args: argparse.Namespace, out: TextIO) -> int:
    config = _config(args)
    upgrade(config.database_url)
    service = AdminService(config)
    try:
        handlers: dict[str, Any] = {
            "inbox": lambda: _inbox(service, args, out),
            "label": lambda: _label(service, args, out),
            "labels": lambda: _labels(service, out),
            "export": lambda: _export(service, args, out),
            "retrain": lambda: _retrain(service, args, out),
            "job": lambda: _job(service, args, out),
            "deploy": lambda: _deploy(service, args, out),
            "rollback": lambda: _rollback(service, args, out),
            "models": lambda: _models(service, out),
        }
        return int(handlers[args.command]())
    finally:
        service.close()


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args, out)
    except GateRefused as error:
        print(str(error), file=sys.stderr)
        return REFUSED
    except DeployError as error:
        print(f"部署失败：{error}", file=sys.stderr)
        return RASA_FAILED
    except (JobRefused, LabelError, RegistryError) as error:
        print(str(error), file=sys.stderr)
        return REFUSED
    except SQLAlchemyError as error:
        print(f"数据库不可用 / database unavailable: {error.__class__.__name__}", file=sys.stderr)
        return NO_DATABASE
