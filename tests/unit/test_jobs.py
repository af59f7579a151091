"""The gateway's job runner: each job runs where its lease is taken; a failing job does
not stop the others; the tick is a quarter of the shortest interval."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.gateway.jobs import JobRunner, LeasedJob


class Leases:
    """A stand-in for the ``job_leases`` table: one holder per name until released."""

    def __init__(self) -> None:
        self.holders: dict[str, str] = {}

    def try_lease(self, name: str, holder: str, ttl: timedelta) -> bool:
        return self.holders.setdefault(name, holder) == holder and ttl > timedelta(0)


def test_each_job_runs_once_across_instances_and_failures_are_contained() -> None:
    leases, ran = Leases(), []

    async def plan() -> int:
        ran.append("plan")
        return 2

    async def broken() -> None:
        ran.append("broken")
        raise RuntimeError("database down")

    def runner(holder: str) -> JobRunner:
        jobs = JobRunner(first_delay=0)
        jobs.add(LeasedJob("broken", broken, leases.try_lease, timedelta(hours=1), holder))
        jobs.add(LeasedJob("plan", plan, leases.try_lease, timedelta(minutes=10), holder))
        return jobs

    one, two = runner("gw-one"), runner("gw-two")
    assert asyncio.run(one.run_due()) == {"plan": 2}  # the broken job is logged, not raised
    assert asyncio.run(two.run_due()) == {"broken": None, "plan": None}  # leases held by one
    assert ran == ["broken", "plan"]
    assert one.tick_seconds() == 150.0
