"""Queue and conversation pages of the officer console, and the officers' actions on them."""
from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from sqlalchemy import select

from bot.cases.errors import CaseError
from bot.cases.models import Case
from bot.cases.views import CaseView
from bot.console.auth import require_admin
from bot.console.context import Console, client_ip, console_of, officer_of, redirect, render, run_db
from bot.console.transcript import find_tracker_message, merge, nlu_summary
from bot.conversation.rasa_client import RasaUnavailable
from bot.handoff.models import Kind
from bot.handoff.texts import load_canned_replies
from bot.handoff.views import HandoffView
from bot.store.db import session_scope

__all__ = ["add_routes"]

log = logging.getLogger(__name__)

TABS = {"waiting": "等待接入", "mine": "我的对话", "active": "全部处理中", "closed": "已结束"}
MAX_LINKED_CASES = 3


def _handoff_id(request: web.Request) -> int:
    value = request.match_info["id"]
    if not value.isdigit() or len(value) > 9:  # also keeps PostgreSQL's INTEGER range
        raise web.HTTPNotFound(text="没有这个对话。")
    return int(value)


async def _queue_items(console: Console, tab: str, officer_id: int) -> list[HandoffView]:
    service = console.runtime.service
    if tab == "mine":
        return await run_db(service.assigned, officer_id)
    if tab == "active":
        return await run_db(service.assigned)
    if tab == "closed":
        return await run_db(service.closed, 100)
    return await run_db(service.waiting)


async def _queue_context(request: web.Request) -> dict[str, Any]:
    console = console_of(request)
    tab = request.query.get("tab", "waiting")
    tab = tab if tab in TABS else "waiting"
    me = officer_of(request)
    items = await _queue_items(console, tab, me.id)
    counts = await run_db(console.runtime.service.counts)
    return {"tab": tab, "tabs": TABS, "items": items, "counts": counts,
            "now": console.runtime.service.now()}


async def index(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/console/queue")


async def queue(request: web.Request) -> web.Response:
    return render(request, "queue.html", await _queue_context(request))


async def queue_fragment(request: web.Request) -> web.Response:
    return render(request, "_queue.html", await _queue_context(request))


async def _load(request: web.Request) -> HandoffView:
    view = await run_db(console_of(request).runtime.service.get, _handoff_id(request))
    if view is None:
        raise web.HTTPNotFound(text="没有这个对话。")
    return view


async def _tracker(console: Console, sender_id: str) -> dict[str, Any] | None:
    try:
        return await console.runtime.rasa.tracker(sender_id)
    except RasaUnavailable as error:
        log.warning("tracker unavailable for the console: %s", error)
        return None


async def _transcript_context(request: web.Request, view: HandoffView) -> dict[str, Any]:
    console = console_of(request)
    service = console.runtime.service
    messages = await run_db(service.messages, view.id)
    tracker = await _tracker(console, view.sender_id)
    flagged = await run_db(console.flags.flagged_keys, view.sender_id)
    return {"handoff": view, "lines": merge(tracker, messages), "tracker_ok": tracker is not None,
            "flagged": flagged, "nlu": nlu_summary(tracker)}


def _linked_cases(console: Console, sender_id: str, officer: str) -> list[CaseView]:
    """The citizen's cases with full petitioner data (each access is recorded on the case)."""
    query = (select(Case.case_number).where(Case.sender_id == sender_id)
             .order_by(Case.id.desc()).limit(MAX_LINKED_CASES))
    with session_scope(console.factory) as session:
        numbers = list(session.execute(query).scalars())
    views = []
    for number in numbers:
        try:
            views.append(console.cases.view_for_officer(number, officer))
        except CaseError:
            continue
    return views


async def handoff_page(request: web.Request) -> web.Response:
    console = console_of(request)
    me = officer_of(request)
    view = await _load(request)
    context = await _transcript_context(request, view)
    context.update(
        cases=await run_db(_linked_cases, console, view.sender_id, me.username),
        officers=[o for o in await run_db(console.accounts.list) if o.active and o.id != view.officer_id],
        canned=load_canned_replies(),
        history=[h for h in await run_db(console.runtime.service.history, view.sender_id)
                 if h.id != view.id],
        now=console.runtime.service.now(),
    )
    await run_db(console.audit.record, me.username, "view_handoff", "handoff", view.id, None,
                 client_ip(request))
    return render(request, "handoff.html", context)


async def transcript_fragment(request: web.Request) -> web.Response:
    view = await _load(request)
    return render(request, "_transcript.html", await _transcript_context(request, view))


async def state_fragment(request: web.Request) -> web.Response:
    console = console_of(request)
    view = await _load(request)
    officers = [o for o in await run_db(console.accounts.list) if o.active and o.id != view.officer_id]
    return render(request, "_state.html", {"handoff": view, "officers": officers,
                                           "now": console.runtime.service.now()})


def _back(view_id: int) -> str:
    return f"/console/handoffs/{view_id}"


async def claim(request: web.Request) -> web.StreamResponse:
    handoff_id = _handoff_id(request)
    view = await console_of(request).runtime.claim(handoff_id, officer_of(request), client_ip(request))
    raise redirect(_back(handoff_id), "claimed" if view else "claim_failed")


async def release(request: web.Request) -> web.StreamResponse:
    handoff_id = _handoff_id(request)
    view = await console_of(request).runtime.release(handoff_id, officer_of(request),
                                                     client_ip(request))
    raise redirect("/console/queue" if view else _back(handoff_id),
                   "released" if view else "release_failed")


async def transfer(request: web.Request) -> web.StreamResponse:
    handoff_id = _handoff_id(request)
    form = await request.post()
    try:
        target = int(str(form.get("officer_id", "")))
    except ValueError:
        raise redirect(_back(handoff_id), "transfer_failed") from None
    view = await console_of(request).runtime.transfer(handoff_id, officer_of(request), target,
                                                      client_ip(request))
    raise redirect(_back(handoff_id), "transferred" if view else "transfer_failed")


async def _text_action(request: web.Request, action: str, field: str,
                       done: str) -> web.HTTPException:
    """Run one handoff action that takes a text field; the redirect to raise afterwards."""
    handoff_id = _handoff_id(request)
    form = await request.post()
    run = getattr(console_of(request).runtime, action)
    result = await run(handoff_id, officer_of(request), str(form.get(field, "")),
                       client_ip(request))
    return redirect(_back(handoff_id), done if result else f"{action}_failed")


async def reply(request: web.Request) -> web.StreamResponse:
    raise await _text_action(request, "reply", "text", "replied")


async def note(request: web.Request) -> web.StreamResponse:
    raise await _text_action(request, "note", "text", "noted")


async def close(request: web.Request) -> web.StreamResponse:
    raise await _text_action(request, "close", "note", "closed")


async def flag(request: web.Request) -> web.StreamResponse:
    """Flag one citizen message for retraining; the text is re-read server-side."""
    console = console_of(request)
    me = officer_of(request)
    view = await _load(request)
    key = str((await request.post()).get("key", ""))[:80]
    text, intent, confidence = None, None, None
    if key.startswith("msg:") and key[4:].isdigit():
        message = await run_db(console.runtime.service.message, int(key[4:]))
        if message and message.handoff_id == view.id and message.kind == Kind.CITIZEN:
            text = message.text
    elif key.startswith("rasa:"):
        tracker = await _tracker(console, view.sender_id)
        line = find_tracker_message(tracker, key) if tracker else None
        if line is not None:
            text, intent, confidence = line.text, line.intent, line.confidence
    if text is None:
        raise redirect(_back(view.id), "flag_failed")
    new = await run_db(console.flags.flag_for_retraining, sender_id=view.sender_id,
                       channel=view.channel, handoff_id=view.id, message_key=key, text=text,
                       intent=intent, confidence=confidence, officer_id=me.id,
                       username=me.username, ip=client_ip(request))
    raise redirect(_back(view.id), "flagged" if new else "flag_duplicate")


@require_admin
async def audit_page(request: web.Request) -> web.Response:
    console = console_of(request)
    actor = request.query.get("actor") or None
    action = request.query.get("action") or None
    entries = await run_db(console.audit.recent, 300, actor, action)
    return render(request, "audit.html", {"entries": entries, "actor": actor or "",
                                          "action": action or ""})


@require_admin
async def accounts_page(request: web.Request) -> web.Response:
    console = console_of(request)
    return render(request, "accounts.html", {"accounts": await run_db(console.accounts.list),
                                             "now": console.runtime.service.now()})


@require_admin
async def account_action(request: web.Request) -> web.StreamResponse:
    """Unlock, disable or enable an account (admins only)."""
    console = console_of(request)
    me = officer_of(request)
    username, action = request.match_info["username"], request.match_info["action"]
    if username == me.username and action == "disable":
        raise redirect("/console/accounts")
    operations = {"unlock": lambda: console.accounts.unlock(username, me.username),
                  "disable": lambda: console.accounts.set_active(username, False, me.username),
                  "enable": lambda: console.accounts.set_active(username, True, me.username)}
    if action not in operations:
        raise web.HTTPNotFound()
    try:
        await run_db(operations[action])
    except ValueError:
        raise web.HTTPNotFound(text="没有这个账号。") from None
    raise redirect("/console/accounts", "account_changed")


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/console/", index)
    router.add_get("/console/queue", queue)
    router.add_get("/console/queue/fragment", queue_fragment)
    router.add_get("/console/handoffs/{id}", handoff_page)
    router.add_get("/console/handoffs/{id}/transcript", transcript_fragment)
    router.add_get("/console/handoffs/{id}/state", state_fragment)
    for action, handler in (("claim", claim), ("release", release), ("transfer", transfer),
                            ("reply", reply), ("note", note), ("close", close), ("flag", flag)):
        router.add_post(f"/console/handoffs/{{id}}/{action}", handler)
    router.add_get("/console/audit", audit_page)
    router.add_get("/console/accounts", accounts_page)
    router.add_post("/console/accounts/{username}/{action}", account_action)
