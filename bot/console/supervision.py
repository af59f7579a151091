"""督办 in the console.

``/console/supervision`` (supervisors and admins) lists overdue and
due-soon cases and takes instructions (督办意见); the handling officer acknowledges an
instruction on the case page.  CSRF is checked by ``bot.console.auth``'s middleware;
every instruction and acknowledgement is audited (``bot.cases.supervision``).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from bot.cases.errors import CaseError, CaseNotFound
from bot.cases.supervision import DUE_SOON_DAYS, Supervision
from bot.console.auth import require_role
from bot.console.context import (
    client_ip,
    console_of,
    officer_of,
    redirect,
    render,
    run_db,
)
from bot.web.keys import SUPERVISION_KEY

__all__ = ["add_routes", "case_supervision", "require_supervisor", "supervision_of",
           "supervision_today"]

PATH = "/console/supervision"


def supervision_of(request: web.Request) -> Supervision | None:
    value: Supervision | None = request.config_dict.get(SUPERVISION_KEY)
    return value


#: Only supervisors and admins; officers get a 403 page.
require_supervisor = require_role(lambda officer: officer.can_supervise,
                                  "只有督办员或管理员可以访问此页面。")


@require_supervisor
async def supervision_page(request: web.Request) -> web.Response:
    supervision = supervision_of(request)
    items = await run_db(supervision.deadline_items) if supervision else []
    me = officer_of(request)
    await run_db(_audit, request, me.username, "view_supervision", "", {"items": len(items)})
    return render(request, "supervision.html", {
        "overdue": [i for i in items if i.overdue], "soon": [i for i in items if not i.overdue],
        "soon_days": DUE_SOON_DAYS, "error": request.query.get("error") == "1"})


def _audit(request: web.Request, actor: str, action: str, target: str,
           detail: dict[str, Any]) -> None:
    console_of(request).audit.record(actor, action, "case" if target else "page",
                                     target or PATH, detail, client_ip(request))


@require_supervisor
async def add_instruction(request: web.Request) -> web.StreamResponse:
    supervision = supervision_of(request)
    me = officer_of(request)
    form = await request.post()
    number = request.match_info["number"][:40]
    if supervision is None:
        raise web.HTTPNotFound()
    try:
        await run_db(supervision.add_instruction, number, me.username, str(form.get("text", "")),
                     client_ip(request))
    except CaseNotFound:
        return render(request, "error.html", {"message": "没有找到这个案件。"}, 404)
    except CaseError:
        raise web.HTTPFound(f"{PATH}?error=1") from None
    raise redirect(PATH, "instructed")


async def acknowledge(request: web.Request) -> web.StreamResponse:
    supervision = supervision_of(request)
    me = officer_of(request)
    number = request.match_info["number"][:40]
    try:
        instruction = int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    if supervision is None:
        raise web.HTTPNotFound()
    try:
        done = await run_db(supervision.acknowledge, number, instruction, me.username,
                            client_ip(request))
    except CaseNotFound:
        return render(request, "error.html", {"message": "没有找到这个案件。"}, 404)
    raise redirect(f"/console/cases/{number}", "acknowledged" if done else "ack_failed")


def supervision_today(request: web.Request) -> date | None:
    """Today (China) on the 督办 clock, so list badges agree with the 督办 page."""
    supervision = supervision_of(request)
    return supervision.today() if supervision else None


async def case_supervision(request: web.Request, number: str) -> dict[str, Any]:
    """The case page's 督办 part: instructions and the due-soon/overdue badge."""
    supervision = supervision_of(request)
    if supervision is None:
        return {"instructions": [], "deadline_flag": ""}
    try:
        instructions = await run_db(supervision.instructions, number)
    except CaseNotFound:
        instructions = []
    return {"instructions": instructions,
            "deadline_flag": await run_db(supervision.flag_for, number)}


def add_routes(app: web.Application) -> None:
    app.router.add_get(PATH, supervision_page)
    app.router.add_post(PATH + "/{number}/instructions", add_instruction)
    app.router.add_post("/console/cases/{number}/instructions/{id}/ack", acknowledge)
