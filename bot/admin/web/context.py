"""Shared helpers of the admin pages: the context object, rendering, worker threads.

Login, sessions, CSRF checks and security headers come from the officer console's
middleware (every ``/console/…`` path); :func:`render` adds the console's officer
and CSRF token to every page.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.orm import sessionmaker

from bot.admin.config import AdminConfig, load_config
from bot.admin.service import AdminService
from bot.common.clock import utc_now
from bot.console.context import run_db
from bot.settings import VAR_DIR, Settings
from bot.web.addresses import client_ip
from bot.web.keys import ADMIN_JINJA_KEY, ADMIN_KEY

__all__ = [
    "ADMIN_KEY",
    "ADMIN_PREFIX",
    "JINJA_KEY",
    "Admin",
    "actor",
    "admin_of",
    "client_ip",
    "render",
    "run_db",
]

JINJA_KEY = ADMIN_JINJA_KEY  # the admin pages' templates (bot.web.keys)
ADMIN_PREFIX = "/console/admin/"


class Admin:
    """What the admin handlers need.

    The service is rebuilt when ``<VAR_DIR>/admin.yml`` changes, so the threshold,
    margin or project directory can be adjusted without restarting the gateway.
    ``factory`` is the gateway's sessionmaker on ``DATABASE_URL`` (its one engine): the
    service uses it unless the admin configuration names another database.
    """

    def __init__(self, settings: Settings, config: AdminConfig | None = None,
                 var_dir: Path | None = None,
                 factory: sessionmaker | None = None) -> None:
        self.settings = settings
        self._fixed = config is not None
        self._var_dir = Path(var_dir or VAR_DIR)
        self._factory = factory
        self._stamp: float | None = self._mtime()
        self._service = self._build(config or load_config(settings, self._var_dir))

    def _build(self, config: AdminConfig) -> AdminService:
        shared = self._factory if config.database_url == self.settings.database_url else None
        return AdminService(config, factory=shared)

    def _mtime(self) -> float | None:
        path = self._var_dir / "admin.yml"
        return path.stat().st_mtime if path.exists() else None

    @property
    def service(self) -> AdminService:
        if not self._fixed:
            stamp = self._mtime()
            if stamp != self._stamp:
                old, self._stamp = self._service, stamp
                self._service = self._build(load_config(self.settings, self._var_dir))
                old.close()
        return self._service

    def close(self) -> None:
        self._service.close()


def admin_of(request: web.Request) -> Admin:
    admin: Admin = request.config_dict[ADMIN_KEY]
    return admin


def actor(request: web.Request) -> str:
    """The logged-in officer's username (the console's session)."""
    info = request.get("auth")
    return info.officer.username if info else "?"


def render(request: web.Request, template: str, context: dict[str, Any],
           status: int = 200) -> web.Response:
    """Render with the common variables (the officer, the CSRF token, now)."""
    info = request.get("auth")
    common = {"me": info.officer if info else None, "csrf": info.csrf_token if info else "",
              "prefix": ADMIN_PREFIX, "now": utc_now()}
    response = aiohttp_jinja2.render_template(template, request, {**common, **context},
                                              status=status, app_key=JINJA_KEY)
    response.headers["Cache-Control"] = "no-store"
    return response
