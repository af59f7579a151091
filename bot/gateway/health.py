"""/healthz and /metrics.

``/healthz`` always answers 200 while the gateway runs (it keeps answering
citizens, with the busy reply if need be) and reports each dependency by name only —
it is public, so no URL or internal address appears:
``{"status": "ok"|"degraded", "rasa": {"rasa-1": "up"|"down", …}, "database": "up"|"down"}``
(``rasa-N`` is the N-th entry of ``RASA_URLS``).
``/metrics`` is Prometheus text format 0.0.4 from ``prometheus_client`` (the app's own
registry, :mod:`bot.gateway.metrics`). It needs no login: in production nginx exposes
it to the monitoring network only (deploy/nginx/jiaojing.conf.template).
"""
from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from bot.conversation.journal import MessageJournal
from bot.gateway.metrics import (
    CONTENT_TYPE,
    HANDOFFS_ASSIGNED,
    HANDOFFS_WAITING,
    JOURNAL_SPOOLED,
    Cached,
    Metrics,
)
from bot.web.keys import JOURNAL_KEY, METRICS_KEY, RUNTIME_KEY, SETTINGS_KEY

CHECK_TIMEOUT = aiohttp.ClientTimeout(total=2)


async def _rasa_up(session: aiohttp.ClientSession, url: str) -> bool:
    try:
        async with session.get(url + "/") as response:  # Rasa's root needs no token
            return response.status == 200
    except (TimeoutError, aiohttp.ClientError):
        return False


def _database_up(journal: MessageJournal | None) -> bool | None:
    if journal is None:
        return None
    try:
        journal.ping()
    except Exception:  # noqa: BLE001 - any failure means "down"
        return False
    return True


async def healthz(request: web.Request) -> web.Response:
    urls = request.app[SETTINGS_KEY].rasa_backends
    async with aiohttp.ClientSession(timeout=CHECK_TIMEOUT) as session:
        states = await asyncio.gather(*(_rasa_up(session, url) for url in urls))
    rasa: dict[str, str] = {f"rasa-{index}": "up" if up else "down"
                            for index, up in enumerate(states, start=1)}
    database = await asyncio.to_thread(_database_up, request.app.get(JOURNAL_KEY))
    healthy = all(states) and database is not False
    body: dict[str, object] = {"status": "ok" if healthy else "degraded", "rasa": rasa}
    if database is not None:
        body["database"] = "up" if database else "down"
    return web.json_response(body)


async def metrics(request: web.Request) -> web.Response:
    registry: Metrics = request.app[METRICS_KEY]
    body = await asyncio.to_thread(registry.render)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


async def _register_gauges(app: web.Application) -> None:
    """After every part is set up: gauges for what exists (handoffs, the journal)."""
    registry: Metrics = app[METRICS_KEY]
    runtime = app.get(RUNTIME_KEY)
    if runtime is not None:
        counts = Cached(runtime.service.counts)
        registry.gauge(HANDOFFS_WAITING, lambda: counts()["waiting"],
                       "Handoffs waiting for an officer")
        registry.gauge(HANDOFFS_ASSIGNED, lambda: counts()["assigned"],
                       "Handoffs an officer is handling")
    journal = app.get(JOURNAL_KEY)
    if journal is not None:
        registry.gauge(JOURNAL_SPOOLED, journal.spooled,
                       "Journaled messages kept locally until the database is back")


def setup_health(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.on_startup.append(_register_gauges)  # type: ignore[arg-type]  # aiohttp 3.9's Signal vs aiosignal 1.4
