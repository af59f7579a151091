"""退订通知 / 恢复通知: fixed commands (data/channels/commands.yml) the gateway answers itself."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.notify.outbox import OutboxStore
from bot.notify.texts import default_texts
from bot.replies import Reply

Command = Callable[[str, str], Awaitable[list[Reply]]]
UNSUBSCRIBE, RESUBSCRIBE = "unsubscribe_notifications", "resubscribe_notifications"


def _set_subscription(store: OutboxStore, subscribed: bool, done: str) -> Command:
    async def command(channel: str, sender_id: str) -> list[Reply]:
        texts = default_texts()
        stored = await asyncio.to_thread(store.set_subscribed, sender_id, subscribed)
        return [Reply(texts[done] if stored else texts["no_address"])]
    return command


def subscription_commands(store: OutboxStore) -> dict[str, Command]:
    """The two commands, by their name in data/channels/commands.yml."""
    return {UNSUBSCRIBE: _set_subscription(store, False, "unsubscribed"),
            RESUBSCRIBE: _set_subscription(store, True, "resubscribed")}
