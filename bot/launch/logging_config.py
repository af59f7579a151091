"""Logging configuration for the Rasa server and the action server.

Both accept ``--logging-config-file`` (a ``logging.config.dictConfig`` YAML). The
file routes every record through :class:`bot.logging_setup.MaskingFilter`
(phone and ID numbers masked, e.g. in the tracker Rasa logs when an action
fails) and, with ``LOG_JSON=1``, :class:`bot.logging_setup.JsonFormatter`, so all
processes log the same way as the gateway.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.launch.endpoints import write_private
from bot.settings import Settings


def logging_config(settings: Settings, process: str) -> dict[str, Any]:
    formatter: dict[str, Any] = (
        {"()": "bot.logging_setup.JsonFormatter", "process": process} if settings.log_json
        else {"format": f"%(asctime)s {process} %(levelname)s %(name)s: %(message)s"})
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"mask": {"()": "bot.logging_setup.masking_filter"}},
        "formatters": {"main": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout",
                                 "filters": ["mask"], "formatter": "main"}},
        "root": {"level": "INFO", "handlers": ["console"]},
    }


def write_logging_config(settings: Settings, directory: Path, process: str) -> Path:
    """``<directory>/logging-<process>.yml``; returns its path."""
    path = directory / f"logging-{process}.yml"
    write_private(path, yaml.safe_dump(logging_config(settings, process), sort_keys=False))
    return path
