"""Citizen-facing WeChat texts (and the console notes), loaded from ``data/channels/wechat.yml``."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.common.texts import load_texts as load_text_file
from bot.common.texts import read_document
from bot.labels import label_button
from bot.settings import REPO_ROOT

__all__ = [
    "NON_TEXT_KINDS",
    "TEXTS_PATH",
    "MenuItem",
    "WeChatTexts",
    "default_texts",
    "load_texts",
]

TEXTS_PATH = REPO_ROOT / "data" / "channels" / "wechat.yml"
NON_TEXT_KINDS = ("image", "video", "voice", "location", "link", "file", "other")
NOTE_KINDS = ("window_closed", "unsubscribed", "blocked")
_TEXT_KEYS = ("welcome", "privacy", "choose_hint", "choice_unknown", "error", "menu_unknown")
MAX_MENU_NAME_BYTES = 16  # WeChat: a first-level button name has at most 16 bytes
MAX_MENU_KEY_BYTES = 128


@dataclass(frozen=True)
class MenuItem:
    """A first-level 自定义菜单 button: name, click key, and the payload a click sends."""

    name: str
    key: str
    payload: str


@dataclass(frozen=True)
class WeChatTexts:
    welcome: str
    privacy: str
    choose_hint: str
    choice_unknown: str
    error: str
    menu_unknown: str
    non_text: Mapping[str, str]
    menu: tuple[MenuItem, ...]
    officer_notes: Mapping[str, str]
    menu_more: str = "更多服务"

    def payload_for_key(self, key: str) -> str:
        """The payload of a menu click ('' for a key not in the menu)."""
        return next((item.payload for item in self.menu if item.key == key), "")


def _menu(path: Path) -> tuple[MenuItem, ...]:
    menu = []
    for item in read_document(path).get("menu") or []:
        name, key = str(item["name"]), str(item["key"])
        if len(name.encode("utf-8")) > MAX_MENU_NAME_BYTES:
            raise ValueError(f"{path.name}: menu name {name!r} is longer than 16 bytes")
        if len(key.encode("utf-8")) > MAX_MENU_KEY_BYTES:
            raise ValueError(f"{path.name}: menu key {key!r} is longer than 128 bytes")
        menu.append(MenuItem(name, key, label_button(str(item["intent"])).payload))
    if not 1 <= len(menu) <= 3 * 5:
        raise ValueError(f"{path.name}: the menu needs 1 to 15 items")
    return tuple(menu)


def load_texts(path: Path = TEXTS_PATH) -> WeChatTexts:
    """Read and validate the texts file (through the common loader; the menu beside it)."""
    texts = load_text_file(path, _TEXT_KEYS)
    return WeChatTexts(
        welcome=texts["welcome"],
        privacy=texts["privacy"],
        choose_hint=texts["choose_hint"],
        choice_unknown=texts["choice_unknown"],
        error=texts["error"],
        menu_unknown=texts["menu_unknown"],
        non_text=load_text_file(path, NON_TEXT_KINDS, section="non_text"),
        menu=_menu(path),
        officer_notes=load_text_file(path, NOTE_KINDS, section="officer_notes"),
        menu_more=texts.get("menu_more") or "更多服务",
    )


@lru_cache(maxsize=1)
def default_texts() -> WeChatTexts:
    return load_texts()
