"""Scope-of-acceptance actions: who handles a matter, follow-ups, overview."""
from __future__ import annotations

from typing import Any, Dict, List, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import hand_off
from actions.tracker_view import (
    entity_value,
    latest_intent,
    latest_text,
    matter_ranking,
    matter_scope,
)
from bot.handoff.models import Reason
from bot.handoff.texts import default_texts
from bot.knowledge import (
    decide,
    default_knowledge,
    render_answer,
    render_area,
    render_clarify,
    render_followup,
    render_overview,
)

FOLLOWUP_TOPICS = {
    "ask_materials": "materials",
    "ask_time_limit": "time_limit",
    "ask_where_to_go": "where_to_go",
    "ask_if_late": "if_late",
}
# Follow-ups asked with no matter in context are answered for the petition itself.
PETITION_TOPICS = {"materials": "utter_petition_materials", "time_limit": "utter_petition_reply_time"}
ASK_MATTER_FIRST = "您想了解哪件事呢？请先用一两句话说说您遇到的情况，我再告诉您需要什么、多久、去哪办。"


def matter_slots(matter_id: Text) -> List[Dict[Text, Any]]:
    """The contract slots for a decided matter."""
    record = default_knowledge().get(matter_id)
    return [SlotSet("matter", record.id), SlotSet("matter_accepted", record.accepted)]


class ActionExplainMatter(Action):
    """Classify the citizen's matter and say who handles it and how."""

    def name(self) -> Text:
        return "action_explain_matter"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        kb = default_knowledge()
        chosen = entity_value(tracker, "matter")
        if chosen in kb.ids:
            return self._answer(dispatcher, tracker, chosen)
        decision = decide(matter_ranking(tracker), latest_text(tracker), kb,
                          scope=matter_scope(tracker))
        if decision.kind == "answer":
            return self._answer(dispatcher, tracker, decision.matter, decision.alternatives)
        reply = render_clarify(decision.question, decision.options, kb)
        dispatcher.utter_message(**reply.to_rasa())
        return [SlotSet("matter", None), SlotSet("matter_accepted", None)]

    @staticmethod
    def _answer(
        dispatcher: CollectingDispatcher, tracker: Tracker, matter_id: Text,
        alternatives: Sequence[Text] = (),
    ) -> List[Dict[Text, Any]]:
        """Answer; matters that need a person (e.g. officer_conduct) are also handed off."""
        kb = default_knowledge()
        record = kb.get(matter_id)
        dispatcher.utter_message(**render_answer(record, [kb.get(m) for m in alternatives]).to_rasa())
        if not record.needs_officer:
            return matter_slots(matter_id)
        intro = default_texts().get("needs_officer_handoff")
        return matter_slots(matter_id) + hand_off(dispatcher, tracker, Reason.NEEDS_OFFICER,
                                                  intro=intro, matter=matter_id)


class ActionAnswerFollowup(Action):
    """Answer 带什么材料 / 多久 / 去哪办 / 过了期限 for the matter in context."""

    def name(self) -> Text:
        return "action_answer_followup"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        kb = default_knowledge()
        matter_id = entity_value(tracker, "matter") or tracker.get_slot("matter")
        topic = FOLLOWUP_TOPICS.get(latest_intent(tracker), "where_to_go")
        if matter_id not in kb.ids and topic in PETITION_TOPICS:
            # No matter in context: "要带身份证吗" / "多久答复" are about the petition itself.
            dispatcher.utter_message(response=PETITION_TOPICS[topic])
            return []
        if matter_id not in kb.ids:
            overview = render_overview(kb)
            dispatcher.utter_message(text=ASK_MATTER_FIRST, buttons=overview.to_rasa().get("buttons"))
            return []
        reply = render_followup(kb.get(matter_id), topic)
        dispatcher.utter_message(**reply.to_rasa())
        return matter_slots(matter_id)


class ActionScopeOverview(Action):
    """The general 受理范围 overview, or the matters of one area."""

    def name(self) -> Text:
        return "action_scope_overview"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        kb = default_knowledge()
        area = entity_value(tracker, "area")
        if area in kb.areas:
            reply = render_area(kb, area)
        else:
            reply = render_overview(kb)
        dispatcher.utter_message(**reply.to_rasa())
        return []
