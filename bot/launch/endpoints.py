"""Render Rasa's endpoints.yml from the settings (the single source of truth)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict
from urllib.parse import unquote, urlparse

import yaml

from bot.settings import REPO_ROOT, Settings


def tracker_store_config(url: str) -> Dict[str, Any]:
    """Rasa SQLTrackerStore settings for a SQLAlchemy-style URL."""
    parsed = urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        path = Path(unquote(parsed.path))
        try:
            path = path.relative_to(REPO_ROOT)
        except ValueError:
            pass
        return {"type": "SQL", "dialect": "sqlite", "db": str(path)}
    config: Dict[str, Any] = {
        "type": "SQL",
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


def lock_store_config(url: str) -> Dict[str, Any]:
    parsed = urlparse(url)
    config: Dict[str, Any] = {"type": "redis", "url": parsed.hostname or "127.0.0.1",
                              "port": parsed.port or 6379,
                              "db": int(parsed.path.lstrip("/") or 0)}
    if parsed.password:
        config["password"] = unquote(parsed.password)
    return config


def endpoints_config(settings: Settings) -> Dict[str, Any]:
    config: Dict[str, Any] = {
        "action_endpoint": {"url": settings.action_server_url},
        "tracker_store": tracker_store_config(settings.tracker_store_url),
    }
    if settings.lock_store_url:
        config["lock_store"] = lock_store_config(settings.lock_store_url)
    if settings.model_server_url:
        config["models"] = {"url": settings.model_server_url, "wait_time_between_pulls": 10}
    return config


def write_endpoints(settings: Settings, path: Path) -> Path:
    """Write the endpoints file Rasa will read; returns its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints_config(settings), allow_unicode=True,
                                   sort_keys=False), encoding="utf-8")
    return path
