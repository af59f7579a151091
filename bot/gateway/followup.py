"""Wiring 回访 (``bot.followup``) into the gateway.

The planning job on the app's job runner, the interceptor that takes answers, and the
question's buttons on the notification worker (call after ``setup_notify`` and
``setup_supervision``).
"""
from __future__ import annotations

import asyncio
from datetime import timedelta

from aiohttp import web

from bot.common.clock import Clock, utc_now
from bot.conversation.router import Outcome
from bot.followup.responder import FollowupResponder
from bot.followup.service import KIND, FollowupService
from bot.gateway.jobs import LeasedJob, job_runner
from bot.gateway.notify import NOTIFY_WORKER
from bot.web.keys import FACTORY_KEY, FOLLOWUP_KEY, ROUTER_KEY, SETTINGS_KEY, SUPERVISION_KEY

__all__ = ["PLAN_INTERVAL", "setup_followup"]

PLAN_INTERVAL = timedelta(minutes=10)
LEASE_NAME = "followup_plan"


def setup_followup(app: web.Application, *, clock: Clock = utc_now) -> FollowupService:
    delay = timedelta(hours=app[SETTINGS_KEY].followup_delay_hours)
    service = FollowupService(app[FACTORY_KEY], clock, delay=delay)
    app[FOLLOWUP_KEY] = service
    app[NOTIFY_WORKER].buttons[KIND] = service.texts.question_buttons()
    app[ROUTER_KEY].add_interceptor(FollowupResponder(service), Outcome.FOLLOWUP)

    async def plan() -> int:
        return await asyncio.to_thread(service.plan)

    job_runner(app).add(LeasedJob(LEASE_NAME, plan, app[SUPERVISION_KEY].try_lease, PLAN_INTERVAL))
    return service
