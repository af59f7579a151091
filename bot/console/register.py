"""Registering a petition an officer received by letter, phone or visit (来信、来电、来访).

The page is ``/console/petitions/new``.  The petitioner's 住址 is asked like in the online form
(《信访工作条例》第十九条).  Officers and admins only; CSRF is checked by
``bot.console.auth``'s middleware; every registration is audited; the query code is shown
once, on the answer page, to be handed to the petitioner.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.cases.channels import CHANNEL_LABELS, Channel
from bot.cases.errors import CaseError, CaseValidationError
from bot.cases.validation import address_problem
from bot.console.case_views import HANDLING_ROLES
from bot.console.context import client_ip, console_of, officer_of, render, run_db
from bot.knowledge import default_knowledge

__all__ = ["PATH", "add_routes"]

PATH = "/console/petitions/new"
FIELDS = ("matter", "channel", "petitioner_name", "petitioner_phone", "petitioner_address",
          "description", "requested_outcome", "reasons", "location", "occurred_at")
ADDRESS_PROBLEM = "住址须写到街道（或乡镇、村）和门牌号，例如：北京市朝阳区建国路88号（第十九条）。"


def _page(request: web.Request, form: dict[str, str], error: str | None = None,
          status: int = 200, filed: Any = None) -> web.Response:
    kb = default_knowledge()
    return render(request, "case_new.html", {
        "form": form, "error": error, "filed": filed,
        "matters": [(record.id, record.label, record.accepted) for record in kb],
        "channels": [(c.value, CHANNEL_LABELS[c]) for c in Channel if c is not Channel.ONLINE]},
        status)


def _refused(request: web.Request) -> web.Response | None:
    if officer_of(request).role not in HANDLING_ROLES:
        return render(request, "error.html", {"message": "只有承办民警或管理员可以登记信访件。"}, 403)
    return None


async def register_form(request: web.Request) -> web.Response:
    refused = _refused(request)  # a Response is a (falsy, empty) mapping: compare with None
    return refused if refused is not None else _page(request, {"channel": Channel.LETTER.value})


async def register(request: web.Request) -> web.Response:
    refused = _refused(request)
    if refused is not None:
        return refused
    console = console_of(request)
    me = officer_of(request)
    posted = await request.post()
    form = {name: str(posted.get(name, "")).strip() for name in FIELDS}
    kb = default_knowledge()
    unit = kb.get(form["matter"]).handling_unit if form["matter"] in kb.ids else None
    try:
        if form["channel"] == Channel.ONLINE.value:
            raise CaseValidationError(["网上信访由群众在线提交 / online petitions are filed by citizens"])
        if address_problem(form["petitioner_address"]) is not None:
            raise CaseValidationError([ADDRESS_PROBLEM])
        filed = await run_db(console.cases.file_case, **form, handling_unit=unit, actor=me.username)
    except CaseError as error:
        return _page(request, form, str(error), 400)
    await run_db(console.audit.record, me.username, "case_register", "case", filed.case_number,
                 {"channel": form["channel"], "matter": form["matter"]}, client_ip(request))
    return _page(request, {}, filed=filed)


def add_routes(app: web.Application) -> None:
    app.router.add_get(PATH, register_form)
    app.router.add_post(PATH, register)
