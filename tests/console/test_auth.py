"""Console security: login, Argon2, lockout, CSRF on every POST, roles, cookies, headers."""
from __future__ import annotations

import dataclasses
import re

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.accounts.models import Officer
from bot.accounts.service import LOCK_DURATION, AccountError, AccountService
from bot.audit.models import AuditEntry
from bot.store.db import session_scope
from tests.conftest_db import FakeClock
from tests.console.conftest import NewClient
from tests.console.helpers import csrf_in
from tests.handoff.fixtures import PASSWORD, Officers


def audit_actions(factory: sessionmaker) -> list[tuple[str, str]]:
    with session_scope(factory) as session:
        rows = session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
        return [(e.actor, e.action) for e in rows]


async def test_pages_need_a_login(gateway: TestClient) -> None:
    response = await gateway.get("/console/queue", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"].startswith("/console/login?next=/console/queue")
    fragment = await gateway.get("/console/queue/fragment", headers={"X-Fragment": "1"},
                                 allow_redirects=False)
    assert fragment.status == 401
    assert (await gateway.post("/console/handoffs/1/claim", data={"csrf": "x"})).status == 401
    assert (await gateway.get("/console/ws", allow_redirects=False)).status in (302, 401)


async def test_login_success_sets_a_strict_http_only_cookie(new_client: NewClient,
                                                            officers: Officers,
                                                            factory: sessionmaker) -> None:
    client = await new_client()
    page = await client.client.get("/console/login")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    token = csrf_in(await page.text())
    response = await client.client.post("/console/login", allow_redirects=False, data={
        "csrf": token, "username": "wang", "password": PASSWORD, "next": "//evil.example/"})
    assert response.status == 302 and response.headers["Location"] == "/console/queue"
    cookie = response.headers.getall("Set-Cookie")
    session_cookie = next(c for c in cookie if c.startswith("jj_console="))
    assert "HttpOnly" in session_cookie and "SameSite=Strict" in session_cookie
    assert "Path=/console" in session_cookie and "Secure" not in session_cookie
    queue = await client.get("/console/queue")
    assert "王警官" in queue and "接管队列" in queue
    assert ("wang", "login") in audit_actions(factory)


async def test_secure_cookies_when_configured(console_settings, aiohttp_client, officers: Officers,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.accounts.service as accounts_module
    from bot.gateway.app import create_app
    from tests.handoff.fixtures import fast_hasher

    monkeypatch.setattr(accounts_module, "PasswordHasher", fast_hasher)
    client = await aiohttp_client(create_app(dataclasses.replace(console_settings,
                                                                 secure_cookies=True)))
    page = await client.get("/console/login")
    assert "Secure" in page.headers["Set-Cookie"]
    token = csrf_in(await page.text())
    # A client does not send Secure cookies over plain http: send it by hand (as over https).
    response = await client.post("/console/login", allow_redirects=False,
                                 headers={"Cookie": f"jj_console_login={token}"},
                                 data={"csrf": token, "username": "wang", "password": PASSWORD})
    assert response.status == 302
    assert all("Secure" in c for c in response.headers.getall("Set-Cookie"))


async def test_login_form_needs_its_csrf_token(new_client: NewClient, officers: Officers) -> None:
    client = await new_client()
    await client.client.get("/console/login")
    response = await client.client.post("/console/login", allow_redirects=False, data={
        "csrf": "forged", "username": "wang", "password": PASSWORD})
    assert response.status == 403
    assert "jj_console=" not in response.headers.get("Set-Cookie", "").split("jj_console_login")[0]


async def test_wrong_password_and_lockout_after_five_failures(new_client: NewClient,
                                                             officers: Officers,
                                                             factory: sessionmaker) -> None:
    client = await new_client()
    for _attempt in range(4):
        text = await client.login("wang", "wrong-password", expect=401)
        assert "用户名或密码不正确" in text
    text = await client.login("wang", "wrong-password", expect=401)
    assert "锁定" in text
    text = await client.login("wang", PASSWORD, expect=401)  # even the right password
    assert "已临时锁定" in text
    with session_scope(factory) as session:
        row = session.execute(select(Officer).where(Officer.username == "wang")).scalar_one()
        assert row.locked_until is not None
    assert ("wang", "login_locked") in audit_actions(factory)
    other = await new_client()
    await other.login("li", PASSWORD)  # other accounts are not affected


def test_lock_expires_after_fifteen_minutes(accounts: AccountService, officers: Officers,
                                            fake_clock: FakeClock) -> None:
    for _ in range(5):
        assert not accounts.authenticate("wang", "nope").ok
    assert accounts.authenticate("wang", PASSWORD).locked
    fake_clock.advance(seconds=LOCK_DURATION.total_seconds() - 1)
    assert not accounts.authenticate("wang", PASSWORD).ok
    fake_clock.advance(seconds=2)
    assert accounts.authenticate("wang", PASSWORD).ok
    assert not accounts.authenticate("nobody", PASSWORD).ok


def test_passwords_are_argon2_hashed_and_validated(accounts: AccountService, officers: Officers,
                                                   factory: sessionmaker) -> None:
    with session_scope(factory) as session:
        stored = session.execute(select(Officer.password_hash)).scalars().all()
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in stored)
    with pytest.raises(AccountError):
        accounts.create("x", "X", "short")
    with pytest.raises(AccountError):
        accounts.create("wang", "另一个王", PASSWORD)  # duplicate
    with pytest.raises(AccountError):
        accounts.create("bad name!", "X", PASSWORD)


# Values for the path parameters of the console's routes (the CSRF check comes first, so
# they only have to make a well-formed URL; the handoff is a real one to check nothing moved).
SAMPLE_PARAMS = {"username": "li", "action": "disable", "number": "XF-2026-000001",
                 "version": "v1"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
PARAM = re.compile(r"\{(\w+)(?::[^}]*)?\}")


def state_changing_console_routes(app: web.Application) -> list[tuple[str, str]]:
    """(method, path pattern) of every route under /console/ that is not GET/HEAD/OPTIONS,
    straight from the gateway's router (the console, the admin pages and anything added)."""
    routes = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if path.startswith("/console/") and route.method not in SAFE_METHODS:
            routes.add((route.method, path))
    return sorted(routes)


async def test_every_post_needs_the_session_csrf_token(gateway: TestClient, new_client: NewClient,
                                                      officers: Officers, service,
                                                      factory: sessionmaker) -> None:
    routes = state_changing_console_routes(gateway.server.app)
    paths = {path for _, path in routes}
    # the enumeration sees the console and the admin pages (a broken one would test nothing)
    assert {"/console/logout", "/console/handoffs/{id}/claim", "/console/cases/{number}/status",
            "/console/accounts/{username}/{action}", "/console/admin/retrain",
            "/console/admin/models/{version}/deploy"} <= paths, routes
    # the middleware (bot/console/auth.py) checks the token on POST only: any other
    # state-changing method under /console/ would bypass it
    assert {method for method, _ in routes} == {"POST"}, routes
    view = service.request("webchat", "web-csrf0000", "requested").handoff
    admin = await new_client()
    await admin.login("chief", PASSWORD)  # an admin: a role check cannot answer 403 first
    params = {**SAMPLE_PARAMS, "id": str(view.id)}
    audited = audit_actions(factory)
    checked = []
    for method, pattern in routes:
        path = PARAM.sub(lambda m: params[m.group(1)], pattern)
        for token in ("", "wrong-token", None):  # empty, forged, missing
            form = {"text": "x", "reason": "x", "days": "5"}
            if token is not None:
                form["csrf"] = token
            response = await admin.client.request(method, path, data=form, allow_redirects=False)
            text = await response.text()
            assert response.status == 403, (method, path, token, response.status, text[:300])
            if path == "/console/login":  # no session yet: the double-submit login token
                assert "页面已过期" in text, text[:300]
            else:
                assert "CSRF" in text, (path, text[:300])
        checked.append(path)
    assert len(checked) == len(routes) >= 15
    # nothing happened: the handoff still waits, nothing was audited, the accounts work
    assert service.get(view.id).status == "waiting"
    assert audit_actions(factory) == audited
    await admin.get("/console/queue")  # still logged in (logout was refused too)
    other = await new_client()
    await other.login("li", PASSWORD)  # not disabled
    # the same request with the session's token gets through
    await admin.post(f"/console/handoffs/{view.id}/claim")
    assert service.get(view.id).status == "assigned"


async def test_csrf_token_of_another_session_is_refused(new_client: NewClient, officers: Officers,
                                                       service) -> None:
    view = service.request("webchat", "web-csrf0001", "requested").handoff
    wang, li = await new_client(), await new_client()
    await wang.login("wang", PASSWORD)
    await li.login("li", PASSWORD)
    await li.post(f"/console/handoffs/{view.id}/claim", status=403, csrf=wang.csrf)


async def test_roles_officer_cannot_open_admin_pages(new_client: NewClient,
                                                     officers: Officers) -> None:
    officer, admin = await new_client(), await new_client()
    await officer.login("wang", PASSWORD)
    await admin.login("chief", PASSWORD)
    assert "只有管理员" in await officer.get("/console/audit", status=403)
    await officer.get("/console/accounts", status=403)
    await officer.post("/console/accounts/li/disable", status=403)
    assert "审计日志" in await admin.get("/console/audit")
    assert "李警官" in await admin.get("/console/accounts")
    assert "审计日志" not in await officer.get("/console/queue")


async def test_admin_can_unlock_and_disable(new_client: NewClient, officers: Officers,
                                            accounts: AccountService) -> None:
    admin, li = await new_client(), await new_client()
    await admin.login("chief", PASSWORD)
    await li.login("li", PASSWORD)
    await admin.post("/console/accounts/li/disable")
    await li.get("/console/queue", status=302)  # the session ended with the account
    await admin.post("/console/accounts/li/enable")
    for _ in range(5):
        accounts.authenticate("wang", "nope")
    await admin.post("/console/accounts/wang/unlock")
    assert accounts.authenticate("wang", PASSWORD).ok


async def test_logout_revokes_the_session(new_client: NewClient, officers: Officers) -> None:
    client = await new_client()
    await client.login("wang", PASSWORD)
    cookie = client.client.session.cookie_jar.filter_cookies(client.client.make_url("/console/"))
    token = cookie["jj_console"].value
    await client.post("/console/logout")
    await client.get("/console/queue", status=302)
    replay = await new_client()
    replay.client.session.cookie_jar.update_cookies({"jj_console": token},
                                                    client.client.make_url("/console/"))
    await replay.get("/console/queue", status=302)


async def test_cross_site_websocket_is_refused(new_client: NewClient, officers: Officers) -> None:
    client = await new_client()
    await client.login("wang", PASSWORD)
    response = await client.client.get("/console/ws", headers={
        "Origin": "http://evil.example", "Upgrade": "websocket", "Connection": "Upgrade",
        "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
    assert response.status == 403
    ws = await client.client.ws_connect("/console/ws")
    await ws.close()
