"""Petition cases in the console: list, view (access recorded), status change, extension."""
from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from bot.cases.deadlines import next_deadline
from bot.cases.errors import CaseError, CaseNotFound
from bot.cases.status import STATUS_LABELS, CaseStatus, allowed_targets
from bot.cases.supervision import DUE_SOON_DAYS
from bot.cases.views import CaseView
from bot.console.context import client_ip, console_of, officer_of, redirect, render, run_db
from bot.console.supervision import case_supervision, supervision_today
from bot.followup.service import RATING_LABELS, FollowupService
from bot.followup.service import STATE_LABELS as FOLLOWUP_LABELS
from bot.notify.outbox import STATE_LABELS, OutboxStore

__all__ = ["add_routes"]

PAGE_SIZE = 50
#: Roles that handle cases (record a hearing); supervisors instruct, they do not handle.
HANDLING_ROLES = ("officer", "admin")
_FLASH = {"case_status": "status_changed", "case_extend": "extended", "case_hearing": "hearing_recorded"}


def _number(request: web.Request) -> str:
    return request.match_info["number"][:40]


async def cases_page(request: web.Request) -> web.Response:
    console = console_of(request)
    status = request.query.get("status") or None
    overdue = request.query.get("overdue") == "1"
    try:
        page = max(0, int(request.query.get("page", "0")))
    except ValueError:
        page = 0
    try:
        items = await run_db(console.cases.list_cases, status, overdue_only=overdue,
                             limit=PAGE_SIZE, offset=page * PAGE_SIZE)
    except ValueError:
        items, status = [], None
    today = supervision_today(request) or console.cases.today()
    rows = [(case.masked_copy(), next_deadline(case, today)) for case in items]
    return render(request, "cases.html", {"rows": rows, "status": status or "", "overdue": overdue,
                                          "today": today, "soon_days": DUE_SOON_DAYS,
                                          "statuses": STATUS_LABELS, "page": page,
                                          "more": len(items) == PAGE_SIZE})


async def _case_context(request: web.Request, case: CaseView,
                        error: str | None = None) -> dict[str, Any]:
    console = console_of(request)
    targets = sorted(allowed_targets(case.status, reviewed=case.reviewed), key=list(CaseStatus).index)
    deliveries = await run_db(OutboxStore(console.factory).for_case, case.case_number)
    followups = await run_db(FollowupService(console.factory).for_case, case.case_number)
    return {**await case_supervision(request, case.case_number),
            "case": case, "deadline": next_deadline(case, console.cases.today()),
            "deliveries": deliveries, "delivery_labels": STATE_LABELS,
            "followups": followups, "followup_labels": FOLLOWUP_LABELS, "rating_labels": RATING_LABELS,
            "targets": [(t.value, STATUS_LABELS[t]) for t in targets], "error": error,
            "can_extend": case.status in (CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS)
            and not case.extension_days,
            "can_hearing": case.status is CaseStatus.RECHECK and case.hearing_days is None
            and officer_of(request).role in HANDLING_ROLES}


async def case_page(request: web.Request) -> web.Response:
    """Full petitioner data for officers; the access is written to the case timeline and audit."""
    console = console_of(request)
    me = officer_of(request)
    try:
        case = await run_db(console.cases.view_for_officer, _number(request), me.username)
    except CaseNotFound:
        return render(request, "error.html", {"message": "没有找到这个案件。"}, 404)
    await run_db(console.audit.record, me.username, "view_case", "case", case.case_number, None,
                 client_ip(request))
    return render(request, "case.html", await _case_context(request, case))


async def _after_change(request: web.Request, action: str, change: Any,
                        detail: dict[str, Any]) -> web.StreamResponse:
    console = console_of(request)
    me = officer_of(request)
    number = _number(request)
    try:
        case = await run_db(change)
    except CaseNotFound:
        return render(request, "error.html", {"message": "没有找到这个案件。"}, 404)
    except (CaseError, ValueError) as error:
        current = await run_db(console.cases.get, number)
        if current is None:
            return render(request, "error.html", {"message": "没有找到这个案件。"}, 404)
        return render(request, "case.html", await _case_context(request, current, str(error)), 400)
    await run_db(console.audit.record, me.username, action, "case", case.case_number, detail,
                 client_ip(request))
    raise redirect(f"/console/cases/{case.case_number}", _FLASH.get(action, "extended"))


async def change_status(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    me = officer_of(request)
    form = await request.post()
    target, note = str(form.get("status", "")), str(form.get("note", "")).strip()
    number = _number(request)
    return await _after_change(request, "case_status",
                               lambda: console.cases.transition(number, target, me.username, note),
                               {"to": target})


async def extend(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    me = officer_of(request)
    form = await request.post()
    reason = str(form.get("reason", "")).strip()
    try:
        days = int(str(form.get("days", "")))
    except ValueError:
        days = 0
    number = _number(request)
    return await _after_change(request, "case_extend",
                               lambda: console.cases.extend(number, days, reason, me.username),
                               {"days": days})


async def hearing(request: web.Request) -> web.StreamResponse:
    """Record a 复核 hearing (听证): first day, and its days once over (第三十六条第二款)."""
    console = console_of(request)
    me = officer_of(request)
    if me.role not in HANDLING_ROLES:
        return render(request, "error.html", {"message": "只有承办民警或管理员可以登记听证。"}, 403)
    form = await request.post()
    number = _number(request)
    try:
        started = date.fromisoformat(str(form.get("started", "")).strip())
        days_text = str(form.get("days", "")).strip()
        days = int(days_text) if days_text else None
    except ValueError:
        started, days = None, None

    def change() -> CaseView:
        if started is None:
            raise ValueError("请填写听证开始日期（年-月-日），天数填整数；听证还没结束的，天数留空。")
        return console.cases.record_hearing(number, started, days, me.username)

    return await _after_change(request, "case_hearing", change,
                               {"started": started.isoformat() if started else None, "days": days})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/console/cases", cases_page)
    app.router.add_get("/console/cases/{number}", case_page)
    app.router.add_post("/console/cases/{number}/status", change_status)
    app.router.add_post("/console/cases/{number}/extend", extend)
    app.router.add_post("/console/cases/{number}/hearing", hearing)
