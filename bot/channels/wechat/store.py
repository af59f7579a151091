"""What the WeChat channel keeps in our database (tables in ``models``).

* ``wechat_seen_messages`` — the dedupe key of every message/event already taken (MsgId,
  or FromUserName + CreateTime for events), so a retried or replayed push is answered
  once, also across a restart. Keys older than a day are purged (replays that old are
  refused by their timestamp anyway).
* ``wechat_users`` — per openid: unsubscribed (notifications must stop), why messages
  cannot reach the user right now (48-hour window closed, unsubscribed, blocked), and the
  payloads behind the numbers of the last numbered list shown.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.wechat.models import SeenMessage, WeChatUser
from bot.common.clock import Clock, utc_now
from bot.store.db import session_scope

__all__ = ["SEEN_KEEP", "Arrival", "WeChatStore"]

SEEN_KEEP = timedelta(days=1)


@dataclass(frozen=True)
class Arrival:
    """State read when a user's message arrives."""

    choices: list[str]
    reopened: bool  # the user was unreachable (window closed): pending messages can go now


class WeChatStore:
    """Blocking database access (call it from a worker thread)."""

    def __init__(self, factory: sessionmaker, clock: Clock = utc_now) -> None:
        self._factory = factory
        self._clock = clock

    def _user(self, session: Session, openid: str) -> WeChatUser:
        row = session.get(WeChatUser, openid)
        if row is None:
            row = WeChatUser(openid=openid, updated_at=self._clock())
            session.add(row)
        return row

    # ------------------------------------------------------------ replays
    def first_time(self, key: str) -> bool:
        """Record ``key``; True only for the first caller (the message is processed once)."""
        try:
            with session_scope(self._factory) as session:
                session.add(SeenMessage(key=key[:190], received_at=self._clock()))
        except IntegrityError:
            return False
        return True

    def purge_seen(self, keep: timedelta = SEEN_KEEP) -> int:
        with session_scope(self._factory) as session:
            result = session.execute(delete(SeenMessage)
                                     .where(SeenMessage.received_at < self._clock() - keep))
            return int(result.rowcount or 0)

    # ------------------------------------------------------- subscription
    def subscribe(self, openid: str) -> None:
        with session_scope(self._factory) as session:
            row, now = self._user(session, openid), self._clock()
            row.subscribed_at, row.unsubscribed_at, row.updated_at = now, None, now
            row.unreachable, row.unreachable_at = None, None

    def unsubscribe(self, openid: str) -> None:
        """Notifications to this user must stop (recorded until the user follows again)."""
        with session_scope(self._factory) as session:
            row, now = self._user(session, openid), self._clock()
            row.unsubscribed_at, row.updated_at, row.choices = now, now, None
            row.unreachable, row.unreachable_at = "unsubscribed", now

    # ---------------------------------------------------------- messages
    def arrive(self, openid: str) -> Arrival:
        """A message from the user: the 48-hour window is open again; the current choices."""
        with session_scope(self._factory) as session:
            row = session.get(WeChatUser, openid)
            if row is None:
                return Arrival([], False)
            reopened = row.unreachable == "window_closed"
            if reopened:
                row.unreachable, row.unreachable_at, row.updated_at = None, None, self._clock()
            return Arrival(_choices(row.choices), reopened)

    def set_choices(self, openid: str, payloads: Sequence[str]) -> None:
        """Remember the payloads behind 1…n (an empty list clears them)."""
        value = json.dumps(list(payloads), ensure_ascii=False) if payloads else None
        with session_scope(self._factory) as session:
            if value is None:
                session.execute(update(WeChatUser).where(WeChatUser.openid == openid,
                                                         WeChatUser.choices.isnot(None))
                                .values(choices=None, updated_at=self._clock()))
                return
            row = self._user(session, openid)
            row.choices, row.updated_at = value, self._clock()

    # ------------------------------------------------------- reachability
    def unreachable(self, openid: str) -> str | None:
        """Why messages cannot reach the user now (None: they can)."""
        with session_scope(self._factory) as session:
            row = session.execute(select(WeChatUser.unreachable, WeChatUser.unsubscribed_at)
                                  .where(WeChatUser.openid == openid)).first()
        if row is None:
            return None
        return row[0] or ("unsubscribed" if row[1] is not None else None)

    def mark_unreachable(self, openid: str, reason: str) -> bool:
        """Record why the user cannot be reached; True when this is news (report it once)."""
        with session_scope(self._factory) as session:
            row, now = self._user(session, openid), self._clock()
            if row.unreachable == reason:
                return False
            row.unreachable, row.unreachable_at, row.updated_at = reason, now, now
            return True


def _choices(value: str | None) -> list[str]:
    try:
        loaded = json.loads(value) if value else []
    except ValueError:
        return []
    return [str(item) for item in loaded] if isinstance(loaded, list) else []
