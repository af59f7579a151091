"""What every custom action shares (financial-demo style).

Async ``run``, blocking work off the event loop, and one polite reply when the
database fails.

The action server runs every action of every conversation on one asyncio event loop.
Database look-ups and Argon2 hashing (query codes) block for tens to hundreds of
milliseconds, so they run in a worker thread (:func:`off_loop`); meanwhile other
conversations' actions keep running.

A database error (SQLAlchemy's ``OperationalError``, ``DBAPIError`` … — all
``SQLAlchemyError``) never reaches Rasa as a stack trace: the citizen gets the domain
response :data:`DATABASE_BUSY_RESPONSE` (what happened and what to do next), the log
gets one line with the error's class name (its message may quote SQL parameters,
i.e. personal data).
"""
from __future__ import annotations

import asyncio
import functools
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from bot.privacy import mask_sender_id

__all__ = ["DATABASE_BUSY_RESPONSE", "DATABASE_ERRORS", "BaseAction", "Events", "off_loop",
           "report_database_error"]

log = logging.getLogger(__name__)

T = TypeVar("T")

# domain.yml: "系统暂时忙不过来……请稍后再试", with what to do meanwhile.
DATABASE_BUSY_RESPONSE = "utter_database_busy"
# OperationalError, DBAPIError, TimeoutError (pool) … all derive from SQLAlchemyError.
DATABASE_ERRORS = (SQLAlchemyError,)

Events = list[dict[str, Any]]


async def off_loop(func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run blocking ``func`` (database, Argon2) in a worker thread; the loop stays free."""
    return await asyncio.to_thread(functools.partial(func, *args, **kwargs))


def report_database_error(dispatcher: CollectingDispatcher, tracker: Tracker, action: str,
                          error: BaseException) -> None:
    """The one way a database error becomes a reply: log one line, answer politely."""
    log.error("%s: database unavailable for %s (%s)", action,
              mask_sender_id(tracker.sender_id or ""), type(error).__name__)
    dispatcher.utter_message(response=DATABASE_BUSY_RESPONSE)


class BaseAction(Action, ABC):
    """An action whose ``run`` is async and turns database errors into the busy reply.

    Subclasses implement :meth:`act` (async; blocking calls through :func:`off_loop`).
    """

    @abstractmethod
    def name(self) -> str:
        """The action's name in domain.yml."""

    @abstractmethod
    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> Events:
        """What the action does (messages through ``dispatcher``, events returned)."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> Events:
        try:
            return await self.act(dispatcher, tracker, domain)
        except DATABASE_ERRORS as error:
            report_database_error(dispatcher, tracker, self.name(), error)
            return self.events_after_database_error()

    def events_after_database_error(self) -> Events:
        """Events to return after the busy reply (none by default: nothing changed)."""
        return []
