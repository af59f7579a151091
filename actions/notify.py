"""退订通知 / 恢复通知: the citizen stops or restarts case-status notifications (bot.notify)."""
from __future__ import annotations

from typing import Any, Dict, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import BaseAction, Events, off_loop
from bot.notify.runtime import outbox_store
from bot.notify.texts import default_texts


class _SetSubscription(BaseAction):
    subscribed = True
    done_text = ""

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> Events:
        texts = default_texts()
        stored = await off_loop(outbox_store().set_subscribed, tracker.sender_id or "", self.subscribed)
        dispatcher.utter_message(text=texts[self.done_text] if stored else texts["no_address"])
        return []


class ActionUnsubscribeNotifications(_SetSubscription):
    """“退订通知”: no more status notifications to this chat."""

    subscribed, done_text = False, "unsubscribed"

    def name(self) -> Text:
        return "action_unsubscribe_notifications"


class ActionResubscribeNotifications(_SetSubscription):
    """“恢复通知”: status notifications again."""

    subscribed, done_text = True, "resubscribed"

    def name(self) -> Text:
        return "action_resubscribe_notifications"
