"""A tiny Prometheus text-format registry and the gateway's instrumentation.

``MeteredRouter`` counts and times every citizen message whatever the channel
(web chat, Telegram): ``assistant_messages_total{channel,outcome}``,
``assistant_reply_seconds`` (histogram), ``assistant_fallbacks_total`` and
``assistant_errors_total{kind}``; ``metrics_middleware`` counts HTTP responses
by status class. Gauges (handoffs waiting, spooled journal entries) are read
when ``/metrics`` is scraped.
"""
from __future__ import annotations

import bisect
import math
import threading
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Tuple

from aiohttp import web

from bot.conversation.rasa_client import RasaClient
from bot.conversation.router import (
    BUSY_REPLY,
    EMPTY_REPLY,
    NO_ANSWER_REPLY,
    TOO_LONG_REPLY,
    ConversationRouter,
)
from bot.replies import Reply

LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
MESSAGES = "assistant_messages_total"
LATENCY = "assistant_reply_seconds"
FALLBACKS = "assistant_fallbacks_total"
ERRORS = "assistant_errors_total"
HTTP_RESPONSES = "gateway_http_responses_total"
_FIXED_OUTCOMES = {BUSY_REPLY: "busy", EMPTY_REPLY: "empty_input", TOO_LONG_REPLY: "too_long",
                   NO_ANSWER_REPLY: "no_reply"}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def labels(**pairs: str) -> str:
    """Prometheus label text with escaped values: ``a="x",b="y"``."""
    def escape(value: str) -> str:
        return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')

    return ",".join(f'{key}="{escape(str(value))}"' for key, value in pairs.items())


def _number(value: float) -> str:
    return "NaN" if math.isnan(value) else f"{value:g}"


class Histogram:
    """Cumulative-bucket histogram of observations in seconds."""

    def __init__(self, buckets: Sequence[float] = LATENCY_BUCKETS) -> None:
        self.buckets = tuple(buckets)
        self.counts = [0] * (len(self.buckets) + 1)
        self.total = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.buckets, value)] += 1
        self.total += value
        self.count += 1

    def lines(self, name: str) -> List[str]:
        out, running = [], 0
        for bound, count in zip(self.buckets, self.counts):
            running += count
            out.append(f'{name}_bucket{{le="{bound}"}} {running}')
        out.append(f'{name}_bucket{{le="+Inf"}} {self.count}')
        out += [f"{name}_sum {self.total:.6f}", f"{name}_count {self.count}"]
        return out


class Metrics:
    """Process-local metrics rendered as Prometheus text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counters: Dict[Tuple[str, str], float] = {}
        self.histograms: Dict[str, Histogram] = {}
        self.gauges: Dict[str, Callable[[], float]] = {}
        self.help: Dict[str, str] = {}

    def inc(self, name: str, label: str = "", amount: float = 1.0, help: str = "") -> None:
        with self._lock:
            self.counters[(name, label)] = self.counters.get((name, label), 0.0) + amount
            self.help.setdefault(name, help)

    def observe(self, name: str, seconds: float, help: str = "") -> None:
        with self._lock:
            self.histograms.setdefault(name, Histogram()).observe(seconds)
            self.help.setdefault(name, help)

    def gauge(self, name: str, read: Callable[[], float], help: str = "") -> None:
        """Register a gauge read at scrape time; a failing read is reported as NaN."""
        self.gauges[name] = read
        self.help.setdefault(name, help)

    def render(self) -> str:
        """Prometheus text format 0.0.4 (gauges may block: call from a thread)."""
        lines: List[str] = []
        with self._lock:
            for name in sorted({n for n, _ in self.counters}):
                lines += [f"# HELP {name} {self.help.get(name) or name}", f"# TYPE {name} counter"]
                for (n, label), value in sorted(self.counters.items()):
                    if n == name:
                        lines.append(f"{name}{{{label}}} {value:g}" if label else f"{name} {value:g}")
            for name, histogram in sorted(self.histograms.items()):
                lines += [f"# HELP {name} {self.help.get(name) or name}", f"# TYPE {name} histogram"]
                lines += histogram.lines(name)
        for name, read in sorted(self.gauges.items()):
            try:
                value = float(read())
            except Exception:  # noqa: BLE001 - e.g. the database is down: report NaN
                value = math.nan
            lines += [f"# HELP {name} {self.help.get(name) or name}", f"# TYPE {name} gauge"]
            lines.append(f"{name} {_number(value)}")
        return "\n".join(lines) + "\n"


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


def _fallback_prefixes() -> Tuple[str, ...]:
    """The fallback action's texts (the gateway counts replies that start with them)."""
    try:
        from actions.fallback import FIRST_MISS, SECOND_MISS
    except ImportError:  # pragma: no cover - actions are part of this repository
        return ()
    return (FIRST_MISS, SECOND_MISS)


def outcome_of(replies: List[Reply]) -> str:
    """answered | busy | no_reply | empty_input | too_long | to_officer."""
    if not replies:
        return "to_officer"  # an interceptor (handoff) took the message
    if len(replies) == 1 and replies[0].text in _FIXED_OUTCOMES:
        return _FIXED_OUTCOMES[replies[0].text]
    return "answered"


class MeteredRouter(ConversationRouter):
    """The conversation router, counted and timed for ``/metrics``."""

    def __init__(self, rasa: RasaClient, metrics: Metrics, **options: Any) -> None:
        super().__init__(rasa, **options)
        self.metrics = metrics
        self._fallbacks = _fallback_prefixes()
        for kind in ("busy", "no_reply", "exception", "http_5xx"):  # series exist from the start
            metrics.inc(ERRORS, labels(kind=kind), 0, "Failures by kind")
        for channel in ("webchat", "telegram"):
            metrics.inc(FALLBACKS, labels(channel=channel), 0,
                        "Messages the bot did not understand (fallback replies)")

    async def handle(self, channel: str, sender_id: str, text: str,
                     metadata: Optional[Dict[str, Any]] = None) -> List[Reply]:
        started = time.perf_counter()
        try:
            replies = await super().handle(channel, sender_id, text, metadata)
        except Exception:
            self.metrics.inc(ERRORS, labels(kind="exception"), help="Failures by kind")
            raise
        self.metrics.observe(LATENCY, time.perf_counter() - started,
                             "Time to answer one citizen message (all channels)")
        outcome = outcome_of(replies)
        self.metrics.inc(MESSAGES, labels(channel=channel, outcome=outcome),
                         help="Citizen messages by channel and outcome")
        if outcome in ("busy", "no_reply"):
            self.metrics.inc(ERRORS, labels(kind=outcome), help="Failures by kind")
        if self._fallbacks and any(r.text.startswith(self._fallbacks) for r in replies):
            self.metrics.inc(FALLBACKS, labels(channel=channel),
                             help="Messages the bot did not understand (fallback replies)")
        return replies


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count HTTP responses by status class; 5xx also count as errors."""
    metrics: Metrics = request.app["metrics"]

    def count(status: int) -> None:
        metrics.inc(HTTP_RESPONSES, labels(code=f"{status // 100}xx"),
                    help="HTTP responses of the gateway by status class")
        if status >= 500:
            metrics.inc(ERRORS, labels(kind="http_5xx"), help="Failures by kind")

    try:
        response = await handler(request)
    except web.HTTPException as error:
        count(error.status)
        raise
    count(response.status)
    return response
