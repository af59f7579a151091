"""The optional Telegram officers' group: a notification per new handoff with a 认领 button.

An officer's reply to that notification goes to the citizen.

Officers are recognised by ``officers.telegram_user_id`` (``python -m bot accounts
add … --telegram-id N``).  No citizen text is posted to the group.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.accounts.service import AccountService, OfficerView
from bot.channels.telegram.texts import TEXTS_PATH
from bot.common.clock import china_time
from bot.common.texts import load_text
from bot.handoff.models import Status
from bot.handoff.runtime import HandoffRuntime
from bot.handoff.views import CHANNEL_LABELS, HandoffView

__all__ = ["CLAIM_PREFIX", "TelegramOfficers", "make_officers_handler"]

log = logging.getLogger(__name__)

CLAIM_PREFIX = "hc:"
UNKNOWN_OFFICER = load_text(TEXTS_PATH, "unknown_officer")


def notification_text(view: HandoffView) -> str:
    """Short alert text without any citizen text."""
    local = china_time(view.created_at, "%m-%d %H:%M")
    head = "【紧急】" if view.urgent else ""
    lines = [f"{head}新的人工接管 #{view.id}", f"原因：{view.reason_label}"]
    if view.warning_tags:
        lines.append("预警类别：" + "、".join(view.warning_tags))
    lines += [f"渠道：{CHANNEL_LABELS.get(view.channel, view.channel)}　时间：{local}",
              "点“认领”接手；回复本消息即可直接回复群众。"]
    return "\n".join(lines)


class TelegramOfficers:
    """Sends alerts to the officers' chat through the running bridge's bot."""

    def __init__(self, get_bot: Callable[[], Bot | None], chat_id: int) -> None:
        self._get_bot = get_bot
        self.chat_id = chat_id

    async def notify(self, handoff: HandoffView) -> int | None:
        bot = self._get_bot()
        if bot is None:
            return None
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(
            "认领", callback_data=f"{CLAIM_PREFIX}{handoff.id}")]])
        message = await bot.send_message(self.chat_id, notification_text(handoff),
                                         reply_markup=markup)
        return int(message.message_id)

    async def claimed(self, handoff: HandoffView) -> None:
        bot = self._get_bot()
        if bot is None or handoff.telegram_message_id is None:
            return
        text = notification_text(handoff) + f"\n✅ 已由{handoff.officer_name or '民警'}认领"
        try:
            await bot.edit_message_text(text, chat_id=self.chat_id,
                                        message_id=handoff.telegram_message_id)
        except TelegramError as error:
            log.info("could not mark handoff %s claimed in Telegram: %s", handoff.id, error)


def make_officers_handler(runtime: HandoffRuntime, accounts: AccountService) -> Any:
    """The bridge's officers'-group hook: 认领 buttons and replies to notifications."""

    async def officer_for(update: Update) -> OfficerView | None:
        user = update.effective_user
        return await runtime.db(accounts.by_telegram, user.id) if user else None

    async def on_claim(update: Update) -> None:
        query = update.callback_query
        assert query is not None  # noqa: S101 - a CallbackQueryHandler
        officer = await officer_for(update)
        if officer is None:
            await query.answer(UNKNOWN_OFFICER, show_alert=True)
            return
        handoff_id = int((query.data or "")[len(CLAIM_PREFIX):] or 0)
        view = await runtime.claim(handoff_id, officer, ip="telegram")
        await query.answer("已认领，回复通知消息即可回复群众。" if view else "该对话已被其他民警认领或已结束。")

    async def on_reply(update: Update) -> None:
        message = update.message
        assert message is not None and message.reply_to_message is not None  # noqa: S101 - the handler's filter
        view = await runtime.db(runtime.service.for_telegram_message,
                                message.reply_to_message.message_id)
        if view is None:
            return
        officer = await officer_for(update)
        if officer is None:
            await message.reply_text(UNKNOWN_OFFICER)
            return
        if view.status == Status.WAITING:
            view = await runtime.claim(view.id, officer, ip="telegram") or view
        sent = await runtime.reply(view.id, officer, message.text or "", ip="telegram")
        await message.reply_text("已发送给群众。" if sent else "没有发送：该对话由其他民警处理或已结束。")

    async def handle(update: Update, context: Any) -> None:
        try:
            query = update.callback_query
            if query is not None and (query.data or "").startswith(CLAIM_PREFIX):
                await on_claim(update)
            elif (update.message is not None and update.message.text
                  and update.message.reply_to_message is not None):
                await on_reply(update)
        except (TelegramError, ValueError) as error:
            log.warning("officers' group update failed: %s", error)

    return handle
