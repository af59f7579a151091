"""Shared helpers of the console's handlers.

The context object, the current officer, rendering with the common template
context, and flash messages.
"""
from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.orm import sessionmaker

from bot.accounts.service import AccountService, OfficerView, SessionInfo
from bot.admin.flags import RetrainingFlags
from bot.audit.log import AuditLog
from bot.cases.service import CaseService
from bot.console.throttle import LoginThrottle
from bot.handoff.runtime import HandoffRuntime
from bot.settings import Settings
from bot.web.addresses import client_ip
from bot.web.keys import CONSOLE_JINJA_KEY, CONSOLE_KEY

__all__ = [
    "CONSOLE_KEY",
    "FLASH",
    "Console",
    "client_ip",
    "console_of",
    "current",
    "officer_of",
    "redirect",
    "render",
    "run_db",
]

JINJA_KEY = CONSOLE_JINJA_KEY  # the console's templates (bot.web.keys)
T = TypeVar("T")

# ?msg=<key> after a redirect; only these fixed texts are ever shown.
FLASH: Mapping[str, str] = {
    "claimed": "已认领：群众接下来发的消息会直接转给您。",
    "claim_failed": "认领失败：该对话已被其他民警认领或已经结束。",
    "released": "已放回等待队列。",
    "release_failed": "无法放回队列：只有处理该对话的民警（或管理员）可以放回。",
    "transferred": "已转交给其他民警。",
    "transfer_failed": "转交失败：只有处理该对话的民警（或管理员）可以转交给其他在岗民警。",
    "replied": "已发送给群众。",
    "reply_failed": "没有发送：请先认领该对话，回复内容也不能为空。",
    "noted": "内部备注已保存（群众看不到）。",
    "note_failed": "备注不能为空。",
    "closed": "对话已结束，智能助手已接回并请群众评价。",
    "close_failed": "无法结束该对话（可能已由其他民警处理或已经结束）。",
    "flagged": "已加入重新训练收件箱。",
    "flag_duplicate": "这条消息已经标记过了。",
    "flag_failed": "标记失败：没有找到这条群众消息。",
    "status_changed": "案件状态已更新。",
    "extended": "已延长办理期限。",
    "hearing_recorded": "听证已登记，听证时间不计入复核期限。",
    "account_changed": "账号已更新。",
    "instructed": "督办意见已发出，承办民警须在案件页确认。",
    "acknowledged": "已确认督办意见。",
    "ack_failed": "该督办意见已确认过或不存在。",
}


@dataclass
class Console:
    """What the console's handlers need."""

    runtime: HandoffRuntime
    accounts: AccountService
    audit: AuditLog
    cases: CaseService
    settings: Settings
    factory: sessionmaker
    flags: RetrainingFlags
    cookie_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))  # bot.console.signing
    login_throttle: LoginThrottle = field(default_factory=LoginThrottle)


def console_of(request: web.Request) -> Console:
    console: Console = request.config_dict[CONSOLE_KEY]
    return console


def current(request: web.Request) -> SessionInfo | None:
    return request.get("auth")


def officer_of(request: web.Request) -> OfficerView:
    info = current(request)
    if info is None:
        raise web.HTTPUnauthorized(text="请先登录。")
    return info.officer


async def run_db(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Blocking database calls run in a worker thread."""
    return await asyncio.to_thread(function, *args, **kwargs)


def render(request: web.Request, template: str, context: dict[str, Any],
           status: int = 200) -> web.Response:
    """Render a console template with the common context (officer, CSRF token, flash)."""
    info = current(request)
    common = {"me": info.officer if info else None, "csrf": info.csrf_token if info else "",
              "flash": FLASH.get(request.query.get("msg", ""))}
    response = aiohttp_jinja2.render_template(template, request, {**common, **context},
                                              status=status, app_key=JINJA_KEY)
    response.headers["Cache-Control"] = "no-store"
    return response


def redirect(location: str, flash: str | None = None) -> web.HTTPFound:
    """A 302 to a console page with an optional whitelisted flash key."""
    if flash:
        location += ("&" if "?" in location else "?") + f"msg={flash}"
    return web.HTTPFound(location)
