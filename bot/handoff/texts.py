"""Citizen-facing handoff texts and the console's canned replies, read from ``data/handoff/``."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.common.texts import load_texts as load_text_file
from bot.common.texts import read_document
from bot.replies import Button
from bot.settings import REPO_ROOT

__all__ = [
    "CANNED_PATH",
    "TEXTS_PATH",
    "CannedReply",
    "HandoffTexts",
    "default_texts",
    "load_canned_replies",
    "load_texts",
    "rating_payload",
]

DATA_DIR = REPO_ROOT / "data" / "handoff"
TEXTS_PATH = DATA_DIR / "texts.yml"
CANNED_PATH = DATA_DIR / "canned_replies.yml"

_REQUIRED = (
    "handed_over", "queue_ahead", "queue_next", "office_hours_line", "after_hours",
    "emergency_line", "waiting_ack", "officer_joined", "officer_message",
    "resumed", "rating_thanks", "rating_sorry", "rating_unknown", "rating_without_handoff",
    "fallback_handoff", "needs_officer_handoff", "weekdays_only", "all_week",
    "next_open_today", "next_open_tomorrow", "next_open_weekday",
)


def rating_payload(rating: int) -> str:
    """``/rate_service{"rating":"5"}``."""
    return "/rate_service" + json.dumps({"rating": str(rating)}, separators=(",", ":"))


@dataclass(frozen=True)
class CannedReply:
    """A ready-made officer reply: button title and the text it inserts."""

    title: str
    text: str


@dataclass(frozen=True)
class HandoffTexts:
    """All handoff wording; ``get(key, **values)`` fills the placeholders."""

    values: dict[str, str]
    rating_buttons: tuple[Button, ...]
    weekday_names: tuple[str, ...]
    minutes_per_citizen: int

    def get(self, key: str, **values: Any) -> str:
        return self.values[key].format(**values) if values else self.values[key]


def load_texts(path: Path = TEXTS_PATH) -> HandoffTexts:
    """Read and validate the texts file (every key required, seven weekday names)."""
    values = load_text_file(path, _REQUIRED)
    data = read_document(path)
    buttons = tuple(Button(str(item["title"]), rating_payload(int(item["rating"])))
                    for item in data.get("rating_buttons") or [])
    weekdays = tuple(str(name) for name in data.get("weekday_names") or [])
    if len(buttons) != 5 or len(weekdays) != 7:
        raise ValueError(f"{path.name}: need 5 rating_buttons and 7 weekday_names")
    return HandoffTexts(
        values=dict(values),
        rating_buttons=buttons,
        weekday_names=weekdays,
        minutes_per_citizen=max(1, int(data.get("minutes_per_citizen") or 3)),
    )


@lru_cache(maxsize=1)
def default_texts() -> HandoffTexts:
    return load_texts()


def load_canned_replies(path: Path | None = None) -> list[CannedReply]:
    """The canned replies list (re-read whenever the file changes, so edits show without a restart)."""
    data = read_document(path or CANNED_PATH)
    replies = []
    for item in data.get("canned_replies") or []:
        if isinstance(item, dict) and item.get("title") and item.get("text"):
            replies.append(CannedReply(str(item["title"]).strip(), str(item["text"]).strip()))
    return replies
