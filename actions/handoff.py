"""Handing the conversation to a human officer, resuming after it, and the 1–5 rating (回访)."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused
from rasa_sdk.executor import CollectingDispatcher

from actions.base import BaseAction, off_loop
from actions.tracker_view import entity_value, latest_text
from bot.handoff.citizen import HandoffStart, start_handoff
from bot.handoff.db import default_service
from bot.handoff.models import Reason
from bot.handoff.rating import parse_rating
from bot.handoff.texts import default_texts
from bot.labels import label_button
from bot.replies import HANDOFF_SIGNAL, Reply


def citizen_channel(tracker: Tracker) -> str:
    """The channel of the latest user message (metadata set by the gateway's router)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            channel = (event.get("metadata") or {}).get("channel")
            if channel:
                return str(channel)
            break
    sender = tracker.sender_id or ""
    if sender.startswith("web-"):
        return "webchat"
    return "telegram" if sender.lstrip("-").isdigit() else "rest"


async def hand_off(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    reason: str,
    intro: str | None = None,
    matter: str | None = None,
) -> list[dict[str, Any]]:
    """Open (or reuse) the handoff, tell the citizen, pause the conversation when on duty."""
    start: HandoffStart = await off_loop(start_handoff, default_service(),
                                         citizen_channel(tracker), tracker.sender_id, reason,
                                         intro=intro, matter=matter)
    for reply in start.replies:
        dispatcher.utter_message(**reply.to_rasa())
    if start.handoff is not None:  # the gateway routes this conversation by its handoff now
        dispatcher.utter_message(**Reply.signal_payload(HANDOFF_SIGNAL))
    return [ConversationPaused()] if start.pause else []


class ActionRequestHuman(BaseAction):
    """The citizen asks for a person (转人工, /human)."""

    def name(self) -> str:
        return "action_request_human"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return await hand_off(dispatcher, tracker, Reason.REQUESTED,
                              matter=tracker.get_slot("matter"))


class ActionHandoffResumed(BaseAction):
    """Run by the gateway after an officer closed the handoff: back, and ask for a rating."""

    def name(self) -> str:
        return "action_handoff_resumed"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        texts = default_texts()
        dispatcher.utter_message(text=texts.get("resumed"),
                                 buttons=[b.to_rasa() for b in texts.rating_buttons])
        return []


class ActionStoreRating(BaseAction):
    """Store the citizen's 1–5 rating on the latest closed handoff and thank them."""

    def name(self) -> str:
        return "action_store_rating"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        texts = default_texts()
        rating = parse_rating(latest_text(tracker), entity_value(tracker, "rating"))
        if rating is None:
            dispatcher.utter_message(text=texts.get("rating_unknown"),
                                     buttons=[b.to_rasa() for b in texts.rating_buttons])
            return []
        stored = await off_loop(default_service().store_rating, tracker.sender_id, rating)
        if stored is None:
            dispatcher.utter_message(text=texts.get("rating_without_handoff"))
        elif rating <= 2:
            buttons = [label_button("request_human"), label_button("file_petition")]
            dispatcher.utter_message(text=texts.get("rating_sorry", rating=rating),
                                     buttons=[b.to_rasa() for b in buttons])
        else:
            dispatcher.utter_message(text=texts.get("rating_thanks", rating=rating))
        return []
