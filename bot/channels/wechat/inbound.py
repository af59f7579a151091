"""What a WeChat user sent.

The XML pushed to the server URL, parsed by wechatpy into one channel-neutral
:class:`Incoming`; and the passive text reply to it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace

from wechatpy import parse_message
from wechatpy.replies import TextReply

__all__ = ["Incoming", "ParseError", "parse_incoming", "passive_text_xml"]

MAX_XML_BYTES = 64 * 1024


class ParseError(ValueError):
    """The (correctly signed) body is not a message we can read."""


@dataclass(frozen=True)
class Incoming:
    """One message or event.

    ``kind``: text, voice, image, video, location, link, file, unknown, or ``event``
    (then ``event`` is subscribe, unsubscribe, click, view, scan, …).
    """

    kind: str
    openid: str  # FromUserName: the user, unique per 公众号
    account: str  # ToUserName: our 公众号's original id (gh_…)
    created: int  # CreateTime, seconds since the epoch
    msg_id: str = ""
    text: str = ""  # text content, or a voice message's recognition result
    event: str = ""
    event_key: str = ""

    @property
    def dedupe_key(self) -> str:
        """WeChat's advice: MsgId for messages, FromUserName + CreateTime for events."""
        if self.msg_id:
            return f"m:{self.msg_id}"
        return f"e:{self.openid}:{self.created}:{self.event}:{self.event_key}"[:190]


def parse_incoming(xml: str) -> Incoming:
    """Parse the pushed XML; raises :class:`ParseError` for anything unreadable."""
    if len(xml.encode("utf-8")) > MAX_XML_BYTES:
        raise ParseError("message too large")
    try:
        message = parse_message(xml)
    except Exception as error:
        raise ParseError(f"unreadable XML: {type(error).__name__}") from error
    openid = str(getattr(message, "source", "") or "")
    if not openid:
        raise ParseError("no FromUserName")
    kind = str(getattr(message, "type", "") or "unknown")
    base = Incoming("unknown", openid, str(getattr(message, "target", "") or ""),
                    _created(getattr(message, "_data", {}).get("CreateTime")),
                    str(getattr(message, "id", "") or ""))
    if kind == "event":
        return replace(base, kind="event", event=str(getattr(message, "event", "") or "").lower(),
                       event_key=str(getattr(message, "key", "") or ""))
    if kind == "text":
        return replace(base, kind="text", text=str(getattr(message, "content", "") or ""))
    if kind == "voice":
        return replace(base, kind="voice", text=str(getattr(message, "recognition", "") or ""))
    if kind == "shortvideo":
        kind = "video"
    known = ("image", "video", "location", "link", "file")
    return replace(base, kind=kind if kind in known else "unknown")


def _created(value: object) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0


def passive_text_xml(incoming: Incoming, text: str, now: float | None = None) -> str:
    """The passive reply XML (text message) to ``incoming``."""
    reply = TextReply(source=incoming.account, target=incoming.openid, content=text,
                      time=int(now if now is not None else time.time()))
    return str(reply.render())
