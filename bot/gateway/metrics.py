"""The gateway's instrumentation, on ``prometheus_client``.

``MeteredRouter`` counts and times every citizen message whatever the channel
(web chat, Telegram, …) from the router's structured result
(:class:`bot.conversation.router.Handled`): ``assistant_messages_total{channel,outcome}``
(the :class:`~bot.conversation.router.Outcome`), ``assistant_reply_seconds``
(histogram), ``assistant_fallbacks_total{channel}`` (the fallback action's signal)
and ``assistant_errors_total{kind}``; ``metrics_middleware`` counts HTTP responses
by status class. Gauges (handoffs waiting, spooled journal entries) are read when
``/metrics`` is scraped.

Every application gets its own :class:`prometheus_client.CollectorRegistry` (never
the process-global one), so several apps in one process — tests — do not clash.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest

from bot.conversation.rasa_client import RasaClient
from bot.conversation.router import ConversationRouter, Handled, Outcome
from bot.web.keys import METRICS_KEY

logger = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
MESSAGES = "assistant_messages_total"
LATENCY = "assistant_reply_seconds"
FALLBACKS = "assistant_fallbacks_total"
ERRORS = "assistant_errors_total"
HTTP_RESPONSES = "gateway_http_responses_total"
HANDOFFS_WAITING = "assistant_handoffs_waiting"
HANDOFFS_ASSIGNED = "assistant_handoffs_assigned"
JOURNAL_SPOOLED = "assistant_journal_spooled"
ERROR_KINDS = ("busy", "no_reply", "exception", "http_5xx")
CHANNELS = ("webchat", "telegram", "wechat")  # their fallback series exist from the start
# Outcomes that are also failures (assistant_errors_total{kind=outcome}).
FAILED_OUTCOMES = (Outcome.BUSY, Outcome.NO_REPLY)
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # text format 0.0.4, what generate_latest writes

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _counter_name(name: str) -> str:
    """prometheus_client adds ``_total`` to a counter's samples itself."""
    return name.removesuffix("_total")


class Metrics:
    """The gateway's metrics in one per-application ``CollectorRegistry``."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.messages = Counter(_counter_name(MESSAGES), "Citizen messages by channel and outcome",
                                ["channel", "outcome"], registry=self.registry)
        self.latency = Histogram(LATENCY, "Time to answer one citizen message (all channels)",
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.fallbacks = Counter(_counter_name(FALLBACKS),
                                 "Messages the bot did not understand (fallback replies)",
                                 ["channel"], registry=self.registry)
        self.errors = Counter(_counter_name(ERRORS), "Failures by kind", ["kind"],
                              registry=self.registry)
        self.http_responses = Counter(_counter_name(HTTP_RESPONSES),
                                      "HTTP responses of the gateway by status class", ["code"],
                                      registry=self.registry)
        for kind in ERROR_KINDS:  # series exist from the start
            self.errors.labels(kind=kind)
        for channel in CHANNELS:
            self.fallbacks.labels(channel=channel)
        self._gauges: dict[str, Gauge] = {}

    def record(self, channel: str, handled: Handled, seconds: float) -> None:
        """One citizen message: its outcome, time to answer and whether it was understood."""
        self.latency.observe(seconds)
        self.messages.labels(channel=channel, outcome=handled.outcome.value).inc()
        if handled.outcome in FAILED_OUTCOMES:
            self.errors.labels(kind=handled.outcome.value).inc()
        if handled.fallback:
            self.fallbacks.labels(channel=channel).inc()

    def gauge(self, name: str, read: Callable[[], float], help: str) -> None:
        """A gauge read at scrape time; a failing read is reported as NaN."""
        def value() -> float:
            try:
                return float(read())
            except Exception:
                logger.warning("metric %s could not be read", name, exc_info=True)
                return math.nan

        gauge = self._gauges.get(name)
        if gauge is None:
            gauge = self._gauges[name] = Gauge(name, help, registry=self.registry)
        gauge.set_function(value)

    def render(self) -> bytes:
        """Prometheus text format 0.0.4 (gauges may block: call from a thread)."""
        return generate_latest(self.registry)


class Cached:
    """Memoise a slow reading (a database count) for ``ttl`` seconds."""

    def __init__(self, read: Callable[[], Any], ttl: float = 5.0) -> None:
        self._read, self._ttl = read, ttl
        self._value: Any = None
        self._at = -math.inf
        self._lock = threading.Lock()

    def __call__(self) -> Any:
        with self._lock:
            if time.monotonic() - self._at > self._ttl:
                self._value, self._at = self._read(), time.monotonic()
            return self._value


class MeteredRouter(ConversationRouter):
    """The conversation router, counted and timed for ``/metrics``.

    Once per message, whichever channel calls :meth:`handle` or :meth:`handle_message`.
    """

    def __init__(self, rasa: RasaClient, metrics: Metrics, **options: Any) -> None:
        super().__init__(rasa, **options)
        self.metrics = metrics

    async def handle_message(self, channel: str, sender_id: str, text: str,
                             metadata: dict[str, Any] | None = None) -> Handled:
        started = time.perf_counter()
        try:
            handled = await super().handle_message(channel, sender_id, text, metadata)
        except Exception:
            self.metrics.errors.labels(kind="exception").inc()
            raise
        self.metrics.record(channel, handled, time.perf_counter() - started)
        return handled


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count HTTP responses by status class; 5xx also count as errors."""
    metrics: Metrics = request.app[METRICS_KEY]

    def count(status: int) -> None:
        metrics.http_responses.labels(code=f"{status // 100}xx").inc()
        if status >= 500:
            metrics.errors.labels(kind="http_5xx").inc()

    try:
        response = await handler(request)
    except web.HTTPException as error:
        count(error.status)
        raise
    count(response.status)
    return response
