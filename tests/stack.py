"""The real assistant (Rasa, action server, gateway) started once per test session."""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from bot.launch.secrets import ACTION_TOKEN_FILE, RASA_TOKEN_FILE, read_token
from bot.settings import REPO_ROOT

MODEL = REPO_ROOT / "models" / "current.tar.gz"
START_TIMEOUT = 240


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Stack:
    """URLs and environment of a running assistant."""

    rasa_url: str
    gateway_url: str
    action_url: str
    env: dict[str, str]
    var_dir: Path
    log_path: Path
    pid: int = 0  # the launcher's process (its children are the services)

    def chat(self, sender: str, message: str) -> list:
        """Send through the gateway's web chat endpoint; return the messages."""
        response = requests.post(f"{self.gateway_url}/api/chat",
                                 json={"sender": sender, "message": message}, timeout=60)
        response.raise_for_status()
        return response.json()["messages"]

    @property
    def rasa_token(self) -> str:
        """The token the launcher generated for this run (Rasa's API and REST channel)."""
        return read_token(self.var_dir, RASA_TOKEN_FILE)

    @property
    def action_token(self) -> str:
        return read_token(self.var_dir, ACTION_TOKEN_FILE)

    @property
    def rasa_auth(self) -> dict[str, str]:
        """Query parameters that authenticate a call to Rasa's HTTP API."""
        return {"token": self.rasa_token}

    @property
    def rasa_urls(self) -> list[str]:
        """The one Rasa server (the production cluster has several)."""
        return [self.rasa_url]

    def rest(self, sender: str, message: str) -> list:
        """Send straight to Rasa's REST channel (with the token, as the gateway does)."""
        response = requests.post(f"{self.rasa_url}/webhooks/rest/webhook", params=self.rasa_auth,
                                 json={"sender": sender, "message": message}, timeout=60)
        response.raise_for_status()
        return response.json()

    def tracker(self, sender: str) -> dict:
        response = requests.get(f"{self.rasa_url}/conversations/{sender}/tracker",
                                params=self.rasa_auth, timeout=30)
        response.raise_for_status()
        return response.json()

    def log_tail(self, lines: int = 80) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def stack_env(var_dir: Path) -> dict[str, str]:
    rasa_port, action_port, gateway_port = free_port(), free_port(), free_port()
    return {
        **os.environ,
        "VAR_DIR": str(var_dir),
        "RASA_PORT": str(rasa_port),
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "ACTION_PORT": str(action_port),
        "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
        "GATEWAY_PORT": str(gateway_port),
        "DATABASE_URL": f"sqlite:///{var_dir / 'app.db'}",
        "TRACKER_STORE_URL": f"sqlite:///{var_dir / 'tracker.db'}",
        "TELEGRAM_BOT_TOKEN": "",
        "RASA_AUTH_TOKEN": "", "ACTION_SERVER_TOKEN": "", "SESSION_SECRET": "",
    }


def wait_until_up(stack: Stack, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    checks = [f"{stack.rasa_url}/status", f"{stack.gateway_url}/healthz",
              stack.action_url.replace("/webhook", "/health")]
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the stack exited early:\n" + stack.log_tail())
        try:
            auth = stack.rasa_auth
            if all(requests.get(url, params=auth, timeout=2).ok for url in checks):
                status = requests.get(checks[0], params=auth, timeout=2).json()
                if status.get("model_file"):
                    return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise RuntimeError("the stack did not come up in time:\n" + stack.log_tail())


@contextlib.contextmanager
def embedded_stack(var_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[Stack]:
    """`python -m bot.launch` (the `make run` shape: SQLite, one Rasa) in ``var_dir``."""
    env = {**stack_env(var_dir), **(extra_env or {})}
    log_path = var_dir / "stack.log"
    stack = Stack(env["RASA_URL"], f"http://127.0.0.1:{env['GATEWAY_PORT']}",
                  env["ACTION_SERVER_URL"], env, var_dir, log_path)
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "bot.launch"], cwd=REPO_ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    stack.pid = process.pid
    try:
        wait_until_up(stack, process)
        yield stack
    finally:
        stop_process_group(process)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Start `python -m bot.launch` once; stop it after the session."""
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first (make test does)")
    with embedded_stack(tmp_path_factory.mktemp("stack-var")) as started:
        yield started


def stop_process_group(process: subprocess.Popen, grace: float = 30) -> None:
    """SIGTERM the whole group, SIGKILL what is left after ``grace`` seconds."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
