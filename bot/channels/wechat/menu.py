"""The 自定义菜单: its JSON for ``/cgi-bin/menu/create`` (from ``data/channels/wechat.yml``)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.channels.wechat.texts import MenuItem

__all__ = ["menu_definition"]

MAX_TOP_LEVEL = 3
MAX_SUB_BUTTONS = 5


def menu_definition(items: Sequence[MenuItem], more_name: str = "更多") -> dict[str, Any]:
    """Click buttons, with a submenu when there are more than three items.

    The last top-level button then opens a submenu with the rest (WeChat allows three
    first-level and five second-level buttons).
    """
    buttons: list[dict[str, Any]] = [{"type": "click", "name": item.name, "key": item.key} for item in items]
    if len(buttons) > MAX_TOP_LEVEL:
        head, rest = buttons[:MAX_TOP_LEVEL - 1], buttons[MAX_TOP_LEVEL - 1:]
        if len(rest) > MAX_SUB_BUTTONS:
            raise ValueError("too many menu items for WeChat's menu (at most 7 here)")
        buttons = [*head, {"name": more_name, "sub_button": rest}]
    return {"button": buttons}
