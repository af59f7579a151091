"""A production-shape assistant whose processes can be stopped and started one by one.

The command lines come from ``bot.launch.services.build_services`` (the same as
``python -m bot.launch``); each process writes to its own log file so tests can
search them (e.g. for unmasked personal data). Also used by ``bench/``.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import requests

from bot.launch.secrets import RASA_TOKEN_FILE, read_token
from bot.launch.services import build_services, serves_models_locally
from bot.settings import REPO_ROOT, Settings, settings_from_env
from bot.store.migrate import upgrade
from bot.topology import rasa_urls

if TYPE_CHECKING:
    from tests.production.threaded_telegram import ThreadedTelegram

PG_ADMIN = dict(host="127.0.0.1", port=5432, user="postgres", dbname="test")
TELEGRAM_TOKEN = "123:abc"  # the fake Bot API's token (tests/fake_telegram.py)
START_TIMEOUT = 300.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def reachable(port: int) -> bool:
    """Something listens on 127.0.0.1:``port`` (e.g. PostgreSQL, Redis)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_run(count: int) -> int:
    """The first of ``count`` consecutive free ports."""
    for _ in range(200):
        first = free_port()
        if first + count < 65535 and all(_bindable(first + i) for i in range(count)):
            return first
    raise RuntimeError("no run of free ports found")


def _pg_admin():  # type: ignore[no-untyped-def]
    import psycopg2

    connection = psycopg2.connect(connect_timeout=5, **PG_ADMIN)
    connection.autocommit = True
    return connection


def create_database(prefix: str) -> str:
    """A fresh PostgreSQL database; returns its URL."""
    name = f"{prefix}_{secrets.token_hex(5)}"
    connection = _pg_admin()
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    return f"postgresql://{PG_ADMIN['user']}@{PG_ADMIN['host']}:{PG_ADMIN['port']}/{name}"


def drop_database(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    connection = _pg_admin()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    connection.close()


def flush_redis_db(url: str) -> None:
    import redis

    parsed = urlparse(url)
    client = redis.Redis(host=parsed.hostname or "127.0.0.1", port=parsed.port or 6379,
                         db=int(parsed.path.lstrip("/") or 0), socket_timeout=3)
    try:
        client.flushdb()
    finally:
        client.close()


@dataclass
class Process:
    """One service of the cluster."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    health_url: str
    popen: subprocess.Popen | None = None  # type: ignore[type-arg]
    starts: int = 0
    started_at: float = 0.0
    ready_seconds: float = 0.0  # start → healthy, for the latest start

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


@dataclass
class Cluster:
    """Model server, Rasa instance(s), action server and gateway as separate processes."""

    root: Path
    env: dict[str, str]
    processes: dict[str, Process] = field(default_factory=dict)
    telegram: ThreadedTelegram | None = None

    @property
    def settings(self) -> Settings:
        return settings_from_env(self.env)

    @property
    def rasa_auth(self) -> dict[str, str]:
        """Query parameters that authenticate a call to Rasa (the launch wrote the token)."""
        return {"token": read_token(self.root, RASA_TOKEN_FILE)}

    @property
    def rasa_urls(self) -> list[str]:
        return rasa_urls(self.settings)

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.gateway_port}"

    @property
    def rasa_names(self) -> list[str]:
        return [name for name in self.processes if name.startswith("rasa")]

    def prepare(self) -> None:
        """Migrate our database and build the process table (nothing started)."""
        settings = self.settings
        upgrade(settings.database_url)
        health = {"actions": settings.action_server_url.replace("/webhook", "/health"),
                  "gateway": f"{self.gateway_url}/healthz"}
        if serves_models_locally(settings):
            parsed = urlparse(settings.model_server_url)
            health["models"] = f"http://127.0.0.1:{parsed.port}/healthz"
        rasa = iter(self.rasa_urls)
        for service in build_services(settings, self.root / "endpoints.yml"):
            url = health.get(service.name) or f"{next(rasa)}/status"
            self.processes[service.name] = Process(
                service.name, list(service.argv), {**self.env, **service.env},
                self.root / f"{service.name}.log", url)

    # ------------------------------------------------------------- lifecycle
    def start(self, *names: str, wait: bool = True) -> None:
        """Start the named processes (all when none are named) that are not running."""
        chosen = [self.processes[n] for n in names] if names else list(self.processes.values())
        for process in chosen:
            if process.running:
                continue
            with open(process.log_path, "ab") as log:
                process.popen = subprocess.Popen(
                    process.argv, cwd=REPO_ROOT, env=process.env, stdout=log,
                    stderr=subprocess.STDOUT, start_new_session=True)
            process.starts += 1
            process.started_at = time.monotonic()
        if wait:
            self.wait_ready(*[p.name for p in chosen])

    def kill(self, name: str, sig: int = signal.SIGKILL, grace: float = 20.0) -> None:
        """Stop one process (SIGKILL by default: a crash, not a clean shutdown)."""
        process = self.processes[name]
        if process.popen is None or process.popen.poll() is not None:
            return
        try:
            os.killpg(process.popen.pid, sig)
            process.popen.wait(timeout=grace)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.popen.pid, signal.SIGKILL)
            process.popen.wait(timeout=grace)

    def stop_all(self) -> None:
        for name in reversed(list(self.processes)):
            self.kill(name, signal.SIGTERM)

    def is_ready(self, process: Process) -> bool:
        try:
            params = self.rasa_auth if process.name.startswith("rasa") else {}
            response = requests.get(process.health_url, params=params, timeout=3)
        except requests.RequestException:
            return False
        if not response.ok:
            return False
        return not process.name.startswith("rasa") or bool(response.json().get("model_file"))

    def wait_ready(self, *names: str, timeout: float = START_TIMEOUT) -> None:
        pending = {n: self.processes[n] for n in (names or self.processes)}
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            for name, process in list(pending.items()):
                if not process.running:
                    raise RuntimeError(f"{name} exited:\n{self.log_tail(name)}")
                if self.is_ready(process):
                    process.ready_seconds = time.monotonic() - process.started_at
                    del pending[name]
            if pending:
                time.sleep(0.5)
        if pending:
            raise RuntimeError(f"not ready in time: {', '.join(pending)}\n"
                               + "\n".join(self.log_tail(name) for name in pending))

    def ensure_running(self) -> None:
        """Restart whatever is down (used between fault tests)."""
        down = [p.name for p in self.processes.values() if not p.running]
        if down:
            self.start(*down)

    # ------------------------------------------------------------- inspection
    def log_text(self, name: str) -> str:
        path = self.processes[name].log_path
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def log_tail(self, name: str, lines: int = 40) -> str:
        return f"--- {name} ---\n" + "\n".join(self.log_text(name).splitlines()[-lines:])

    def pids(self) -> dict[str, int]:
        return {n: p.popen.pid for n, p in self.processes.items() if p.running and p.popen}

    def chat(self, sender: str, message: str, timeout: float = 60) -> list[dict]:
        """Through the gateway's web chat endpoint."""
        response = requests.post(f"{self.gateway_url}/api/chat",
                                 json={"sender": sender, "message": message}, timeout=timeout)
        response.raise_for_status()
        return list(response.json()["messages"])

    def rest(self, index: int, sender: str, message: str, timeout: float = 60) -> list[dict]:
        """Straight to one Rasa instance's REST channel."""
        response = requests.post(f"{self.rasa_urls[index]}/webhooks/rest/webhook",
                                 params=self.rasa_auth,
                                 json={"sender": sender, "message": message}, timeout=timeout)
        response.raise_for_status()
        return list(response.json())

    def tracker(self, index: int, sender: str) -> dict:
        response = requests.get(f"{self.rasa_urls[index]}/conversations/{sender}/tracker",
                                params=self.rasa_auth, timeout=30)
        response.raise_for_status()
        return dict(response.json())


def production_env(root: Path, instances: int = 2, redis_db: int = 13,
                   database_url: str = "", tracker_url: str = "",
                   telegram_base_url: str = "") -> dict[str, str]:
    """Environment of a production-mode cluster on loopback (PostgreSQL + Redis);
    the Telegram bridge polls ``telegram_base_url`` when given (a fake Bot API)."""
    rasa_port = free_port_run(instances)
    action_port = free_port()
    return {
        **os.environ,
        "VAR_DIR": str(root),
        "DATABASE_URL": database_url,
        "TRACKER_STORE_URL": tracker_url,
        "LOCK_STORE_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "RASA_INSTANCES": str(instances),
        "RASA_PORT": str(rasa_port),
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "RASA_URLS": "",
        "ACTION_PORT": str(action_port),
        "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
        "GATEWAY_PORT": str(free_port()),
        "MODEL_SERVER_URL": f"http://127.0.0.1:{free_port()}/models/current.tar.gz",
        "RASA_TIMEOUT_SECONDS": "10",
        "LOG_JSON": "1",
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN if telegram_base_url else "",
        "TELEGRAM_API_BASE_URL": telegram_base_url,
        "TELEGRAM_WEBHOOK_URL": "",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }


def production_cluster(root: Path, instances: int = 2, redis_db: int = 13,
                       telegram_base_url: str = "",
                       extra_env: dict[str, str] | None = None) -> Iterator[Cluster]:
    """Fresh databases, a dedicated Redis db; everything removed afterwards."""
    database_url = create_database("petition_prod")
    tracker_url = create_database("petition_tracker")
    env = {**production_env(root, instances, redis_db, database_url, tracker_url,
                            telegram_base_url), **(extra_env or {})}
    flush_redis_db(env["LOCK_STORE_URL"])
    cluster = Cluster(root, env)
    try:
        cluster.prepare()
        cluster.start()
        yield cluster
    finally:
        cluster.stop_all()
        # Best effort: PostgreSQL or Redis may be down after a failed fault test.
        for url in (database_url, tracker_url):
            with contextlib.suppress(Exception):
                drop_database(url)
        with contextlib.suppress(Exception):
            flush_redis_db(env["LOCK_STORE_URL"])
