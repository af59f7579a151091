"""Closed-loop load.

N concurrent conversations, each sending its next message as soon as the previous one is
answered, through the gateway or straight to Rasa.

Afterwards every conversation's tracker is compared with what was sent: a message
missing from the tracker is *lost*, one stored more often than sent is *duplicated*.
"""
from __future__ import annotations

import asyncio
import itertools
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp

from bench.conversations import script_for
from bot.launch.tracker_scrub import stored_versus_sent

BUSY = "系统繁忙"


@dataclass
class Sample:
    seconds: float
    status: int
    replies: int
    busy: bool


@dataclass
class Run:
    """One (target, concurrency) measurement."""

    target: str
    concurrency: int
    rate: float = 0.0  # offered messages/s; 0 = closed loop
    wall: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    sent: dict[str, list[str]] = field(default_factory=dict)
    lost: int = 0
    duplicated: int = 0

    @property
    def ok(self) -> list[Sample]:
        return [s for s in self.samples if s.status == 200 and s.replies and not s.busy]

    @property
    def errors(self) -> int:
        return len(self.samples) - len(self.ok)

    @property
    def throughput(self) -> float:
        return len(self.ok) / self.wall if self.wall else 0.0

    def percentile(self, q: float) -> float:
        """Latency (ms) at quantile ``q`` (nearest rank) of the answered messages."""
        values = sorted(s.seconds for s in self.ok)
        if not values:
            return float("nan")
        return 1000 * values[min(len(values) - 1, max(0, round(q * len(values)) - 1))]


def merge(parts: Sequence[Run]) -> Run:
    """One run made of several rounds of the same (target, concurrency, rate)."""
    first = parts[0]
    merged = Run(first.target, first.concurrency, rate=first.rate)
    for part in parts:
        merged.wall += part.wall
        merged.samples += part.samples
        merged.sent.update(part.sent)
        merged.lost += part.lost
        merged.duplicated += part.duplicated
    return merged


class Target:
    """Where messages go: the gateway's web chat API or Rasa's REST webhook(s)."""

    def __init__(self, name: str, urls: Sequence[str], gateway: bool,
                 params: dict[str, str] | None = None) -> None:
        self.name = name
        self.urls = list(urls)
        self.gateway = gateway
        self.params = params or {}  # Rasa's token for the REST webhook

    def url_for(self, sender: str) -> str:
        if self.gateway:
            return f"{self.urls[0]}/api/chat"
        base = self.urls[zlib.crc32(sender.encode()) % len(self.urls)]  # sticky, like RasaClient
        return f"{base}/webhooks/rest/webhook"

    async def send(self, session: aiohttp.ClientSession, sender: str,
                   message: str) -> tuple[int, list[str]]:
        async with session.post(self.url_for(sender), params=self.params,
                                json={"sender": sender, "message": message}) as response:
            if response.status != 200:
                await response.read()
                return response.status, []
            payload = await response.json(content_type=None)
        items = payload.get("messages", []) if self.gateway else payload
        return 200, [str(item.get("text", "")) for item in items]


async def run_load(target: Target, concurrency: int, budget: int, tag: str,
                   timeout: float = 60.0, rate: float = 0.0, first: int = 0) -> Run:
    """Send ``budget`` messages with ``concurrency`` conversations in parallel.

    ``rate`` 0: closed loop, each conversation sends as soon as it has its reply
    (saturation). ``rate`` > 0: paced like people typing — together the conversations
    offer ``rate`` messages per second; a conversation never sends before its reply.
    Conversations are scripts ``first``, ``first + 1``, …: give every run its own range
    so no run is answered from what an earlier run left warm.
    """
    run = Run(target.name, concurrency, rate=rate)
    interval = concurrency / rate if rate else 0.0
    reserved = itertools.count()
    conversations = itertools.count(first)
    connector = aiohttp.TCPConnector(limit=concurrency + 8)
    session = aiohttp.ClientSession(connector=connector,
                                    timeout=aiohttp.ClientTimeout(total=timeout))

    async def user(index: int) -> None:
        next_at = time.perf_counter() + interval * index / concurrency
        while True:
            number = next(conversations)
            sender = f"web-{tag}{number:06d}"
            for message in script_for(number):
                if next(reserved) >= budget:
                    return
                if interval:
                    await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
                    next_at = max(next_at + interval, time.perf_counter())
                run.sent.setdefault(sender, []).append(message)
                started = time.perf_counter()
                try:
                    status, texts = await target.send(session, sender, message)
                except (TimeoutError, aiohttp.ClientError):
                    status, texts = 0, []
                run.samples.append(Sample(time.perf_counter() - started, status, len(texts),
                                          any(BUSY in t for t in texts)))

    started = time.perf_counter()
    try:
        await asyncio.gather(*(user(index) for index in range(concurrency)))
    finally:
        run.wall = time.perf_counter() - started
        await session.close()
    return run


async def count_lost_and_duplicated(run: Run, rasa_url: str, params: dict[str, str],
                                    parallel: int = 8) -> None:
    """Compare each conversation's tracker with what was sent (fills lost/duplicated)."""
    semaphore = asyncio.Semaphore(parallel)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def check(sender: str, sent: list[str]) -> tuple[int, int]:
            async with semaphore, session.get(f"{rasa_url}/conversations/{sender}/tracker",
                                   params=params) as response:
                tracker = await response.json(content_type=None)
            return stored_versus_sent(tracker, sent)

        results = await asyncio.gather(*(check(s, m) for s, m in run.sent.items()))
    run.lost = sum(lost for lost, _ in results)
    run.duplicated = sum(dup for _, dup in results)
