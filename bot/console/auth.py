"""Console authentication: session cookie, CSRF on every POST, roles, login/logout, headers.

* The session cookie is HttpOnly, SameSite=Strict, scoped to ``/console``, signed with
  ``SESSION_SECRET`` (``bot.console.signing``) and Secure when ``settings.secure_cookies``
  (the default unless the gateway listens on loopback only).
* Failed logins lock the account after five tries and, independently, refuse an address
  after ten within 15 minutes (``bot.console.throttle``; 429 with ``Retry-After``).
* Every POST carries the session's CSRF token (form field ``csrf``); the login form uses
  a double-submit token (cookie + field) because there is no session yet.
* Pages send a strict Content-Security-Policy (no inline scripts) and deny framing.
"""
from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlparse

from aiohttp import web

from bot.accounts.service import MAX_FAILURES, SESSION_LIFETIME, OfficerView
from bot.console.context import client_ip, console_of, current, render, run_db
from bot.console.signing import sign, unsign
from bot.console.throttle import ADDRESS_WINDOW

__all__ = ["COOKIE", "LOGIN_COOKIE", "add_routes", "auth_middleware", "require_admin",
           "same_origin"]

COOKIE = "jj_console"
LOGIN_COOKIE = "jj_console_login"
LOGIN_PATH = "/console/login"
STATIC_PREFIX = "/console/static/"
COOKIE_PATH = "/console"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
                                "form-action 'self'; base-uri 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
BAD_LOGIN = f"用户名或密码不正确。连续输错{MAX_FAILURES}次，账号将被锁定15分钟。"
LOCKED = "登录失败次数过多，账号已临时锁定，请15分钟后再试或联系管理员解锁。"
THROTTLED = (f"您所在网络地址的登录失败次数过多，为保护账号安全，请{int(ADDRESS_WINDOW // 60)}"
             "分钟后再试。如需帮助，请联系管理员。")


def _tokens_match(given: Any, expected: str) -> bool:
    return isinstance(given, str) and bool(expected) and hmac.compare_digest(
        given.encode("utf-8"), expected.encode("utf-8"))


def same_origin(request: web.Request) -> bool:
    """The Origin header (if any) names this host — blocks cross-site websockets."""
    origin = request.headers.get("Origin")
    return origin is None or urlparse(origin).netloc == request.host


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Guard ``/console/…``; other paths pass through untouched.

    Loads the session, requires login (except login and static), checks CSRF on
    POST and adds security headers.
    """
    if not request.path.startswith(COOKIE_PATH + "/"):
        return await handler(request)
    console = console_of(request)
    token = unsign(request.cookies.get(COOKIE, ""), console.cookie_key)
    request["auth"] = await run_db(console.accounts.session, token) if token else None
    public = request.path == LOGIN_PATH or request.path.startswith(STATIC_PREFIX)
    if not public:
        if request["auth"] is None:
            if request.method == "GET" and request.headers.get("X-Fragment") is None:
                raise web.HTTPFound(f"{LOGIN_PATH}?next={quote(request.path_qs)}")
            raise web.HTTPUnauthorized(text="登录已失效，请重新登录。")
        if request.method == "POST":
            form = await request.post()
            if not _tokens_match(form.get("csrf"), request["auth"].csrf_token):
                raise web.HTTPForbidden(text="安全校验失败（CSRF），请刷新页面后重试。")
    response = await handler(request)
    if not response.prepared:
        response.headers.update(SECURITY_HEADERS)
    return response


Render = Callable[[web.Request, str, dict[str, Any], int], web.Response]


def require_role(allowed: Callable[[OfficerView], bool], message: str,
                 page: Render = render) -> Callable[[Handler], Handler]:
    """A decorator letting through only officers for whom ``allowed`` holds.

    The others get ``message`` on a 403 error page (rendered by ``page``); anonymous
    users never get here (the auth middleware sends them to the login page).
    """

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapped(request: web.Request) -> web.StreamResponse:
            info = current(request)
            if info is None or not allowed(info.officer):
                return page(request, "error.html", {"message": message}, 403)
            return await handler(request)

        return wrapped

    return decorate


#: Only admins; officers get a 403 page.
require_admin = require_role(lambda officer: officer.is_admin, "只有管理员可以访问此页面。")


def _expire(response: web.StreamResponse, name: str, secure: bool) -> None:
    """Delete a cookie with the same attributes it was set with."""
    response.set_cookie(name, "", max_age=0, expires="Thu, 01 Jan 1970 00:00:00 GMT",
                        httponly=True, samesite="Strict", path=COOKIE_PATH, secure=secure)


def _safe_next(value: str) -> str:
    return value if value.startswith("/console/") and not value.startswith("//") else "/console/queue"


def _login_page(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", {"login_csrf": token, "error": error,
                                              "next": _safe_next(request.query.get("next", ""))},
                      status)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="Strict", path=COOKIE_PATH,
                        secure=console_of(request).settings.secure_cookies, max_age=3600)
    return response


async def login_form(request: web.Request) -> web.Response:
    if current(request) is not None:
        raise web.HTTPFound("/console/queue")
    return _login_page(request)


def _throttled(request: web.Request, address: str) -> web.Response:
    response = _login_page(request, THROTTLED, 429)
    response.headers["Retry-After"] = str(console_of(request).login_throttle.retry_after(address))
    return response


async def _login_failed(request: web.Request, username: str, address: str) -> None:
    """Count a failed login for the address; audit the moment it reaches the limit."""
    console = console_of(request)
    if console.login_throttle.failed(address):
        await run_db(console.audit.record, username[:64] or "?", "login_throttled", "address",
                     address, {"limit": console.login_throttle.limit}, address)


async def login(request: web.Request) -> web.Response:
    """POST: double-submit CSRF check, per-address limit, Argon2 verification with lockout."""
    form = await request.post()
    if not _tokens_match(form.get("csrf"), request.cookies.get(LOGIN_COOKIE, "")):
        return _login_page(request, "页面已过期，请重新登录。", 403)
    console = console_of(request)
    address = client_ip(request)
    if console.login_throttle.blocked(address):
        return _throttled(request, address)
    username = str(form.get("username", ""))
    result = await run_db(console.accounts.authenticate, username,
                          str(form.get("password", "")), address)
    if not result.ok or result.officer is None:
        await _login_failed(request, username, address)
        return _login_page(request, LOCKED if result.locked else BAD_LOGIN, 401)
    token, _ = await run_db(console.accounts.open_session, result.officer.id)
    response = web.HTTPFound(_safe_next(str(form.get("next", ""))))
    response.set_cookie(COOKIE, sign(token, console.cookie_key), httponly=True, samesite="Strict",
                        path=COOKIE_PATH, secure=console.settings.secure_cookies,
                        max_age=int(SESSION_LIFETIME.total_seconds()))
    _expire(response, LOGIN_COOKIE, console.settings.secure_cookies)
    raise response


async def logout(request: web.Request) -> web.Response:
    console = console_of(request)
    info = current(request)
    token = unsign(request.cookies.get(COOKIE, ""), console.cookie_key)
    if token:
        await run_db(console.accounts.close_session, token)
    if info is not None:
        await run_db(console.audit.record, info.officer.username, "logout", "officer",
                     info.officer.username, None, client_ip(request))
    response = web.HTTPFound(LOGIN_PATH)
    _expire(response, COOKIE, console.settings.secure_cookies)
    raise response


def add_routes(app: web.Application) -> None:
    app.router.add_get(LOGIN_PATH, login_form)
    app.router.add_post(LOGIN_PATH, login)
    app.router.add_post("/console/logout", logout)
