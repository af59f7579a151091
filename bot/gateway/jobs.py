"""The gateway's one job runner: periodic jobs, each run by one instance per interval.

A job (the hourly deadline check of 督办, the 回访 planning) runs only where its database
lease (``job_leases``, ``Supervision.try_lease``) could be taken, so several gateways
never run it twice in one interval.  One task per process ticks the runner, started and
stopped with the app (``start_job_runner``); a failing job is logged and tried again on
a later tick, without stopping the others.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiohttp import web

from bot.web.keys import JOB_RUNNER_KEY

__all__ = ["JobRunner", "LeasedJob", "TryLease", "job_runner", "run_with_app"]

log = logging.getLogger(__name__)

TryLease = Callable[[str, str, timedelta], bool]  # (name, holder, ttl) -> taken


def _holder() -> str:
    return f"gw-{secrets.token_hex(6)}"


@dataclass
class LeasedJob:
    """``work`` at most once per ``interval`` across every gateway sharing the database."""

    name: str
    work: Callable[[], Awaitable[Any]]
    try_lease: TryLease
    interval: timedelta
    holder: str = field(default_factory=_holder)

    async def run_once(self) -> Any | None:
        """The work's result, or ``None`` when another instance holds this interval's lease."""
        if not await asyncio.to_thread(self.try_lease, self.name, self.holder, self.interval):
            return None
        return await self.work()


class JobRunner:
    """Ticks every registered job.

    A tick is a quarter of the shortest interval, so a stopped lease holder is replaced
    well within one interval.
    """

    def __init__(self, first_delay: float = 60.0) -> None:
        self.jobs: list[LeasedJob] = []
        self.first_delay = first_delay  # seconds after start-up (the gateway settles first)

    def add(self, job: LeasedJob) -> LeasedJob:
        self.jobs.append(job)
        return job

    async def run_due(self) -> dict[str, Any]:
        """One tick: each job whose lease this instance gets runs; results by name."""
        results: dict[str, Any] = {}
        for job in self.jobs:
            try:
                results[job.name] = await job.run_once()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - one failing job must not stop the others
                log.warning("job %s failed: %s", job.name, type(error).__name__)
        return results

    def tick_seconds(self) -> float:
        return min(job.interval.total_seconds() for job in self.jobs) / 4

    async def run_forever(self) -> None:
        await asyncio.sleep(self.first_delay)
        while True:
            await self.run_due()
            await asyncio.sleep(self.tick_seconds())


def run_with_app(app: web.Application, loop: Callable[[], Coroutine[Any, Any, None]], name: str) -> None:
    """Run ``loop()`` as a task from the app's start to its cleanup (then cancel it)."""

    async def context(_: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(loop(), name=name)
        yield
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    app.cleanup_ctx.append(context)


def job_runner(app: web.Application) -> JobRunner:
    """The app's runner, created (and started with the app) on first use."""
    if JOB_RUNNER_KEY not in app:
        app[JOB_RUNNER_KEY] = JobRunner()
        run_with_app(app, app[JOB_RUNNER_KEY].run_forever, "job-runner")
    runner: JobRunner = app[JOB_RUNNER_KEY]
    return runner
