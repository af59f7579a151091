"""Petition channels (《信访工作条例》第十七条: 信息网络、书信、电话、传真、走访).

Faxes are recorded as ``letter`` (written form, 第十九条).
"""
from __future__ import annotations

from enum import StrEnum

__all__ = ["CHANNEL_LABELS", "Channel", "parse_channel"]


class Channel(StrEnum):
    """How the petition reached us."""

    ONLINE = "online"
    LETTER = "letter"
    PHONE = "phone"
    VISIT = "visit"


CHANNEL_LABELS: dict[Channel, str] = {
    Channel.ONLINE: "网上信访",
    Channel.LETTER: "来信",
    Channel.PHONE: "来电",
    Channel.VISIT: "来访",
}

_ALIASES: dict[str, Channel] = {
    "网上": Channel.ONLINE, "网络": Channel.ONLINE, "网上信访": Channel.ONLINE, "信息网络": Channel.ONLINE,
    "web": Channel.ONLINE, "internet": Channel.ONLINE, "telegram": Channel.ONLINE, "chat": Channel.ONLINE,
    "来信": Channel.LETTER, "书信": Channel.LETTER, "信件": Channel.LETTER, "传真": Channel.LETTER,
    "fax": Channel.LETTER, "mail": Channel.LETTER,
    "来电": Channel.PHONE, "电话": Channel.PHONE, "tel": Channel.PHONE,
    "来访": Channel.VISIT, "走访": Channel.VISIT, "visit": Channel.VISIT,
}


def parse_channel(text: str) -> Channel:
    """English key or Chinese name -> ``Channel``; raises ``ValueError`` otherwise."""
    value = (text or "").strip()
    for channel in Channel:
        if value.lower() == channel.value:
            return channel
    if value in _ALIASES or value.lower() in _ALIASES:
        return _ALIASES.get(value) or _ALIASES[value.lower()]
    raise ValueError(f"未知的信访渠道 / unknown channel: {value!r}")
