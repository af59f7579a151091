"""Gateway hardening around the console: per-address login limit, client addresses behind
a proxy, signed session cookies, the /console allow-list and a /healthz without URLs."""
from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

import bot.accounts.service as accounts_module
from bot.audit.models import AuditEntry
from bot.console.auth import COOKIE
from bot.gateway.app import create_app
from bot.settings import Settings
from bot.store.db import session_scope
from tests.console.conftest import NewClient
from tests.console.helpers import ConsoleClient, csrf_in
from tests.handoff.fixtures import PASSWORD, Officers, fast_hasher

PROXY = ("127.0.0.1/32",)  # the test client connects from loopback, like nginx would
SECRET = "k" * 20 + "Qz9-x1_Lm2Nb7Vc4"
Gateway = Callable[..., Awaitable[TestClient]]


@pytest.fixture
def make_gateway(console_settings: Settings, aiohttp_client: Any,
                 monkeypatch: pytest.MonkeyPatch) -> Gateway:
    """A gateway with some settings changed."""
    monkeypatch.setattr(accounts_module, "PasswordHasher", fast_hasher)

    async def make(**changes: Any) -> TestClient:
        return await aiohttp_client(create_app(dataclasses.replace(console_settings, **changes)))
    return make


async def browser(aiohttp_client: Any, gateway: TestClient, address: str = "") -> ConsoleClient:
    """Another browser on ``gateway``; behind the trusted proxy from ``address``."""
    headers = {"X-Forwarded-For": address} if address else {}
    return ConsoleClient(await aiohttp_client(gateway.server, headers=headers))


def audit(factory: sessionmaker) -> list[tuple[str, str, str]]:
    with session_scope(factory) as session:
        rows = session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
        return [(e.actor, e.action, e.ip or "") for e in rows]


# ------------------------------------------------------------ per-address login limit
async def test_ten_failed_logins_from_one_address_get_429(new_client: NewClient,
                                                          officers: Officers,
                                                          factory: sessionmaker) -> None:
    client = await new_client()
    names = ["wang", "li", "nobody"]  # spread out: no account reaches its own lockout
    for attempt in range(10):
        await client.login(names[attempt % 3], "wrong-password", expect=401)
    text = await client.login("chief", PASSWORD, expect=429)  # even the right password
    assert "登录失败次数过多" in text and "15分钟后再试" in text
    assert ("wang", "login_throttled", "127.0.0.1") in audit(factory)  # the 10th try
    assert [a for a in audit(factory) if a[0] == "chief"] == []  # not even checked


async def test_429_names_the_wait_and_other_addresses_still_log_in(
        make_gateway: Gateway, aiohttp_client: Any, officers: Officers,
        factory: sessionmaker) -> None:
    gateway = await make_gateway(trusted_proxies=PROXY)
    attacker = await browser(aiohttp_client, gateway, "198.51.100.66")
    for _ in range(10):
        await attacker.login("nobody", "wrong-password", expect=401)
    page = await attacker.client.get("/console/login")
    response = await attacker.client.post("/console/login", allow_redirects=False, data={
        "csrf": csrf_in(await page.text()), "username": "wang", "password": PASSWORD})
    assert response.status == 429 and 0 < int(response.headers["Retry-After"]) <= 900
    officer = await browser(aiohttp_client, gateway, "10.1.2.3")
    await officer.login("wang", PASSWORD)
    assert ("wang", "login", "10.1.2.3") in audit(factory)
    assert ("nobody", "login_failed", "198.51.100.66") in audit(factory)


async def test_forged_forwarded_for_does_not_dodge_the_limit(make_gateway: Gateway,
                                                             aiohttp_client: Any,
                                                             officers: Officers) -> None:
    gateway = await make_gateway()  # no trusted proxy: X-Forwarded-For is ignored
    for attempt in range(10):
        forger = await browser(aiohttp_client, gateway, f"203.0.113.{attempt}")
        await forger.login("nobody", "wrong-password", expect=401)
    forger = await browser(aiohttp_client, gateway, "203.0.113.99")
    await forger.login("wang", PASSWORD, expect=429)


# ------------------------------------------------------------------ signed cookies
def _session_cookie(client: ConsoleClient) -> str:
    jar = client.client.session.cookie_jar.filter_cookies(client.client.make_url("/console/"))
    return jar[COOKIE].value


async def _with_cookie(client: ConsoleClient, value: str) -> ConsoleClient:
    client.client.session.cookie_jar.update_cookies({COOKIE: value},
                                                    client.client.make_url("/console/"))
    return client


async def test_session_cookie_is_signed(new_client: NewClient, officers: Officers) -> None:
    client = await new_client()
    await client.login("wang", PASSWORD)
    value = _session_cookie(client)
    token, _, mac = value.rpartition(".")
    assert token and len(mac) >= 40
    for forged in (token, f"{token}.", f"{token}.{mac[::-1]}", f"x{token}.{mac}"):
        other = await _with_cookie(await new_client(), forged)
        await other.get("/console/queue", status=302)
    same = await _with_cookie(await new_client(), value)
    await same.get("/console/queue")


async def test_changing_session_secret_ends_every_session(make_gateway: Gateway,
                                                          aiohttp_client: Any,
                                                          officers: Officers) -> None:
    first = await make_gateway(session_secret=SECRET)
    client = await browser(aiohttp_client, first)
    await client.login("wang", PASSWORD)
    value = _session_cookie(client)
    again = await browser(aiohttp_client, await make_gateway(session_secret=SECRET))
    await (await _with_cookie(again, value)).get("/console/queue")  # restart, same secret
    rotated = await browser(aiohttp_client, await make_gateway(session_secret=SECRET[::-1]))
    await (await _with_cookie(rotated, value)).get("/console/queue", status=302)


async def test_placeholder_session_secret_is_not_used(make_gateway: Gateway, aiohttp_client: Any,
                                                      officers: Officers) -> None:
    first = await make_gateway(session_secret="CHANGE_ME")
    client = await browser(aiohttp_client, first)
    await client.login("wang", PASSWORD)
    other = await browser(aiohttp_client, await make_gateway(session_secret="CHANGE_ME"))
    await (await _with_cookie(other, _session_cookie(client))).get("/console/queue", status=302)


# ----------------------------------------------------------- /console allow-list
async def test_console_allow_list(make_gateway: Gateway, aiohttp_client: Any) -> None:
    gateway = await make_gateway(trusted_proxies=PROXY, console_allow=("10.0.0.0/8",))
    inside = await browser(aiohttp_client, gateway, "10.20.30.40")
    outside = await browser(aiohttp_client, gateway, "198.51.100.7")
    forged = await browser(aiohttp_client, gateway, "10.0.0.1, 198.51.100.7")
    assert "登录" in await inside.get("/console/login")
    for client in (outside, forged):
        assert "仅限内部网络" in await client.get("/console/login", status=403)
        await client.get("/console/admin/inbox", status=403)
        await client.get("/admin", status=403)
        await client.get("/")  # citizens are not affected
        await client.get("/healthz")


async def test_console_allow_list_without_proxy_uses_the_peer(make_gateway: Gateway) -> None:
    denied = await make_gateway(console_allow=("10.0.0.0/8",))
    response = await denied.get("/console/login", headers={"X-Forwarded-For": "10.0.0.1"})
    assert response.status == 403
    allowed = await make_gateway(console_allow=("127.0.0.0/8",))
    assert (await allowed.get("/console/login")).status == 200


# ------------------------------------------------------------------------ healthz
async def test_healthz_shows_no_internal_addresses(make_gateway: Gateway,
                                                   console_settings: Settings) -> None:
    gateway = await make_gateway(rasa_urls=(console_settings.rasa_url, "http://127.0.0.1:9"))
    response = await gateway.get("/healthz")
    body = await response.json()
    assert response.status == 200
    assert body["status"] == "degraded" and body["database"] == "up"
    assert set(body["rasa"]) == {"rasa-1", "rasa-2"} and body["rasa"]["rasa-2"] == "down"
    text = await response.text()
    assert "http" not in text and "127.0.0.1" not in text and ":9" not in text
