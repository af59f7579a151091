"""An async client for the parts of WeChat's server API the channel uses.

* access token: ``POST /cgi-bin/stable_token`` (several gateway processes can share one
  公众号 without invalidating each other's token), cached until shortly before it
  expires, refreshed once when WeChat says it is invalid or expired;
* 客服消息 (``/cgi-bin/message/custom/send``) and the 自定义菜单 (``/cgi-bin/menu/create``).

Network errors, HTTP 5xx and WeChat's "system busy" (-1) are retried with exponential
backoff; other errors raise :class:`WeChatApiError` (:class:`Unreachable` when the user
cannot get messages now: the 48-hour window is closed or the user unsubscribed). The
access token is never logged.
"""
from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

__all__ = ["TOKEN_CODES", "UNREACHABLE_CODES", "Unreachable", "WeChatApi", "WeChatApiError"]

logger = logging.getLogger(__name__)

#: Access token invalid / expired / not the latest.
TOKEN_CODES = frozenset({40001, 40014, 42001, 41001})
#: The user cannot be messaged now: 45015 reply time limit (48-hour window) exceeded,
#: 43004 the user does not follow the account, 43019 the user blocked it.
UNREACHABLE_CODES = frozenset({45015, 43004, 43019})
BUSY_CODE = -1
TOKEN_MARGIN_SECONDS = 300


class WeChatApiError(Exception):
    """WeChat answered with a non-zero ``errcode`` (or not at all, ``errcode`` None)."""

    def __init__(self, errcode: int | None, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class Unreachable(WeChatApiError):
    """The user cannot receive customer-service messages at the moment."""

    @property
    def window_closed(self) -> bool:
        return self.errcode == 45015


Sleep = Callable[[float], Awaitable[None]]


class WeChatApi:
    """One 公众号's API client; safe to share between tasks."""

    def __init__(self, base_url: str, app_id: str, app_secret: str, *, retries: int = 3,
                 base_delay: float = 0.5, max_delay: float = 8.0, timeout_seconds: float = 10.0,
                 sleep: Sleep = asyncio.sleep, clock: Callable[[], float] = time.monotonic) -> None:
        if not (app_id and app_secret):
            raise ValueError("WECHAT_APP_ID and WECHAT_APP_SECRET are required for the API")
        self.base_url = base_url.rstrip("/")
        self.app_id = app_id
        self._secret = app_secret
        self.retries = retries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._sleep = sleep
        self._clock = clock
        self._session: aiohttp.ClientSession | None = None
        self._token = ""
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()

    # ------------------------------------------------------------- plumbing
    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def backoff(self, attempt: int) -> float:
        delay = min(self.max_delay, self.base_delay * 2 ** attempt)
        return float(delay * random.uniform(0.8, 1.2))  # noqa: S311 - retry jitter

    async def _post(self, path: str, body: dict[str, Any],
                    params: dict[str, str] | None = None) -> dict[str, Any]:
        """POST JSON with retries on network errors, 5xx and -1; the answer's JSON."""
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        for attempt in range(self.retries + 1):
            try:
                async with self._http().post(self.base_url + path, data=data, params=params,
                                             headers={"Content-Type": "application/json"}
                                             ) as response:
                    if response.status >= 500:
                        raise aiohttp.ClientResponseError(response.request_info, (),
                                                          status=response.status)
                    answer = await response.json(content_type=None)
            except (TimeoutError, aiohttp.ClientError, ValueError) as error:
                if attempt == self.retries:
                    raise WeChatApiError(None, f"{path} unreachable: "
                                               f"{type(error).__name__}") from error
                await self._retry_wait(path, type(error).__name__, attempt)
                continue
            if not isinstance(answer, dict):
                raise WeChatApiError(None, f"{path}: unexpected answer")
            if answer.get("errcode") == BUSY_CODE and attempt < self.retries:
                await self._retry_wait(path, "system busy", attempt)
                continue
            return answer
        raise AssertionError("unreachable")

    async def _retry_wait(self, path: str, why: str, attempt: int) -> None:
        delay = self.backoff(attempt)
        logger.warning("WeChat %s failed (%s); retry %d in %.1fs", path, why, attempt + 1, delay)
        await self._sleep(delay)

    # --------------------------------------------------------- access token
    async def access_token(self, force: bool = False) -> str:
        """The cached token; fetched when missing, about to expire or ``force``d."""
        async with self._token_lock:
            if self._token and not force and self._clock() < self._token_expires:
                return self._token
            rejected = self._token if force else ""
            answer = await self._fetch_token(force_refresh=False)
            if rejected and answer.get("access_token") == rejected:
                answer = await self._fetch_token(force_refresh=True)
            token = str(answer.get("access_token") or "")
            if not token:
                raise WeChatApiError(_code(answer), str(answer.get("errmsg") or "no access_token"))
            expires_in = int(answer.get("expires_in") or 7200)
            self._token = token
            self._token_expires = self._clock() + max(60, expires_in - TOKEN_MARGIN_SECONDS)
            logger.info("WeChat access token refreshed (valid %ds)", expires_in)
            return token

    async def _fetch_token(self, force_refresh: bool) -> dict[str, Any]:
        return await self._post("/cgi-bin/stable_token", {
            "grant_type": "client_credential", "appid": self.app_id, "secret": self._secret,
            "force_refresh": force_refresh})

    async def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """An API call with the access token; one token refresh when WeChat rejects it."""
        for attempt in range(2):
            token = await self.access_token(force=attempt > 0)
            answer = await self._post(path, body, {"access_token": token})
            code = _code(answer)
            if code in (None, 0):
                return answer
            if code in TOKEN_CODES and attempt == 0:
                logger.warning("WeChat rejected the access token (%s); refreshing", code)
                continue
            message = str(answer.get("errmsg") or "")
            if code in UNREACHABLE_CODES:
                raise Unreachable(code, message)
            raise WeChatApiError(code, message)
        raise AssertionError("unreachable")

    # ------------------------------------------------------------ endpoints
    async def send_text(self, openid: str, text: str) -> None:
        """One 客服消息 (text; WeChat renders ``<a href>`` links)."""
        await self.call("/cgi-bin/message/custom/send",
                        {"touser": openid, "msgtype": "text", "text": {"content": text}})

    async def create_menu(self, menu: dict[str, Any]) -> None:
        """Replace the 自定义菜单."""
        await self.call("/cgi-bin/menu/create", menu)


def _code(answer: dict[str, Any]) -> int | None:
    try:
        return int(answer["errcode"]) if "errcode" in answer else None
    except (TypeError, ValueError):
        return None
