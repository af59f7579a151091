"""Citizen-facing WeChat texts (and the console notes), loaded from ``data/channels/wechat.yml``."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Mapping, Tuple

import yaml

from bot.labels import label_button
from bot.settings import REPO_ROOT

__all__ = ["MenuItem", "NON_TEXT_KINDS", "TEXTS_PATH", "WeChatTexts", "default_texts",
           "load_texts"]

TEXTS_PATH = REPO_ROOT / "data" / "channels" / "wechat.yml"
NON_TEXT_KINDS = ("image", "video", "voice", "location", "link", "file", "other")
NOTE_KINDS = ("window_closed", "unsubscribed", "blocked")
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
    menu: Tuple[MenuItem, ...]
    officer_notes: Mapping[str, str]
    menu_more: str = "更多服务"

    def payload_for_key(self, key: str) -> str:
        """The payload of a menu click ('' for a key not in the menu)."""
        return next((item.payload for item in self.menu if item.key == key), "")


def _require(data: Dict[str, Any], key: str, path: Path) -> Any:
    if key not in data or data[key] in (None, "", [], {}):
        raise ValueError(f"{path.name}: missing '{key}'")
    return data[key]


def _menu(items: Any, path: Path) -> Tuple[MenuItem, ...]:
    menu = []
    for item in items:
        name, key = str(item["name"]), str(item["key"])
        if len(name.encode("utf-8")) > MAX_MENU_NAME_BYTES:
            raise ValueError(f"{path.name}: menu name {name!r} is longer than 16 bytes")
        if len(key.encode("utf-8")) > MAX_MENU_KEY_BYTES:
            raise ValueError(f"{path.name}: menu key {key!r} is longer than 128 bytes")
        menu.append(MenuItem(name, key, label_button(str(item["intent"])).payload))
    if not 1 <= len(menu) <= 3 * 5:
        raise ValueError(f"{path.name}: the menu needs 1 to 15 items")
    return tuple(menu)


def _complete(mapping: Any, kinds: Tuple[str, ...], key: str, path: Path) -> Dict[str, str]:
    values = {str(k): str(v).strip() for k, v in dict(mapping).items()}
    missing = [kind for kind in kinds if not values.get(kind)]
    if missing:
        raise ValueError(f"{path.name}: {key} lacks {', '.join(missing)}")
    return values


def load_texts(path: Path = TEXTS_PATH) -> WeChatTexts:
    """Read and validate the texts file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return WeChatTexts(
        welcome=str(_require(data, "welcome", path)).strip(),
        privacy=str(_require(data, "privacy", path)).strip(),
        choose_hint=str(_require(data, "choose_hint", path)).strip(),
        choice_unknown=str(_require(data, "choice_unknown", path)).strip(),
        error=str(_require(data, "error", path)).strip(),
        menu_unknown=str(_require(data, "menu_unknown", path)).strip(),
        non_text=_complete(_require(data, "non_text", path), NON_TEXT_KINDS, "non_text", path),
        menu=_menu(_require(data, "menu", path), path),
        officer_notes=_complete(_require(data, "officer_notes", path), NOTE_KINDS,
                                "officer_notes", path),
        menu_more=str(data.get("menu_more") or "更多服务").strip(),
    )


@lru_cache(maxsize=1)
def default_texts() -> WeChatTexts:
    return load_texts()
