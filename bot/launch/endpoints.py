"""Render Rasa's endpoints.yml from the settings (the single source of truth)."""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import yaml

from bot.settings import REPO_ROOT, Settings

# Rasa's SQLTrackerStore that answers busy instead of forgetting the conversation
# when its database is down (see bot/launch/tracker_store.py).
SQL_TRACKER_STORE = "bot.launch.tracker_store.GuardedSQLTrackerStore"


def tracker_store_config(url: str) -> dict[str, Any]:
    """Rasa SQL tracker store settings for a SQLAlchemy-style URL."""
    parsed = urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        path = Path(unquote(parsed.path))
        with contextlib.suppress(ValueError):
            path = path.relative_to(REPO_ROOT)
        return {"type": SQL_TRACKER_STORE, "dialect": "sqlite", "db": str(path)}
    config: dict[str, Any] = {
        "type": SQL_TRACKER_STORE,
        "dialect": parsed.scheme.split("+")[0],
        "url": parsed.hostname or "127.0.0.1",
        "db": parsed.path.lstrip("/"),
    }
    if parsed.port:
        config["port"] = parsed.port
    if parsed.username:
        config["username"] = unquote(parsed.username)
    if parsed.password:
        config["password"] = unquote(parsed.password)
    return config


def lock_store_config(url: str) -> dict[str, Any]:
    parsed = urlparse(url)
    config: dict[str, Any] = {"type": "redis", "url": parsed.hostname or "127.0.0.1",
                              "port": parsed.port or 6379,
                              "db": int(parsed.path.lstrip("/") or 0)}
    if parsed.password:
        config["password"] = unquote(parsed.password)
    return config


def endpoints_config(settings: Settings) -> dict[str, Any]:
    config: dict[str, Any] = {
        # The action server refuses calls without this header (bot/launch/action_server.py).
        "action_endpoint": {"url": settings.action_server_url,
                            "headers": {"Authorization": f"Bearer {settings.action_server_token}"}},
        "tracker_store": tracker_store_config(settings.tracker_store_url),
    }
    if settings.lock_store_url:
        config["lock_store"] = lock_store_config(settings.lock_store_url)
    if settings.model_server_url:
        # Pulled once when a server starts; later deploys are pushed with PUT /model by
        # the admin pages (periodic pulls would undo such a deploy: a PUT gives the
        # agent a fresh fingerprint that never matches the model server's ETag).
        config["models"] = {"url": settings.model_server_url, "wait_time_between_pulls": 0,
                            "headers": {"Authorization": f"Bearer {settings.rasa_auth_token}"}}
    return config


def write_endpoints(settings: Settings, path: Path) -> Path:
    """Write the endpoints file Rasa will read; returns its path."""
    text = yaml.safe_dump(endpoints_config(settings), allow_unicode=True, sort_keys=False)
    # 0600: may carry database/Redis passwords from the environment. Written aside and
    # renamed, so a Rasa server starting at the same moment never reads half a file.
    write_private(path, text)
    return path


def write_private(path: Path, text: str) -> None:
    """Atomically write ``text`` to ``path`` with mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
