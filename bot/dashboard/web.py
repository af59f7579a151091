"""The leadership dashboard page, ``/console/dashboard`` (interfaces layer).

``setup_dashboard(app)`` (after ``setup_console``) adds three routes to the gateway's
router; they live under ``/console/`` so the console's middleware gives them login,
session, CSRF and security headers:

* ``GET /console/dashboard?period=week|30d|custom&from=…&to=…`` — figures, tables, charts;
* ``GET /console/dashboard/chart/{key}.svg?…`` — one chart (SVG, drawn server-side);
* ``GET /console/dashboard/csv/{table}.csv?…`` — one table as CSV.

Roles in :data:`DASHBOARD_ROLES` only (officers get 403, anonymous users the login
page); personal data (masked phones, case numbers) only for :data:`PERSONAL_ROLES`.
Page views and CSV downloads are written to the audit log, as the admin pages do.
"""
from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
import jinja2
from aiohttp import web
from sqlalchemy.engine import Engine

from bot.common.clock import Clock, utc_now
from bot.console.app import TEMPLATES_DIR
from bot.console.auth import require_role
from bot.console.context import CONSOLE_KEY, Console, client_ip, console_of, current, officer_of, run_db
from bot.console.filters import FILTERS
from bot.dashboard.charts import CHART_KEYS, CHARTS, FontMissing, svg
from bot.dashboard.period import KINDS, Period, PeriodError, period_from_query
from bot.dashboard.queries import Dashboard, Figures
from bot.dashboard.tables import TABLE_KEYS, tables, to_csv
from bot.knowledge import default_knowledge
from bot.store.db import make_engine

__all__ = ["DASHBOARD_KEY", "DASHBOARD_ROLES", "PATH", "PERSONAL_ROLES", "DashboardPages",
           "setup_dashboard"]

PATH = "/console/dashboard"
DASHBOARD_ROLES = frozenset({"admin", "supervisor"})
PERSONAL_ROLES = frozenset({"admin"})
CACHE_SECONDS = 60.0
HERE = Path(__file__).parent
JINJA_KEY = web.AppKey("dashboard_jinja2", jinja2.Environment)


class DashboardPages:
    """The dashboard and a short cache of computed figures.

    Built when the app starts (the shared engine is bound then); the page's charts and CSVs
    reuse the page's figures.
    """

    def __init__(self, names: dict[str, str], dashboard: Dashboard | None = None,
                 clock: Clock = utc_now) -> None:
        self.names = names
        self.clock = clock
        self._dashboard = dashboard
        self._cache: dict[tuple[Period, bool], tuple[float, Figures]] = {}

    @property
    def dashboard(self) -> Dashboard:
        if self._dashboard is None:
            raise RuntimeError("the dashboard is built when the application starts")
        return self._dashboard

    def start(self, dashboard: Dashboard) -> None:
        self._dashboard = dashboard

    def now(self) -> Any:
        return self.clock()

    def figures(self, period: Period, personal: bool) -> Figures:
        key = (period, personal)
        hit = self._cache.get(key)
        if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
        figures = self.dashboard.figures(period, personal)
        if len(self._cache) > 32:
            self._cache.clear()
        self._cache[key] = (time.monotonic(), figures)
        return figures


DASHBOARD_KEY = web.AppKey("dashboard", DashboardPages)


def _render(request: web.Request, template: str, context: dict[str, Any], status: int = 200) -> web.Response:
    info = current(request)
    common = {"me": info.officer if info else None, "csrf": info.csrf_token if info else ""}
    response = aiohttp_jinja2.render_template(template, request, {**common, **context},
                                              status=status, app_key=JINJA_KEY)
    response.headers["Cache-Control"] = "no-store"
    return response


#: Admins and supervisors (DASHBOARD_ROLES); officers get a 403 page in the dashboard's look.
_viewers_only = require_role(lambda officer: officer.role in DASHBOARD_ROLES,
                             "只有管理员和督查人员可以查看领导看板。", page=_render)


def _period(request: web.Request) -> tuple[Period | None, str]:
    """The period asked for (None and the reason when it cannot be read)."""
    now = request.config_dict[DASHBOARD_KEY].now()
    try:
        return period_from_query(request.query, now), ""
    except PeriodError as error:
        return None, str(error)


def _query(period: Period) -> str:
    if period.kind in ("week", "30d"):
        return urlencode({"period": period.kind})
    return urlencode({"period": "custom", "from": period.first.isoformat(), "to": period.last.isoformat()})


@_viewers_only
async def page(request: web.Request) -> web.StreamResponse:
    officer = officer_of(request)
    console = console_of(request)
    pages = request.config_dict[DASHBOARD_KEY]
    period, error = _period(request)
    if period is None:
        period = Period.last_30_days(pages.now())
    personal = officer.role in PERSONAL_ROLES
    figures = await run_db(pages.figures, period, personal)
    await run_db(console.audit.record, officer.username, "dashboard_view", "dashboard", period.label,
                 {"from": period.first.isoformat(), "to": period.last.isoformat()}, client_ip(request))
    query = _query(period)
    return _render(request, "dashboard.html", {
        "f": figures, "period": period, "kinds": KINDS, "error": error, "query": query,
        "charts": [(c.key, c.title, f"{PATH}/chart/{c.key}.svg?{query}") for c in CHARTS],
        "tables": tables(figures, pages.names), "csv": f"{PATH}/csv/{{key}}.csv?{query}",
        "names": pages.names, "personal": personal,
    })


@_viewers_only
async def chart(request: web.Request) -> web.StreamResponse:
    officer = officer_of(request)
    found = CHART_KEYS.get(request.match_info["key"])
    period, error = _period(request)
    if found is None or period is None:
        raise web.HTTPNotFound(text=error or "没有这个图表。")
    pages = request.config_dict[DASHBOARD_KEY]
    figures = await run_db(pages.figures, period, officer.role in PERSONAL_ROLES)
    try:
        body = await run_db(svg, found, figures, pages.names)
    except FontMissing as missing:
        raise web.HTTPInternalServerError(text=str(missing)) from None
    return web.Response(text=body, content_type="image/svg+xml",
                        headers={"Cache-Control": "private, max-age=60"})


@_viewers_only
async def csv_download(request: web.Request) -> web.StreamResponse:
    officer = officer_of(request)
    key = request.match_info["key"]
    period, error = _period(request)
    if key not in TABLE_KEYS or period is None:
        raise web.HTTPNotFound(text=error or "没有这个表格。")
    console = console_of(request)
    pages = request.config_dict[DASHBOARD_KEY]
    personal = officer.role in PERSONAL_ROLES
    figures = await run_db(pages.figures, period, personal)
    table = next(t for t in tables(figures, pages.names) if t.key == key)
    await run_db(console.audit.record, officer.username, "dashboard_export", "dashboard", key,
                 {"from": period.first.isoformat(), "to": period.last.isoformat(),
                  "rows": len(table.rows), "personal": personal}, client_ip(request))
    filename = f"dashboard-{key}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return web.Response(body=to_csv(table).encode("utf-8"), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                 "Cache-Control": "no-store"})


def setup_dashboard(app: web.Application, dashboard: Dashboard | None = None) -> DashboardPages:
    """Register ``/console/dashboard`` (needs ``setup_console`` first).

    The queries run on the console's database engine (bound when the app starts) and on
    ``TRACKER_STORE_URL`` (the same engine when both URLs are equal).
    """
    console: Console = app[CONSOLE_KEY]
    pages = DashboardPages({r.id: r.label for r in default_knowledge()}, dashboard)
    app[DASHBOARD_KEY] = pages
    env = aiohttp_jinja2.setup(app, app_key=JINJA_KEY, default_helpers=False,
                               loader=jinja2.ChoiceLoader([
                                   jinja2.FileSystemLoader(str(HERE / "templates")),
                                   jinja2.FileSystemLoader(str(TEMPLATES_DIR))]),
                               autoescape=jinja2.select_autoescape(default=True))
    env.filters.update(FILTERS)
    app.router.add_static(PATH + "/static/", HERE / "static")
    app.router.add_get(PATH, page)
    app.router.add_get(PATH + "/chart/{key}.svg", chart)
    app.router.add_get(PATH + "/csv/{key}.csv", csv_download)

    async def engines(_: web.Application) -> AsyncIterator[None]:
        if dashboard is not None:
            yield
            return
        app_engine: Engine = console.factory.kw["bind"]
        settings = console.settings
        same = settings.tracker_store_url == settings.database_url
        tracker = app_engine if same else make_engine(settings.tracker_store_url)
        pages.start(Dashboard(tracker, app_engine, clock=lambda: pages.clock()))
        yield
        if not same:
            tracker.dispose()

    app.cleanup_ctx.append(engines)
    return pages
