"""ORM models of the WeChat channel (see ``bot.channels.wechat.store``)."""
from __future__ import annotations

from sqlalchemy import Column, DateTime, String, Text

from bot.store.db import Base

__all__ = ["SeenMessage", "WeChatUser"]


class SeenMessage(Base):
    """A pushed message or event that has been taken (its dedupe key)."""

    __tablename__ = "wechat_seen_messages"

    key = Column(String(190), primary_key=True)
    received_at = Column(DateTime, nullable=False, index=True)


class WeChatUser(Base):
    """One follower of the 公众号 (by openid)."""

    __tablename__ = "wechat_users"

    openid = Column(String(64), primary_key=True)
    subscribed_at = Column(DateTime, nullable=True)
    unsubscribed_at = Column(DateTime, nullable=True)  # set: send nothing any more
    unreachable = Column(String(32), nullable=True)  # window_closed | unsubscribed | blocked
    unreachable_at = Column(DateTime, nullable=True)
    choices = Column(Text, nullable=True)  # JSON list of payloads behind 1…n
    updated_at = Column(DateTime, nullable=False)
