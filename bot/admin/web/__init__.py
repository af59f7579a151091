"""The admin pages, mounted in the gateway under ``/console/admin/`` (``/admin`` redirects).

``setup_admin(app)`` (one line in ``create_app``, after ``setup_console``) adds the
routes to the gateway's own router, as the console does (sub-applications break
on ``Host`` headers with a port under the pinned aiohttp 3.9 + yarl 1.25).  Living
under ``/console/`` reuses the console's login, session cookie, CSRF check and
security headers (its middleware); every handler is additionally wrapped in the
console's ``require_admin``.  Server-rendered, autoescaped Jinja2 pages in Chinese;
a small script polls the training job's status.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.admin.config import AdminConfig
from bot.admin.web import views
from bot.admin.web.context import ADMIN_KEY, ADMIN_PREFIX, JINJA_KEY, Admin
from bot.console.app import TEMPLATES_DIR
from bot.console.auth import require_admin
from bot.console.context import CONSOLE_KEY
from bot.console.filters import FILTERS
from bot.web.keys import FACTORY_KEY, SETTINGS_KEY

__all__ = ["ADMIN_PREFIX", "setup_admin"]

HERE = Path(__file__).parent


def _filters() -> dict[str, Any]:
    return dict(FILTERS)


def setup_admin(app: web.Application, config: AdminConfig | None = None) -> Admin:
    """Register the admin pages on ``app`` (needs ``setup_console`` to have run)."""
    if CONSOLE_KEY not in app:
        raise RuntimeError("setup_admin needs the officer console: call setup_console(app) first")
    admin = Admin(app[SETTINGS_KEY], config, factory=app[FACTORY_KEY])
    app[ADMIN_KEY] = admin
    env = aiohttp_jinja2.setup(app, app_key=JINJA_KEY, default_helpers=False,
                               loader=jinja2.ChoiceLoader([  # admin pages, console shell
                                   jinja2.FileSystemLoader(str(HERE / "templates")),
                                   jinja2.FileSystemLoader(str(TEMPLATES_DIR))]),
                               autoescape=jinja2.select_autoescape(default=True))
    env.filters.update(_filters())
    base = ADMIN_PREFIX.rstrip("/")
    app.router.add_get("/admin", _to_admin)
    app.router.add_get("/admin/{tail:.*}", _to_admin)
    app.router.add_get(base, _to_admin)
    app.router.add_static(ADMIN_PREFIX + "static/", HERE / "static")
    for method, path, handler in views.ROUTES:
        app.router.add_route(method, base + path, require_admin(handler))

    async def close(_: web.Application) -> None:
        admin.close()

    app.on_cleanup.append(close)  # type: ignore[arg-type]
    return admin


async def _to_admin(request: web.Request) -> web.StreamResponse:
    tail = request.match_info.get("tail", "")
    raise web.HTTPFound(ADMIN_PREFIX + (tail if tail and not tail.startswith("/") else "inbox"))
