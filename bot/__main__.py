"""``python -m bot <tool> ...``: dispatch to a tool's ``main(argv) -> int``.

Tools: ``cases`` (petition cases, ``bot.cases.cli``), ``accounts`` (officer accounts,
``bot.accounts.cli``).  Add a tool by adding one
entry to ``TOOLS``.
"""
from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

TOOLS: dict[str, tuple[str, str]] = {
    "cases": ("bot.cases.cli", "信访件管理 / petition cases: list, show, update-status, extend, import, demo"),
    "accounts": ("bot.accounts.cli", "民警账号 / officer accounts: add, passwd, disable, enable, unlock, list"),
    "admin": ("bot.admin.cli", "NLU 收件箱与重新训练 / inbox, label, export, retrain, deploy, rollback, models"),
    "privacy": ("bot.retention", "个人信息保留期限 / purge conversations older than RETENTION_DAYS"),
    "wechat": ("bot.channels.wechat.cli", "微信公众号 / WeChat: menu (create the custom menu)"),
    "notify": ("bot.notify.cli", "信访人通知 / status notifications: list, retry"),
    "followup": ("bot.followup.cli", "回访 / follow-up of answered cases: plan, list"),
    "dashboard": ("bot.dashboard.cli", "领导看板 / dashboard: demo (a month of demo data), show"),
    "report": ("bot.dashboard.report", "周报 / weekly report: --week 2026-W49 --out report.pdf|.html"),
}

USAGE = "用法 / usage: python -m bot <tool> [args...]\n" + "\n".join(
    f"  {name:<8} {summary}" for name, (_, summary) in TOOLS.items()
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the named tool with the remaining arguments; exit code 2 for unknown tools."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if args else 2
    if args[0] not in TOOLS:
        print(f"未知工具 / unknown tool: {args[0]}\n{USAGE}", file=sys.stderr)
        return 2
    module = importlib.import_module(TOOLS[args[0]][0])
    return int(module.main(args[1:]))


if __name__ == "__main__":
    sys.exit(main())
