"""Which chat channel a citizen's sender id belongs to.

Every chat channel enforces the shape of its sender ids: the web chat ``web-…``
(``bot.gateway.webchat.SENDER_PATTERN``), Telegram the numeric chat id, WeChat the
openid (``o`` + 27 characters from ``[A-Za-z0-9_-]``).  Anything else (for example a
REST test sender) has no channel we can push to.
"""
from __future__ import annotations

import re

__all__ = ["TELEGRAM", "WEBCHAT", "WECHAT", "chat_channel_of"]

WEBCHAT, TELEGRAM, WECHAT = "webchat", "telegram", "wechat"

_PATTERNS = (
    (WEBCHAT, re.compile(r"^web-[A-Za-z0-9_-]{8,64}$")),
    (TELEGRAM, re.compile(r"^-?[0-9]{1,20}$")),
    (WECHAT, re.compile(r"^o[A-Za-z0-9_-]{20,40}$")),
)


def chat_channel_of(sender_id: str | None) -> str | None:
    """``webchat`` / ``telegram`` / ``wechat`` for a sender id, or ``None``."""
    value = (sender_id or "").strip()
    for channel, pattern in _PATTERNS:
        if pattern.match(value):
            return channel
    return None
