"""Logging for every process: one format, personal data masked.

``LOG_JSON=1`` writes one JSON object per line (``ts``, ``level``, ``process``,
``pid``, ``logger``, ``msg`` and ``exc`` for tracebacks) for log shippers.
Messages *and* tracebacks pass through :func:`bot.privacy.mask_text`, so phone and ID
numbers, 查询码, licence plates, house numbers and sender ids never reach the log unmasked.
"""
from __future__ import annotations

import json
import logging
import sys
from typing import Any

from bot.privacy import mask_text
from bot.settings import get_settings

_PLAIN = logging.Formatter()


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask the message, traceback and stack of a record in place (idempotent)."""
    record.msg = mask_text(record.getMessage())
    record.args = ()
    if record.exc_info and not record.exc_text:
        # Formatters reuse ``exc_text`` when it is set: mask the traceback once here.
        record.exc_text = mask_text(_PLAIN.formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)
    return record


class MaskingFilter(logging.Filter):
    """Masks personal data (``bot.privacy.mask_text``) in messages and tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


def install_record_masking() -> None:
    """Mask every record as it is created, whatever handlers a library installs later.

    Rasa replaces the root handler with coloredlogs' after reading our config.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "masks_personal_data", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return mask_record(previous(*args, **kwargs))

    factory.masks_personal_data = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def masking_filter() -> MaskingFilter:
    """For ``logging.config.dictConfig`` (``"()"``): install record masking, return a filter."""
    install_record_masking()
    return MaskingFilter()


def use_json_on_root(process: str) -> None:
    """With ``LOG_JSON=1``, format whatever handlers the root logger has now as JSON."""
    if get_settings().log_json:
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter(process))


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def __init__(self, process: str = "") -> None:
        super().__init__()
        self.process_name = process

    def format(self, record: logging.LogRecord) -> str:
        data = {"ts": self.formatTime(record), "level": record.levelname,
                "process": self.process_name, "pid": record.process,
                "logger": record.name, "msg": record.getMessage()}
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_text(self.formatException(record.exc_info))
        if record.exc_text:
            data["exc"] = record.exc_text
        if record.stack_info:
            data["stack"] = record.stack_info
        return json.dumps(data, ensure_ascii=False)


def configure_logging(process: str, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(MaskingFilter())
    if get_settings().log_json:
        handler.setFormatter(JsonFormatter(process))
    else:
        handler.setFormatter(logging.Formatter(f"%(asctime)s {process} %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
