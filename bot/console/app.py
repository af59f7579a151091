"""The officer console, mounted in the gateway under ``/console/``.

Server-rendered Jinja2 pages (aiohttp-jinja2, autoescaped) plus one websocket
(``/console/ws``) that tells open pages to refresh their fragments.  Routes are added to
the gateway's own router (no sub-application) and the auth middleware only acts on
``/console/`` paths.  ``setup_console(app)`` needs ``setup_handoff(app)`` first (it reuses
its runtime, database and accounts).  Other console pages (e.g. admin) add routes under
``/console/`` and render with ``bot.console.context.render`` to get login, roles and CSRF.
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import WSMsgType, web

from bot.admin.flags import RetrainingFlags
from bot.audit.log import AuditLog
from bot.cases.service import CaseService
from bot.cases.status import STATUS_LABELS
from bot.console import auth, case_views, register, supervision, views
from bot.console.context import CONSOLE_KEY, JINJA_KEY, Console, console_of
from bot.console.filters import FILTERS
from bot.console.signing import signing_key
from bot.handoff.views import CHANNEL_LABELS, KIND_LABELS
from bot.knowledge import default_knowledge
from bot.web.keys import ACCOUNTS_KEY, FACTORY_KEY, RUNTIME_KEY, SETTINGS_KEY

__all__ = ["CONSOLE_KEY", "PREFIX", "TEMPLATES_DIR", "setup_console"]

PREFIX = "/console/"
EVENT_LABELS = {"filed": "登记", "imported": "导入", "status": "状态变更", "extension": "延期",
                "access": "查看个人信息", "code_reset": "重置查询码", "hearing": "听证"}
HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"

log = logging.getLogger(__name__)


async def websocket(request: web.Request) -> web.StreamResponse:
    """Live updates: ``{"type": "queue"|"alert"|"state"|"message", "handoff": id}``."""
    if not auth.same_origin(request):
        raise web.HTTPForbidden(text="来源校验失败。")
    bus = console_of(request).runtime.bus
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    queue = bus.subscribe()
    reader = asyncio.create_task(_drain(ws))
    try:
        while not ws.closed:
            getter = asyncio.create_task(queue.get())
            done, _ = await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                break
            await ws.send_json(getter.result())
    finally:
        bus.unsubscribe(queue)
        reader.cancel()
    return ws


async def _drain(ws: web.WebSocketResponse) -> None:
    async for message in ws:
        if message.type == WSMsgType.ERROR:
            break


async def _to_console(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound(PREFIX)


def setup_console(app: web.Application, cases: CaseService | None = None) -> Console:
    """Add the console's routes, templates and auth middleware to the gateway."""
    factory = app[FACTORY_KEY]
    runtime = app[RUNTIME_KEY]
    console = Console(runtime=runtime, accounts=app[ACCOUNTS_KEY], audit=AuditLog(factory),
                      cases=cases or CaseService(factory), settings=app[SETTINGS_KEY],
                      factory=factory, flags=RetrainingFlags(factory),
                      cookie_key=signing_key(app[SETTINGS_KEY].session_secret))
    app[CONSOLE_KEY] = console
    env = aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
                               autoescape=jinja2.select_autoescape(default=True),
                               app_key=JINJA_KEY)
    env.filters.update(FILTERS)
    env.globals.update(warning_labels={c.key: c.label for c in runtime.detector.categories},
                       channel_labels=CHANNEL_LABELS, kind_labels=KIND_LABELS,
                       matter_names={r.id: r.label for r in default_knowledge()},
                       event_labels=EVENT_LABELS,
                       case_status_labels={s.value: label for s, label in STATUS_LABELS.items()})
    app.middlewares.append(auth.auth_middleware)
    app.router.add_get("/console", _to_console)
    app.router.add_static("/console/static/", HERE / "static")
    auth.add_routes(app)
    views.add_routes(app)
    case_views.add_routes(app)
    register.add_routes(app)  # /console/petitions/new (来信、来电、来访)
    supervision.add_routes(app)  # /console/supervision (督办; the gateway stores SUPERVISION_KEY)
    app.router.add_get("/console/ws", websocket)
    return console
