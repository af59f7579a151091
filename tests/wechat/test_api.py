"""The API client: cached access token, refresh when WeChat rejects it, retries."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.channels.wechat.api import Unreachable, WeChatApi, WeChatApiError
from tests.wechat.fake_wechat import APP_ID, APP_SECRET, FakeWeChatApi

USER = "oUser_api_00000000000000003"


@pytest.fixture
async def client(wechat_api: FakeWeChatApi) -> AsyncIterator[WeChatApi]:
    delays: list[float] = []

    async def no_wait(delay: float) -> None:
        delays.append(delay)

    api = WeChatApi(wechat_api.url, APP_ID, APP_SECRET, sleep=no_wait, retries=3)
    api.delays = delays  # type: ignore[attr-defined]
    try:
        yield api
    finally:
        await api.close()


async def test_the_token_is_cached_and_refreshed_when_rejected(
        client: WeChatApi, wechat_api: FakeWeChatApi) -> None:
    await client.send_text(USER, "一")
    await client.send_text(USER, "二")
    assert len(wechat_api.token_requests) == 1
    wechat_api.expire_token()
    await client.send_text(USER, "三")
    assert len(wechat_api.token_requests) == 2
    assert wechat_api.texts_to(USER) == ["一", "二", "三"]
    assert wechat_api.sent[1].token != wechat_api.sent[2].token


async def test_busy_and_5xx_are_retried_with_backoff(client: WeChatApi,
                                                     wechat_api: FakeWeChatApi) -> None:
    wechat_api.busy_next, wechat_api.errors_5xx_next = 1, 1
    await client.send_text(USER, "重试后送达")
    assert wechat_api.texts_to(USER) == ["重试后送达"]
    assert len(client.delays) == 2  # type: ignore[attr-defined]


async def test_a_closed_window_is_reported_not_retried(client: WeChatApi,
                                                       wechat_api: FakeWeChatApi) -> None:
    wechat_api.closed.add(USER)
    with pytest.raises(Unreachable) as raised:
        await client.send_text(USER, "超过48小时")
    assert raised.value.window_closed
    assert wechat_api.refused == [(USER, 45015)]


async def test_a_wrong_secret_is_an_error(wechat_api: FakeWeChatApi) -> None:
    api = WeChatApi(wechat_api.url, APP_ID, "wrong-secret-wrong-secret-wrong-", retries=0)
    try:
        with pytest.raises(WeChatApiError) as raised:
            await api.send_text(USER, "x")
    finally:
        await api.close()
    assert raised.value.errcode == 40125
