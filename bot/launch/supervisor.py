"""Run several processes in the foreground with prefixed logs; stop all on Ctrl-C."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

COLOURS = ["\033[36m", "\033[35m", "\033[33m", "\033[32m", "\033[34m"]
RESET = "\033[0m"


@dataclass
class Service:
    """One supervised process."""

    name: str
    argv: Sequence[str]
    env: dict[str, str] = field(default_factory=dict)
    process: asyncio.subprocess.Process | None = None


async def _pump(service: Service, colour: str) -> None:
    assert service.process and service.process.stdout  # noqa: S101 - started with stdout=PIPE
    prefix = f"{colour}{service.name:>9} |{RESET} " if sys.stdout.isatty() else f"{service.name:>9} | "
    async for line in service.process.stdout:
        sys.stdout.write(prefix + line.decode("utf-8", "replace"))
        sys.stdout.flush()


async def start_service(service: Service) -> None:
    service.process = await asyncio.create_subprocess_exec(
        *service.argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, **service.env},
        start_new_session=True,
    )


def _process(service: Service) -> asyncio.subprocess.Process:
    """The process of a started service."""
    if service.process is None:
        raise RuntimeError(f"{service.name} was not started")
    return service.process


async def stop_services(services: list[Service], grace: float = 10.0) -> None:
    running = [s.process for s in services if s.process and s.process.returncode is None]
    for process in running:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        await asyncio.wait_for(asyncio.gather(*(p.wait() for p in running)), grace)
    except TimeoutError:
        for process in running:
            if process.returncode is None:
                os.killpg(process.pid, signal.SIGKILL)


async def supervise(services: list[Service]) -> int:
    """Start all services; when any exits or a signal arrives, stop all."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    for service in services:
        await start_service(service)
    pumps = [asyncio.create_task(_pump(s, COLOURS[i % len(COLOURS)])) for i, s in enumerate(services)]
    waits = [asyncio.create_task(_process(s).wait()) for s in services]
    stopper = asyncio.create_task(stop.wait())
    _done, _ = await asyncio.wait([*waits, stopper], return_when=asyncio.FIRST_COMPLETED)
    exited = [s for s in services if _process(s).returncode is not None]
    for service in exited:
        print(f"{service.name} exited with code {_process(service).returncode}; stopping everything")
    await stop_services(services)
    await asyncio.gather(*pumps, return_exceptions=True)
    stopper.cancel()
    return 0 if not exited else 1
