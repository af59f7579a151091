"""Run several processes in the foreground with prefixed logs; stop all on Ctrl-C."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

COLOURS = ["\033[36m", "\033[35m", "\033[33m", "\033[32m", "\033[34m"]
RESET = "\033[0m"


@dataclass
class Service:
    """One supervised process."""

    name: str
    argv: Sequence[str]
    env: Dict[str, str] = field(default_factory=dict)
    process: Optional[asyncio.subprocess.Process] = None


async def _pump(service: Service, colour: str) -> None:
    assert service.process and service.process.stdout
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


async def stop_services(services: List[Service], grace: float = 10.0) -> None:
    running = [s for s in services if s.process and s.process.returncode is None]
    for service in running:
        os.killpg(service.process.pid, signal.SIGTERM)
    try:
        await asyncio.wait_for(asyncio.gather(*(s.process.wait() for s in running)), grace)
    except asyncio.TimeoutError:
        for service in running:
            if service.process.returncode is None:
                os.killpg(service.process.pid, signal.SIGKILL)


async def supervise(services: List[Service]) -> int:
    """Start all services; when any exits or a signal arrives, stop all."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    for service in services:
        await start_service(service)
    pumps = [asyncio.create_task(_pump(s, COLOURS[i % len(COLOURS)])) for i, s in enumerate(services)]
    waits = [asyncio.create_task(s.process.wait()) for s in services]
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait(waits + [stopper], return_when=asyncio.FIRST_COMPLETED)
    exited = [s for s in services if s.process.returncode is not None]
    for service in exited:
        print(f"{service.name} exited with code {service.process.returncode}; stopping everything")
    await stop_services(services)
    await asyncio.gather(*pumps, return_exceptions=True)
    stopper.cancel()
    return 0 if not exited else 1
