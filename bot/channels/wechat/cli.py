"""``python -m bot wechat menu [--print]``: create the 公众号's 自定义菜单.

The menu (受理范围 / 我要信访 / 查询进度 / 转人工) comes from ``data/channels/wechat.yml``;
every click sends the payload of the matching button elsewhere. ``--print`` shows the
JSON without calling WeChat.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence

from bot.channels.wechat.api import WeChatApi, WeChatApiError
from bot.channels.wechat.menu import menu_definition
from bot.channels.wechat.texts import default_texts
from bot.settings import Settings, get_settings

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot wechat",
                                     description="微信公众号 / WeChat Official Account")
    commands = parser.add_subparsers(dest="command", required=True)
    menu = commands.add_parser("menu", help="创建自定义菜单 / create the custom menu")
    menu.add_argument("--print", action="store_true", dest="only_print",
                      help="只打印菜单 JSON，不调用微信接口 / print the JSON only")
    return parser


async def create_menu(settings: Settings) -> None:
    api = WeChatApi(settings.wechat_api_base_url, settings.wechat_app_id,
                    settings.wechat_app_secret)
    try:
        await api.create_menu(menu_definition(default_texts().menu, default_texts().menu_more))
    finally:
        await api.close()


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    args = _parser().parse_args(list(argv) if argv is not None else None)
    menu = menu_definition(default_texts().menu, default_texts().menu_more)
    if args.only_print:
        print(json.dumps(menu, ensure_ascii=False, indent=2))
        return 0
    settings = settings or get_settings()
    if not (settings.wechat_app_id and settings.wechat_app_secret):
        print("需要设置 WECHAT_APP_ID 和 WECHAT_APP_SECRET / WECHAT_APP_ID and WECHAT_APP_SECRET "
              "are required", file=sys.stderr)
        return 2
    try:
        asyncio.run(create_menu(settings))
    except WeChatApiError as error:
        print(f"创建菜单失败 / menu not created: {error}", file=sys.stderr)
        return 1
    names = "、".join(item.name for item in default_texts().menu)
    print(f"已创建自定义菜单 / menu created: {names}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
