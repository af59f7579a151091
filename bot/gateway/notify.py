"""Wiring the notification worker (``bot.notify``) into the gateway: one loop per
process, started and stopped by the app's ``cleanup_ctx``; web chat rows wait until the
citizen's page is open (the same reachability the handoff uses)."""
from __future__ import annotations

import asyncio
from typing import AsyncIterator, Optional

from aiohttp import web

from bot.common.clock import Clock, utc_now
from bot.gateway.handoff import _webchat_reachable
from bot.notify.commands import subscription_commands
from bot.notify.outbox import OutboxStore
from bot.notify.worker import NotifyWorker, WorkerPolicy
from bot.web.keys import DELIVERY_KEY, FACTORY_KEY, ROUTER_KEY

__all__ = ["NOTIFY_WORKER", "setup_notify"]

NOTIFY_WORKER = web.AppKey("notify_worker", NotifyWorker)


def setup_notify(app: web.Application, *, clock: Clock = utc_now,
                 policy: Optional[WorkerPolicy] = None) -> NotifyWorker:
    """Create the worker on the handoff's database (call after ``setup_handoff``)."""
    store = OutboxStore(app[FACTORY_KEY], clock)
    worker = NotifyWorker(store, app[DELIVERY_KEY],
                          reachable=_webchat_reachable(app), policy=policy or WorkerPolicy())
    app[NOTIFY_WORKER] = worker
    for name, command in subscription_commands(store).items():  # 退订通知 / 恢复通知
        app[ROUTER_KEY].add_command(name, command)

    async def run(_: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(worker.run_forever(), name="notify-worker")
        yield
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    app.cleanup_ctx.append(run)
    return worker
