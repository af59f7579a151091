"""Two-stage fallback: suggest likely intents as buttons, then offer an officer.

A third miss in a row hands the conversation to an officer.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import BaseAction
from actions.handoff import hand_off
from actions.tracker_view import intent_ranking, matter_ranking
from bot.handoff.models import Reason
from bot.handoff.texts import default_texts
from bot.knowledge import default_knowledge
from bot.labels import label_button, load_labels
from bot.replies import FALLBACK_SIGNAL, Button, Reply

FIRST_MISS = "抱歉，我没太明白您的意思。您是想问下面哪一项吗？都不是的话，请换个说法再说一次。"
SECOND_MISS = "抱歉，我还是没能理解您的问题。要不要为您转接民警？您也可以先看看交警的受理范围。"
MAX_SUGGESTIONS = 3
MIN_CONFIDENCE = 0.05
NEVER_SUGGEST = {"affirm", "deny", "cancel", "out_of_scope", "greet", "goodbye", "thank",
                 "rate_service"}


def suggestion_buttons(tracker: Tracker) -> list[Button]:
    """Buttons for the most likely intents; a matter suggestion names the matter."""
    labels = load_labels()
    buttons: list[Button] = []
    for intent, confidence in intent_ranking(tracker):
        if len(buttons) >= MAX_SUGGESTIONS or confidence < MIN_CONFIDENCE:
            break
        if intent in NEVER_SUGGEST or intent not in labels:
            continue
        if intent == "describe_matter":
            buttons.extend(_matter_buttons(tracker))
        else:
            buttons.append(label_button(intent))
    unique = list(dict.fromkeys(buttons))[:MAX_SUGGESTIONS]
    return [*unique, label_button("request_human")]


def fallback_streak(tracker: Tracker, action_name: str = "action_fallback_suggest") -> int:
    """How many turns in a row before the latest message ended with ``action_name``."""
    streak, in_turn, last_action = 0, False, None
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            if in_turn:
                if last_action != action_name:
                    return streak
                streak += 1
            in_turn, last_action = True, None
        elif (in_turn and kind == "action" and last_action is None
              and event.get("name") not in ("action_listen", None)):
            last_action = event.get("name")
    return streak


def _matter_buttons(tracker: Tracker) -> list[Button]:
    kb = default_knowledge()
    return [
        Button(kb.get(matter).name, f'/describe_matter{{"matter":"{matter}"}}')
        for matter, _ in matter_ranking(tracker)[:2]
        if matter in kb.ids
    ]


class ActionFallbackSuggest(BaseAction):
    """First miss: buttons with guesses; second in a row: offer a person; third: hand off."""

    def name(self) -> str:
        return "action_fallback_suggest"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        streak = fallback_streak(tracker, self.name())
        if streak >= 2:
            return await hand_off(dispatcher, tracker, Reason.FALLBACK,
                                  intro=default_texts().get("fallback_handoff"))
        if streak == 1:
            buttons = [label_button("request_human"), label_button("ask_scope_overview")]
            dispatcher.utter_message(text=SECOND_MISS, buttons=[b.to_rasa() for b in buttons])
        else:
            buttons = suggestion_buttons(tracker)
            dispatcher.utter_message(text=FIRST_MISS, buttons=[b.to_rasa() for b in buttons])
        # Tells the gateway's metrics (never the citizen) that the message was not understood.
        dispatcher.utter_message(**Reply.signal_payload(FALLBACK_SIGNAL))
        return []
