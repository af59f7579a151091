"""Admin page handlers: inbox, labelling, export, retraining jobs, results, models."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.admin.deploy import DeployError, GateRefused
from bot.admin.inbox import SOURCE_LABELS, STATUS_LABELS, InboxFilter
from bot.admin.jobs import STEP_LABELS, JobRefused, JobView
from bot.admin.labels import LabelError
from bot.admin.registry import RegistryError
from bot.admin.service import AdminService
from bot.admin.web.context import ADMIN_PREFIX, actor, admin_of, client_ip, render, run_db
from bot.common.clock import local_date, local_midnight, utc_now
from bot.handoff.models import Handoff

__all__ = ["FLASH", "ROUTES", "job_json"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PAGE_SIZE = 50
FLASH: dict[str, str] = {
    "labelled": "已保存标注。",
    "noise": "已标记为噪声。",
    "skipped": "已跳过。",
    "undone": "已撤销，消息回到待处理。",
    "none_selected": "请先勾选要处理的消息。",
    "bad_label": "请选择一个有效的意图或事项。",
    "exported": "已导出到 data/nlu/reviewed.yml。",
    "job_started": "训练任务已在后台开始，本页会自动显示进度。",
    "job_refused": "已有训练任务正在进行，同一时间只能运行一个训练任务，请等它结束后再试。",
    "deployed": "新模型已上线（热切换，正在进行的对话不受影响）。",
    "rolled_back": "已回滚到所选模型。",
    "cancelled": "训练任务已取消，线上模型未受影响。",
}


def _service(request: web.Request) -> AdminService:
    return admin_of(request).service


def _flash(request: web.Request) -> str:
    return FLASH.get(request.query.get("msg", ""), "")


def _redirect(path: str, flash: str | None = None) -> web.HTTPFound:
    if flash:
        path += ("&" if "?" in path else "?") + f"msg={flash}"
    return web.HTTPFound(path)


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _float(value: str) -> float | None:
    try:
        return float(value) if value.strip() else None
    except ValueError:
        return None


def _filters(query: Any) -> tuple[InboxFilter, dict[str, Any]]:
    """The inbox filter from the query string, plus the values to refill the form."""
    today = local_date(utc_now())
    since = _date(query.get("since", "")) if "since" in query else today - timedelta(days=30)
    until = _date(query.get("until", ""))
    page = max(1, int(query.get("page", "1")) if query.get("page", "1").isdigit() else 1)
    status = query.get("status", "open")
    status = status if status in (*STATUS_LABELS, "all") else "open"
    sort = query.get("sort", "recent")
    form = {"since": since.isoformat() if since else "", "until": until.isoformat() if until else "",
            "intent": query.get("intent", ""), "sources": query.getall("source", []),
            "min_conf": query.get("min_conf", ""), "max_conf": query.get("max_conf", ""),
            "q": query.get("q", ""), "status": status, "sort": sort, "page": page}
    filters = InboxFilter(
        since=local_midnight(since) if since else None,
        until=local_midnight(until + timedelta(days=1)) if until else None,
        intent=form["intent"], min_confidence=_float(form["min_conf"]),
        max_confidence=_float(form["max_conf"]),
        sources=tuple(s for s in form["sources"] if s in SOURCE_LABELS), search=form["q"],
        status=status, sort=sort if sort in ("recent", "confidence", "count") else "recent",
        limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return filters, form


async def index(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound(ADMIN_PREFIX + "inbox")


async def inbox_page(request: web.Request) -> web.Response:
    service = _service(request)
    filters, form = _filters(request.query)
    page, insight, job = await run_db(_inbox_data, service, filters)
    query = [(k, v) for k, v in request.query.items() if k not in ("page", "msg")]
    return render(request, "inbox.html", {
        "page": page, "form": form, "insight": insight, "job": job, "catalog": service.catalog,
        "sources": SOURCE_LABELS, "statuses": STATUS_LABELS, "flash": _flash(request),
        "threshold": service.config.confidence_threshold,
        "back": ADMIN_PREFIX + "inbox" + ("?" + urlencode(query) if query else ""),
        "next_page": urlencode([*query, ("page", str(form["page"] + 1))]),
        "prev_page": urlencode([*query, ("page", str(form["page"] - 1))]),
        "pages": max(1, -(-page.total // PAGE_SIZE)),
    })


def _inbox_data(service: Any, filters: InboxFilter) -> tuple[Any, Any, JobView | None]:
    return service.query_inbox(filters), service.insight(), service.job()


def _back(form: Any) -> str:
    back = str(form.get("back", ""))
    return back if back.startswith(ADMIN_PREFIX + "inbox") else ADMIN_PREFIX + "inbox"


async def decide(request: web.Request) -> web.StreamResponse:
    """Row action (``row=label:<key>``) or bulk action on the ticked rows."""
    form = await request.post()
    back = _back(form)
    row = str(form.get("row", ""))
    if row:
        action, _, key = row.partition(":")
        keys = [key]
        label = str(form.get(f"label_{key}", ""))
    else:
        action = str(form.get("bulk", ""))
        keys = [str(k) for k in form.getall("keys", [])]
        label = str(form.get("bulk_label", ""))
    if not keys or not all(keys):
        raise _redirect(back, "none_selected")
    service = _service(request)
    try:
        if action == "undo":
            await run_db(service.labels.undo, keys, actor(request))
            raise _redirect(back, "undone")
        status = {"label": "labelled", "noise": "noise", "skip": "skipped"}.get(action)
        if status is None:
            raise web.HTTPBadRequest(text="未知操作。")
        await run_db(service.decide, keys, status, label or None, actor(request), client_ip(request))
    except LabelError:
        raise _redirect(back, "bad_label") from None
    raise _redirect(back, {"labelled": "labelled", "noise": "noise", "skipped": "skipped"}[status])


async def export(request: web.Request) -> web.StreamResponse:
    await run_db(_service(request).export, actor(request), client_ip(request))
    raise _redirect(ADMIN_PREFIX + "inbox", "exported")


async def conversation(request: web.Request) -> web.Response:
    service = _service(request)
    sender = request.match_info["sender"]
    lines = await run_db(service.transcript, sender, actor(request), client_ip(request))
    handoff_id = await run_db(_latest_handoff, service, sender)
    return render(request, "conversation.html", {"sender": sender, "lines": lines,
                                                  "handoff_id": handoff_id})


def _latest_handoff(service: Any, sender: str) -> int | None:
    """The console's newest handoff of this conversation (for a link), if any."""
    from sqlalchemy import inspect, select

    if not inspect(service.engine).has_table(Handoff.__tablename__):
        return None
    with service.engine.connect() as connection:
        query = select(Handoff.id).where(Handoff.sender_id == sender).order_by(Handoff.id.desc())
        return connection.execute(query.limit(1)).scalar()


# ------------------------------------------------------------------ retraining
async def retrain(request: web.Request) -> web.StreamResponse:
    service = _service(request)
    try:
        job = await run_db(service.retrain, actor(request), client_ip(request))
    except JobRefused:
        active = await run_db(service.job)
        raise _redirect(f"{ADMIN_PREFIX}jobs/{active.id}" if active else ADMIN_PREFIX + "jobs",
                        "job_refused") from None
    raise _redirect(f"{ADMIN_PREFIX}jobs/{job.id}", "job_started")


async def cancel(request: web.Request) -> web.StreamResponse:
    job_id = int(request.match_info["id"])
    await run_db(_service(request).cancel, job_id, actor(request), client_ip(request))
    raise _redirect(f"{ADMIN_PREFIX}jobs/{job_id}", "cancelled")


def job_json(job: JobView, tail: int = 30) -> dict[str, Any]:
    now = utc_now()
    return {"id": job.id, "version": job.version, "status": job.status,
            "status_label": job.status_label, "step": job.step, "step_label": job.step_label,
            "detail": job.detail, "progress": round(job.progress, 3), "active": job.active,
            "seconds": round(job.seconds(now)), "error": job.error or "",
            "log": job.log_tail(tail), "url": f"{ADMIN_PREFIX}jobs/{job.id}"}


async def job_status(request: web.Request) -> web.Response:
    """Polled by the page: state, progress and the log tail of one job (or the current one)."""
    service = _service(request)
    raw = request.match_info.get("id", "current")
    job = await run_db(service.job, None if raw == "current" else int(raw))
    if job is None:
        return web.json_response({"id": None}, headers={"Cache-Control": "no-store"})
    return web.json_response(job_json(job), headers={"Cache-Control": "no-store"})


async def jobs_page(request: web.Request) -> web.Response:
    service = _service(request)
    jobs = await run_db(service.jobs.recent, 30)
    return render(request, "jobs.html", {"jobs": jobs, "flash": _flash(request), "now": utc_now()})


async def job_page(request: web.Request) -> web.Response:
    return await _render_job(request, int(request.match_info["id"]))


async def _render_job(request: web.Request, job_id: int, error: str = "",
                      status: int = 200) -> web.Response:
    service = _service(request)
    job = await run_db(service.job, job_id)
    if job is None:
        raise web.HTTPNotFound(text="没有这个训练任务。")
    result = service.job_result(job)
    model, deployed = await run_db(_job_models, service, job)
    return render(request, "job.html", {
        "job": job, "result": result, "model": model, "deployed": deployed, "error": error,
        "flash": _flash(request), "now": utc_now(), "steps": STEP_LABELS,
        "margin": service.config.deploy_margin, "catalog": service.catalog,
        "candidate_png": service.confusion_png(job, "candidate") is not None,
        "deployed_png": service.confusion_png(job, "deployed") is not None,
    }, status)


def _job_models(service: Any, job: JobView) -> tuple[Any, Any]:
    try:
        model = service.registry.get(job.version)
    except RegistryError:
        model = None
    return model, service.deployer.current()


async def confusion(request: web.Request) -> web.StreamResponse:
    service = _service(request)
    job = await run_db(service.job, int(request.match_info["id"]))
    path = service.confusion_png(job, request.match_info["which"]) if job else None
    if path is None:
        raise web.HTTPNotFound(text="没有混淆矩阵图。")
    return web.FileResponse(path, headers={"Cache-Control": "no-store"})


# ------------------------------------------------------------- deploy/rollback
async def models_page(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    service = _service(request)
    models, history, deployed = await run_db(_models_data, service)
    return render(request, "models.html", {"models": models, "history": history, "deployed": deployed,
                                           "flash": _flash(request), "error": error}, status)


def _models_data(service: Any) -> tuple[Any, Any, Any]:
    models = service.models()
    return models, service.registry.history(30), service.registry.deployed()


async def deploy(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    version = request.match_info["version"]
    reason = str(form.get("override_reason", "")).strip()
    back_job = str(form.get("job", ""))
    service = _service(request)
    try:
        await run_db(service.deploy, version, actor(request), reason, client_ip(request))
    except GateRefused as error:
        return await _deploy_error(request, back_job, str(error), 409)
    except (DeployError, RegistryError) as error:
        return await _deploy_error(request, back_job, str(error), 502 if isinstance(error, DeployError) else 404)
    raise _redirect(ADMIN_PREFIX + "models", "deployed")


async def _deploy_error(request: web.Request, job_id: str, message: str, status: int) -> web.Response:
    if job_id.isdigit():
        return await _render_job(request, int(job_id), message, status)
    return await models_page(request, message, status)


async def rollback(request: web.Request) -> web.StreamResponse:
    version = request.match_info.get("version") or None
    service = _service(request)
    try:
        await run_db(service.rollback, actor(request), version, client_ip(request))
    except (DeployError, RegistryError) as error:
        return await models_page(request, str(error), 502 if isinstance(error, DeployError) else 404)
    raise _redirect(ADMIN_PREFIX + "models", "rolled_back")


# (method, path under /console/admin, handler); all wrapped in the console's require_admin
ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/", index),
    ("GET", "/inbox", inbox_page),
    ("POST", "/inbox/decide", decide),
    ("POST", "/export", export),
    ("GET", "/conversations/{sender}", conversation),
    ("POST", "/retrain", retrain),
    ("GET", "/jobs", jobs_page),
    ("GET", "/jobs/current.json", job_status),
    ("GET", "/jobs/{id:\\d+}", job_page),
    ("GET", "/jobs/{id:\\d+}.json", job_status),
    ("POST", "/jobs/{id:\\d+}/cancel", cancel),
    ("GET", "/jobs/{id:\\d+}/confusion/{which:candidate|deployed}.png", confusion),
    ("GET", "/models", models_page),
    ("POST", "/models/{version}/deploy", deploy),
    ("POST", "/models/{version}/rollback", rollback),
    ("POST", "/rollback", rollback),
]
