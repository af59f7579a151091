"""A fake of WeChat's server API (stable_token, 客服消息, menu) on 127.0.0.1, and a
simulated WeChat server that signs (and in 安全模式 encrypts) pushes exactly as WeChat
does, using wechatpy's crypto."""
from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import xmltodict
from aiohttp import web
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from tests.loopback_server import LoopbackServer

APP_ID = "wx0123456789abcdef"
APP_SECRET = "0123456789abcdef0123456789abcdef"  # 32 characters like WeChat's
TOKEN = "T0kenForTheWeChatChannelTests123"  # 32 characters (WeChat's maximum)
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters
ACCOUNT = "gh_0123456789ab"

JSON = dict[str, Any]


@dataclass
class Sent:
    openid: str
    text: str
    token: str


@dataclass
class FakeWeChatApi(LoopbackServer):
    """Records every call; ``closed`` openids get 45015, ``unfollowed`` 43004;
    ``expire_token()`` makes the current token invalid (40001) once."""

    sent: list[Sent] = field(default_factory=list)
    menus: list[JSON] = field(default_factory=list)
    token_requests: list[JSON] = field(default_factory=list)
    closed: set[str] = field(default_factory=set)
    unfollowed: set[str] = field(default_factory=set)
    busy_next: int = 0  # answer -1 (system busy) to the next N sends
    errors_5xx_next: int = 0
    refused: list[tuple[str, int]] = field(default_factory=list)  # (openid, errcode)

    def __post_init__(self) -> None:
        self.port = 0
        self._runner = None
        self._counter = itertools.count(1)
        self.valid_tokens: set[str] = set()
        self._changed = asyncio.Condition()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def expire_token(self) -> None:
        self.valid_tokens.clear()

    def texts_to(self, openid: str) -> list[str]:
        return [item.text for item in self.sent if item.openid == openid]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> None:
        async def waiting() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)
        await asyncio.wait_for(waiting(), timeout)

    async def wait_sent(self, openid: str, count: int = 1) -> list[str]:
        await self.wait_for(lambda: len(self.texts_to(openid)) >= count)
        return self.texts_to(openid)

    async def _token(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.token_requests.append(body)
        if body.get("appid") != APP_ID or body.get("secret") != APP_SECRET:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        token = f"ACCESS_{next(self._counter)}_{secrets.token_hex(4)}"
        self.valid_tokens.add(token)
        return web.json_response({"access_token": token, "expires_in": 7200})

    def _check_token(self, request: web.Request) -> web.Response | None:
        if request.query.get("access_token") not in self.valid_tokens:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        return None

    async def _send(self, request: web.Request) -> web.Response:
        refused = self._check_token(request)
        if refused is not None:
            return refused
        if self.errors_5xx_next:
            self.errors_5xx_next -= 1
            return web.Response(status=502, text="bad gateway")
        if self.busy_next:
            self.busy_next -= 1
            return web.json_response({"errcode": -1, "errmsg": "system error"})
        body = json.loads(await request.text())
        openid, text = body["touser"], body["text"]["content"]
        assert body["msgtype"] == "text"
        assert len(text.encode("utf-8")) <= 2048, "WeChat refuses texts over 2048 bytes"
        for codes, code in ((self.closed, 45015), (self.unfollowed, 43004)):
            if openid in codes:
                self.refused.append((openid, code))
                await self._notify()
                return web.json_response({"errcode": code, "errmsg": "refused"})
        self.sent.append(Sent(openid, text, request.query["access_token"]))
        await self._notify()
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _menu(self, request: web.Request) -> web.Response:
        refused = self._check_token(request)
        if refused is not None:
            return refused
        self.menus.append(json.loads(await request.text()))
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    def build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/cgi-bin/stable_token", self._token)
        app.router.add_post("/cgi-bin/message/custom/send", self._send)
        app.router.add_post("/cgi-bin/menu/create", self._menu)
        return app


# ------------------------------------------------------------------ pushes
def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return str(signer.signature)


def cdata(value: str) -> str:
    return f"<![CDATA[{value}]]>"


def message_xml(openid: str, msg_type: str, created: int | None = None,
                msg_id: int | None = None, **fields: Any) -> str:
    """The XML WeChat pushes (text, voice, image, location, link, event …)."""
    parts = [f"<ToUserName>{cdata(ACCOUNT)}</ToUserName>",
             f"<FromUserName>{cdata(openid)}</FromUserName>",
             f"<CreateTime>{created or int(time.time())}</CreateTime>",
             f"<MsgType>{cdata(msg_type)}</MsgType>"]
    for name, value in fields.items():
        parts.append(f"<{name}>{cdata(str(value)) if isinstance(value, str) else value}</{name}>")
    if msg_id is not None:
        parts.append(f"<MsgId>{msg_id}</MsgId>")
    return "<xml>" + "".join(parts) + "</xml>"


_ids = itertools.count(int(time.time()) * 1000)


def text_xml(openid: str, text: str, msg_id: int | None = None) -> str:
    return message_xml(openid, "text", Content=text, msg_id=msg_id or next(_ids))


def event_xml(openid: str, event: str, key: str = "", created: int | None = None) -> str:
    fields: dict[str, Any] = {"Event": event}
    if key:
        fields["EventKey"] = key
    return message_xml(openid, "event", created=created, **fields)


@dataclass
class Answer:
    status: int
    body: str
    query: dict[str, str]

    def reply_text(self) -> str:
        """The Content of a passive text reply (decrypted in 安全模式)."""
        assert self.status == 200, self.body
        data = xmltodict.parse(self.body)["xml"]
        if "Encrypt" in data:
            crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
            data = xmltodict.parse(crypto.decrypt_message(
                self.body, data["MsgSignature"], data["TimeStamp"], data["Nonce"]))["xml"]
        assert data["MsgType"] == "text"
        return str(data["Content"])


class WeChatServer:
    """Posts to the gateway's ``/wechat`` as WeChat's servers do."""

    def __init__(self, base_url: str, token: str = TOKEN, encrypted: bool = False,
                 aes_key: str = AES_KEY, app_id: str = APP_ID) -> None:
        self.url = base_url + "/wechat"
        self.token = token
        self.encrypted = encrypted
        self.crypto = WeChatCrypto(token, aes_key, app_id)

    def signed_query(self, timestamp: int | None = None, **extra: str) -> dict[str, str]:
        stamp, nonce = str(timestamp or int(time.time())), secrets.token_hex(5)
        return {"signature": sign(self.token, stamp, nonce), "timestamp": stamp,
                "nonce": nonce, **extra}

    async def verify(self, echostr: str, query: dict[str, str] | None = None) -> Answer:
        query = query if query is not None else self.signed_query(echostr=echostr)
        async with aiohttp.ClientSession() as session, session.get(self.url, params=query) as response:
            return Answer(response.status, await response.text(), query)

    def envelope(self, xml: str, openid: str,
                 timestamp: int | None = None) -> tuple[dict[str, str], bytes]:
        query = self.signed_query(timestamp, openid=openid)
        if not self.encrypted:
            return query, xml.encode("utf-8")
        sealed = self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"])
        data = xmltodict.parse(sealed)["xml"]
        body = (f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName>"
                f"<Encrypt>{cdata(data['Encrypt'])}</Encrypt></xml>")
        query.update(encrypt_type="aes", msg_signature=data["MsgSignature"])
        return query, body.encode("utf-8")

    async def post(self, xml: str, openid: str = "", timestamp: int | None = None,
                   query: dict[str, str] | None = None, body: bytes | None = None) -> Answer:
        if query is None or body is None:
            query, body = self.envelope(xml, openid, timestamp)
        async with aiohttp.ClientSession() as session, session.post(self.url, params=query, data=body,
                                headers={"Content-Type": "text/xml"}) as response:
            return Answer(response.status, await response.text(), query)

    async def text(self, openid: str, text: str, msg_id: int | None = None) -> Answer:
        return await self.post(text_xml(openid, text, msg_id), openid)

    async def event(self, openid: str, event: str, key: str = "",
                    created: int | None = None) -> Answer:
        return await self.post(event_xml(openid, event, key, created), openid)
