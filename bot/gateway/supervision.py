"""The hourly deadline check (督办) in the gateway: one loop per process, started and
stopped by the app's ``cleanup_ctx`` like the notification worker (``bot.gateway.notify``).
A database lease (``job_leases``, ``Supervision.try_lease``) lets only one gateway
instance run each hourly check; the others skip it.  When the officers' Telegram group
is configured, the instance that ran the check posts one short summary there (case
numbers and deadlines only, no personal data)."""
from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import AsyncIterator, Awaitable, Callable, Optional

from aiohttp import web

from bot.cases.supervision import DeadlineItem, Supervision
from bot.channels.telegram import webhook_refused
from bot.channels.telegram.application import officers_chat_id
from bot.common.clock import Clock, utc_now
from bot.gateway.handoff import _telegram_bot
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
    send: Optional[Send] = None
    interval: timedelta = CHECK_INTERVAL
    holder: str = field(default_factory=lambda: f"gw-{secrets.token_hex(6)}")
    first_delay: float = 60.0  # seconds after start-up (the gateway settles first)

    async def run_once(self) -> Optional[list[DeadlineItem]]:
        """The check's items, or ``None`` when another instance holds this hour's lease."""
        if not await asyncio.to_thread(self.supervision.try_lease, LEASE_NAME, self.holder,
                                       self.interval):
            return None
        items = await asyncio.to_thread(self.supervision.check)
        if items and self.send is not None:
            try:
                await self.send(summary_text(items))
            except Exception as error:
                log.warning("deadline summary not sent to the officers' group: %s",
                            type(error).__name__)
        return items

    async def run_forever(self) -> None:
        await asyncio.sleep(self.first_delay)
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("deadline check failed: %s", type(error).__name__)
            # Try again well within the lease, so a stopped holder is replaced within the hour.
            await asyncio.sleep(self.interval.total_seconds() / 4)


def _telegram_sender(app: web.Application) -> Optional[Send]:
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

    async def run(_: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(check.run_forever(), name="deadline-check")
        yield
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    app.cleanup_ctx.append(run)
    return check
