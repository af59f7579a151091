"""The chat API limits each address and tells the case lookup who is asking."""
from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.gateway.app import create_app
from bot.gateway.ratelimit import TOO_FAST, AddressRateLimiter, ClientKeys
from bot.settings import Settings
from bot.store.migrate import upgrade
from tests.telegram.fake_rasa import FakeRasa

SECRET = "s" * 20 + "-client-keys-test-01"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_burst_then_the_rate() -> None:
    clock = Clock()
    limiter = AddressRateLimiter(per_minute=30, burst=3, clock=clock)
    assert [limiter.allow("203.0.113.7") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("203.0.113.8")  # another address has its own bucket
    clock.now += 2.0  # 30 a minute: one more message every two seconds
    assert limiter.allow("203.0.113.7") and not limiter.allow("203.0.113.7")


def test_loopback_and_a_disabled_limit_are_not_limited() -> None:
    limiter = AddressRateLimiter(per_minute=30, burst=1, clock=Clock())
    assert all(limiter.allow("127.0.0.1") for _ in range(50))
    assert all(limiter.allow("::1") for _ in range(50))
    off = AddressRateLimiter(per_minute=0, burst=1, clock=Clock())
    assert all(off.allow("203.0.113.7") for _ in range(50))


def test_client_keys_are_stable_opaque_and_secret_dependent() -> None:
    keys = ClientKeys(SECRET)
    assert keys.key("203.0.113.7") == ClientKeys(SECRET).key("203.0.113.7")
    assert keys.key("203.0.113.7") != keys.key("203.0.113.8")
    assert "203" not in keys.key("203.0.113.7") and len(keys.key("x")) == 32
    assert ClientKeys(SECRET + "x").key("203.0.113.7") != keys.key("203.0.113.7")


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[tuple]:
    database = f"sqlite:///{tmp_path / 'app.db'}"
    upgrade(database)
    async with FakeRasa() as rasa:
        settings = dataclasses.replace(
            Settings(), database_url=database, rasa_url=rasa.url, telegram_bot_token="",
            session_secret=SECRET, trusted_proxies=("127.0.0.1/32",),
            chat_rate_per_minute=30, chat_burst=3)
        client = TestClient(TestServer(create_app(settings)))
        await client.start_server()
        try:
            yield client, rasa
        finally:
            await client.close()


def forwarded(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


async def test_chat_answers_429_in_chinese_past_the_burst(gateway: tuple) -> None:
    client, rasa = gateway
    body = {"sender": "web-limit0000001", "message": "你好"}
    statuses = [(await client.post("/api/chat", json=body, headers=forwarded("203.0.113.7"))).status
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = await client.post("/api/chat", json=body, headers=forwarded("203.0.113.7"))
    assert (await refused.json())["error"] == TOO_FAST
    assert len(rasa.received) == 3  # refused messages never reach Rasa
    other = await client.post("/api/chat", json=body, headers=forwarded("203.0.113.9"))
    assert other.status == 200


async def test_the_client_key_goes_to_rasa_per_address_not_per_sender(gateway: tuple) -> None:
    client, rasa = gateway
    for sender, address in (("web-aaaaaaaa01", "203.0.113.7"), ("web-bbbbbbbb02", "203.0.113.7"),
                            ("web-cccccccc03", "198.51.100.4")):
        response = await client.post("/api/chat", json={"sender": sender, "message": "查进度"},
                                     headers=forwarded(address))
        assert response.status == 200
    first, second, third = (m["client"] for m in rasa.metadata)
    assert first == second != third  # fresh sender ids, same address: same key
    assert "203.0.113.7" not in first
    await client.post("/api/chat", json={"sender": "web-dddddddd04", "message": "查进度"})
    assert "client" not in rasa.metadata[-1]  # a local tool on loopback is not keyed
