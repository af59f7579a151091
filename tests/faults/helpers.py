"""A citizen talking through the gateway, and the checks every fault test ends with."""
from __future__ import annotations

import contextlib
import subprocess
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import requests

from bot.launch.tracker_scrub import stored_versus_sent
from bot.settings import REPO_ROOT
from tests.production.cluster import Cluster

BUSY = "系统繁忙"
SERVICES_SH = REPO_ROOT / "scripts" / "services.sh"


def web_sender(preferred_instance: int = -1, instances: int = 2) -> str:
    """A web-chat sender id; optionally one the gateway routes to a given instance first."""
    while True:
        sender = "web-" + uuid.uuid4().hex[:16]
        if preferred_instance < 0 or zlib.crc32(sender.encode()) % instances == preferred_instance:
            return sender


@dataclass
class Citizen:
    """One web-chat conversation; remembers every attempt and the reply it got."""

    cluster: Cluster
    sender: str = field(default_factory=web_sender)
    attempts: list[tuple[str, str]] = field(default_factory=list)

    def say(self, message: str) -> str:
        replies = self.cluster.chat(self.sender, message)
        text = "\n".join(str(r.get("text", "")) for r in replies)
        self.attempts.append((message, text))
        return text

    def say_until_answered(self, message: str, tries: int = 8, pause: float = 3.0) -> str:
        """What the busy reply asks for: send again a little later."""
        for _ in range(tries):
            reply = self.say(message)
            if BUSY not in reply:
                return reply
            time.sleep(pause)
        raise AssertionError(f"still busy after {tries} tries: {self.attempts}")


def journal_texts(cluster: Cluster, sender: str) -> list[str]:
    with (psycopg2.connect(cluster.settings.database_url, connect_timeout=5) as connection,
          connection.cursor() as cursor):
        cursor.execute("SELECT text FROM message_journal WHERE sender_id = %s ORDER BY id",
                       (sender,))
        return [row[0] for row in cursor.fetchall()]


def tracker_texts(cluster: Cluster, sender: str) -> list[str]:
    events = cluster.tracker(0, sender)["events"]
    return [e["text"] for e in events if e["event"] == "user"]


def assert_nothing_lost(cluster: Cluster, citizen: Citizen) -> None:
    """Answered messages are in the conversation (once, in their scrubbed stored form),
    busy ones in the journal, and nothing is stored more often than it was sent."""
    tracker = cluster.tracker(0, citizen.sender)
    in_journal = Counter(journal_texts(cluster, citizen.sender))
    answered = [m for m, reply in citizen.attempts if BUSY not in reply]
    busy = Counter(m for m, reply in citizen.attempts if BUSY in reply)
    lost, _ = stored_versus_sent(tracker, answered)
    assert lost == 0, f"{lost} answered message(s) not in the conversation: {tracker_texts(cluster, citizen.sender)}"
    assert not busy - in_journal, f"busy but not journaled: {busy - in_journal}"
    _, duplicated = stored_versus_sent(tracker, [m for m, _ in citizen.attempts])
    assert duplicated == 0, f"{duplicated} message(s) stored more often than sent"


def snapshot(cluster: Cluster) -> dict[str, list]:
    """Cases and handoffs as stored (what a fault must not change)."""
    with (psycopg2.connect(cluster.settings.database_url, connect_timeout=5) as connection,
          connection.cursor() as cursor):
        cursor.execute("SELECT case_number, status, petitioner_name, petitioner_phone, "
                       "description, sender_id FROM cases ORDER BY id")
        cases = cursor.fetchall()
        cursor.execute("SELECT id, channel, sender_id, status, paused, reason FROM handoffs "
                       "ORDER BY id")
        handoffs = cursor.fetchall()
    return {"cases": cases, "handoffs": handoffs}


def assert_intact(cluster: Cluster, before: dict[str, list]) -> None:
    after = snapshot(cluster)
    for table, rows in before.items():
        assert after[table][:len(rows)] == rows, f"{table} changed"


# --------------------------------------------------------------- system services
def _pg_version() -> str:
    return sorted(p.name for p in Path("/etc/postgresql").iterdir())[0]


def services_up() -> None:
    """(Re)start PostgreSQL and Redis with the project's own script."""
    subprocess.run(["bash", str(SERVICES_SH)], check=True, capture_output=True, timeout=120)


@contextlib.contextmanager
def postgresql_down() -> Iterator[None]:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", _pg_version(), "main", "stop",
                    "-m", "fast"], check=True, capture_output=True, timeout=60)
    try:
        yield
    finally:
        services_up()


@contextlib.contextmanager
def redis_down() -> Iterator[None]:
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"],
                   capture_output=True, timeout=30)
    try:
        yield
    finally:
        services_up()


def health(cluster: Cluster) -> dict:
    return dict(requests.get(f"{cluster.gateway_url}/healthz", timeout=15).json())


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0, pause: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(pause)
