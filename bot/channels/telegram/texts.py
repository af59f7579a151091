"""Citizen-facing Telegram texts, loaded from ``data/channels/telegram.yml``."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Tuple

import yaml

from bot.replies import Button
from bot.settings import REPO_ROOT

TEXTS_PATH = REPO_ROOT / "data" / "channels" / "telegram.yml"
NON_TEXT_KINDS = ("photo", "document", "voice", "video", "sticker", "location", "contact", "other")


@dataclass(frozen=True)
class TelegramTexts:
    """Every text the bridge shows that does not come from Rasa."""

    welcome: str
    menu: Tuple[Button, ...]
    help: str
    privacy: str
    choose_prompt: str
    chosen: str
    button_expired: str
    already_chosen: str
    unknown_command: str
    error: str
    edited: str
    non_text: Mapping[str, str]
    commands: Mapping[str, str]

    def chosen_line(self, title: str) -> str:
        return self.chosen.format(title=title)


def _require(data: Dict[str, Any], key: str) -> Any:
    if key not in data or data[key] in (None, "", [], {}):
        raise ValueError(f"{TEXTS_PATH.name}: missing '{key}'")
    return data[key]


def _menu(items: List[Dict[str, str]]) -> Tuple[Button, ...]:
    return tuple(Button(str(item["title"]), str(item["payload"])) for item in items)


def load_texts(path: Path = TEXTS_PATH) -> TelegramTexts:
    """Read and validate the texts file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    non_text = dict(_require(data, "non_text"))
    missing = [kind for kind in NON_TEXT_KINDS if not non_text.get(kind)]
    if missing:
        raise ValueError(f"{path.name}: non_text lacks {', '.join(missing)}")
    return TelegramTexts(
        welcome=_require(data, "welcome"),
        menu=_menu(_require(data, "menu")),
        help=_require(data, "help"),
        privacy=_require(data, "privacy"),
        choose_prompt=_require(data, "choose_prompt"),
        chosen=_require(data, "chosen"),
        button_expired=_require(data, "button_expired"),
        already_chosen=_require(data, "already_chosen"),
        unknown_command=_require(data, "unknown_command"),
        error=_require(data, "error"),
        edited=_require(data, "edited"),
        non_text=non_text,
        commands=dict(_require(data, "commands")),
    )
