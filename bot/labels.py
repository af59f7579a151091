"""Chinese button labels for intents / next steps, read from data/intent_labels.yml."""
from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from bot.replies import Button

REPO_ROOT = Path(__file__).resolve().parents[1]
LABELS_PATH = REPO_ROOT / "data" / "intent_labels.yml"


def read_labels(path: Path) -> dict[str, Button]:
    """Parse a labels file into ``{key: Button}``; raises ValueError on a malformed entry."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("labels")
    if not isinstance(entries, dict):
        raise ValueError(f"{path}: top-level 'labels' mapping is missing")
    labels: dict[str, Button] = {}
    for key, entry in entries.items():
        if not isinstance(entry, dict) or not entry.get("title") or not entry.get("payload"):
            raise ValueError(f"{path}: label '{key}' needs 'title' and 'payload'")
        labels[str(key)] = Button(title=str(entry["title"]), payload=str(entry["payload"]))
    return labels


@cache
def _default_labels() -> dict[str, Button]:
    return read_labels(LABELS_PATH)


def load_labels(path: Path | None = None) -> dict[str, Button]:
    """All labels (cached for the default file); a copy, so callers may mutate it."""
    return dict(_default_labels() if path is None else read_labels(path))


def label_button(key: str) -> Button:
    """The button for one intent / next-step key; KeyError if the key is unknown."""
    labels = _default_labels()
    if key not in labels:
        raise KeyError(f"no button label for '{key}' in {LABELS_PATH}")
    return labels[key]
