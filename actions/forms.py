"""Shared base for our form validators (financial-demo style)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import DATABASE_ERRORS, report_database_error
from actions.tracker_view import latest_intent
from bot.common.text import clean_field

SKIP_WORDS = {"跳过", "没有", "无", "不清楚", "不知道", "记不清", "不记得", "略", "/deny"}
NOT_GIVEN = "未提供"


class BaseFormValidation(FormValidationAction, ABC):
    """Helpers every form validator shares.

    Text cleaning, limits, skipping, and the busy reply (``actions.base``) when a
    validator's database work fails.
    """

    # Slots forgotten after a database error (the form then asks again from the start).
    reset_on_database_error: Sequence[str] = ()

    @abstractmethod
    def name(self) -> str:
        """Each concrete validator names its form's validation action."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        try:
            return await super().run(dispatcher, tracker, domain)
        except DATABASE_ERRORS as error:
            report_database_error(dispatcher, tracker, self.name(), error)
            return [*(SlotSet(name, None) for name in self.reset_on_database_error),
                    SlotSet("requested_slot", None)]

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list:
        """Validate only slots that carry a value: a reset to None is not an answer."""
        set_since_last_message = tracker.slots_to_validate
        tracker.slots_to_validate = lambda: {
            name: value for name, value in set_since_last_message().items() if value is not None}
        return await super().get_validation_events(dispatcher, tracker, domain)

    @staticmethod
    def text_between(
        value: Any, low: int, high: int, dispatcher: CollectingDispatcher, what: str
    ) -> str | None:
        """The cleaned text if its length is within limits; otherwise explain and return None."""
        text = clean_field(value)
        if len(text) < low:
            dispatcher.utter_message(text=f"{what}写得太简单了，请至少写{low}个字，说清楚一点。")
            return None
        if len(text) > high:
            dispatcher.utter_message(text=f"{what}太长了（最多{high}字），请精简一下再发。")
            return None
        return text

    @staticmethod
    def optional_text(value: Any, tracker: Tracker, high: int) -> str:
        """Free text, or 未提供 when the citizen skips the question."""
        text = clean_field(value)
        if latest_intent(tracker) == "deny" or text in SKIP_WORDS or not text:
            return NOT_GIVEN
        return text[:high]
