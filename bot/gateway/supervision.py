"""The hourly deadline check (督办) in the gateway.

A job of the app's job runner (``bot.gateway.jobs``): a database lease (``job_leases``,
``Supervision.try_lease``) lets only one gateway instance run each hourly check; the
others skip it.  When the officers' Telegram group is configured, the instance that ran
the check posts one short summary there (case numbers and deadlines only, no personal data).
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from aiohttp import web

from bot.cases.supervision import DeadlineItem, Supervision
from bot.channels.telegram import webhook_refused
from bot.channels.telegram.application import officers_chat_id
from bot.common.clock import Clock, utc_now
from bot.gateway.handoff import _telegram_bot
from bot.gateway.jobs import LeasedJob, job_runner
from bot.web.keys import FACTORY_KEY, SETTINGS_KEY, SUPERVISION_KEY

__all__ = ["CHECK_INTERVAL", "LEASE_NAME", "DeadlineCheck", "setup_supervision", "summary_text"]

log = logging.getLogger(__name__)

CHECK_INTERVAL = timedelta(hours=1)
LEASE_NAME = "deadline_check"
Send = Callable[[str], Awaitable[None]]


def summary_text(items: list[DeadlineItem]) -> str:
    """The officers' group message: case numbers, deadlines, handling officer."""
    overdue = [i for i in items if i.overdue]
    soon = [i for i in items if not i.overdue]
    lines = [f"【督办】超期 {len(overdue)} 件，即将到期 {len(soon)} 件"]
    lines += [f"超期{i.days_overdue}天 {i.case_number} {i.deadline.label} "
              f"{i.deadline.due_date.isoformat()} 承办：{i.officer or '—'}" for i in overdue[:20]]
    lines += [f"剩{i.days_left}天 {i.case_number} {i.deadline.label} "
              f"{i.deadline.due_date.isoformat()} 承办：{i.officer or '—'}" for i in soon[:20]]
    return "\n".join(lines)


@dataclass
class DeadlineCheck:
    """Runs ``Supervision.check`` when this instance holds the hourly lease."""

    supervision: Supervision
    send: Send | None = None
    interval: timedelta = CHECK_INTERVAL
    holder: str = field(default_factory=lambda: f"gw-{secrets.token_hex(6)}")

    def job(self) -> LeasedJob:
        """This check as a job of the gateway's runner (``bot.gateway.jobs``)."""
        return LeasedJob(LEASE_NAME, self._check, self.supervision.try_lease, self.interval,
                         self.holder)

    async def run_once(self) -> list[DeadlineItem] | None:
        """The check's items, or ``None`` when another instance holds this hour's lease."""
        result: list[DeadlineItem] | None = await self.job().run_once()
        return result

    async def _check(self) -> list[DeadlineItem]:
        items = await asyncio.to_thread(self.supervision.check)
        if items and self.send is not None:
            try:
                await self.send(summary_text(items))
            except Exception as error:  # noqa: BLE001 - the check itself succeeded
                log.warning("deadline summary not sent to the officers' group: %s",
                            type(error).__name__)
        return items


def _telegram_sender(app: web.Application) -> Send | None:
    settings = app[SETTINGS_KEY]
    chat_id = officers_chat_id(settings)
    if not settings.telegram_bot_token or chat_id is None or webhook_refused(settings):
        return None

    async def send(text: str) -> None:
        bot = _telegram_bot(app)
        if bot is not None:
            await bot.send_message(chat_id, text)

    return send


def setup_supervision(app: web.Application, *, clock: Clock = utc_now) -> DeadlineCheck:
    """Store the ``Supervision`` for the console and start the hourly check loop."""
    supervision = Supervision(app[FACTORY_KEY], clock)
    app[SUPERVISION_KEY] = supervision
    check = DeadlineCheck(supervision, _telegram_sender(app))
    job_runner(app).add(check.job())
    return check
