"""Citizen-facing Telegram texts, loaded from ``data/channels/telegram.yml``."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.common.texts import load_texts as load_text_file
from bot.common.texts import read_document
from bot.replies import Button
from bot.settings import REPO_ROOT

TEXTS_PATH = REPO_ROOT / "data" / "channels" / "telegram.yml"
NON_TEXT_KINDS = ("photo", "document", "voice", "video", "sticker", "location", "contact", "other")
_TEXT_KEYS = ("welcome", "help", "privacy", "choose_prompt", "chosen", "button_expired",
              "already_chosen", "unknown_command", "error", "edited")


@dataclass(frozen=True)
class TelegramTexts:
    """Every text the bridge shows that does not come from Rasa."""

    welcome: str
    menu: tuple[Button, ...]
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


def _menu(path: Path) -> tuple[Button, ...]:
    items = read_document(path).get("menu") or []
    if not items:
        raise ValueError(f"{path}: missing 'menu'")
    return tuple(Button(str(item["title"]), str(item["payload"])) for item in items)


def load_texts(path: Path = TEXTS_PATH) -> TelegramTexts:
    """Read and validate the texts file (through the common loader; the menu beside it)."""
    texts = load_text_file(path, _TEXT_KEYS)
    return TelegramTexts(
        welcome=texts["welcome"],
        menu=_menu(path),
        help=texts["help"],
        privacy=texts["privacy"],
        choose_prompt=texts["choose_prompt"],
        chosen=texts["chosen"],
        button_expired=texts["button_expired"],
        already_chosen=texts["already_chosen"],
        unknown_command=texts["unknown_command"],
        error=texts["error"],
        edited=texts["edited"],
        non_text=load_text_file(path, NON_TEXT_KINDS, section="non_text"),
        commands=load_text_file(path, (), section="commands"),
    )
