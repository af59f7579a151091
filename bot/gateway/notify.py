"""Wiring the notification worker (``bot.notify``) into the gateway.

One loop per process, started and stopped with the app (``run_with_app``); web chat rows
wait until the citizen's page is open (the same reachability the handoff uses).
"""
from __future__ import annotations

from aiohttp import web

from bot.common.clock import Clock, utc_now
from bot.gateway.handoff import _webchat_reachable
from bot.gateway.jobs import run_with_app
from bot.notify.commands import subscription_commands
from bot.notify.outbox import OutboxStore
from bot.notify.worker import NotifyWorker, WorkerPolicy
from bot.web.keys import DELIVERY_KEY, FACTORY_KEY, ROUTER_KEY

__all__ = ["NOTIFY_WORKER", "setup_notify"]

NOTIFY_WORKER = web.AppKey("notify_worker", NotifyWorker)


def setup_notify(app: web.Application, *, clock: Clock = utc_now,
                 policy: WorkerPolicy | None = None) -> NotifyWorker:
    """Create the worker on the handoff's database (call after ``setup_handoff``)."""
    store = OutboxStore(app[FACTORY_KEY], clock)
    worker = NotifyWorker(store, app[DELIVERY_KEY],
                          reachable=_webchat_reachable(app), policy=policy or WorkerPolicy())
    app[NOTIFY_WORKER] = worker
    for name, command in subscription_commands(store).items():  # 退订通知 / 恢复通知
        app[ROUTER_KEY].add_command(name, command)
    run_with_app(app, worker.run_forever, "notify-worker")
    return worker
