"""Scope-of-acceptance actions: who handles a matter, follow-ups, overview."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import BaseAction
from actions.handoff import hand_off
from actions.tracker_view import (
    entity_value,
    latest_intent,
    latest_text,
    matter_ranking,
    matter_scope,
    previous_action,
    sentence_scores,
)
from bot.handoff.models import Reason
from bot.handoff.texts import default_texts
from bot.knowledge import (
    decide,
    default_knowledge,
    mentioned,
    render_answer,
    render_area,
    render_clarify,
    render_followup,
    render_overview,
)
from bot.knowledge.laws import basis_keys, cited_keys
from bot.knowledge.questions import default_questions
from bot.knowledge.render import (
    LAW_ARTICLE_ENTITY,
    followup_basis,
    matter_basis,
    render_legal_basis,
    render_mentions,
    render_question,
    with_basis_button,
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
# The slot with the articles the last answer relied on ("行政复议法 第二十三条", ...).
LAST_BASIS_SLOT = "last_basis"
# Actions that keep LAST_BASIS_SLOT up to date for what they say.
BASIS_ACTIONS = ("action_explain_matter", "action_answer_followup", "action_show_legal_basis")


def matter_slots(matter_id: str) -> list[dict[str, Any]]:
    """The contract slots for a decided matter."""
    record = default_knowledge().get(matter_id)
    return [SlotSet("matter", record.id), SlotSet("matter_accepted", record.accepted)]


class ActionExplainMatter(BaseAction):
    """Classify the citizen's matter and say who handles it and how."""

    def name(self) -> str:
        return "action_explain_matter"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        kb = default_knowledge()
        chosen = entity_value(tracker, "matter")
        if chosen is not None and chosen in kb.ids:
            return await self._answer(dispatcher, tracker, chosen)
        decision = decide(matter_ranking(tracker), latest_text(tracker), kb,
                          scope=matter_scope(tracker))
        if decision.kind == "answer" and decision.matter is not None:  # an answer names its matter
            events = await self._answer(dispatcher, tracker, decision.matter, decision.alternatives)
            also = mentioned(decision, sentence_scores(tracker), kb)
            if also:
                reply = render_mentions([kb.get(matter) for matter in also])
                dispatcher.utter_message(**reply.to_rasa())
            return events
        reply = render_clarify(decision.question or "", decision.options, kb)  # set on every clarify
        dispatcher.utter_message(**reply.to_rasa())
        # A clarifying question cites nothing: "依据是什么" now has no answer to explain.
        return [SlotSet("matter", None), SlotSet("matter_accepted", None),
                SlotSet(LAST_BASIS_SLOT, None)]

    @staticmethod
    async def _answer(
        dispatcher: CollectingDispatcher, tracker: Tracker, matter_id: str,
        alternatives: Sequence[str] = (),
    ) -> list[dict[str, Any]]:
        """Answer the specific question asked, else the general matter answer.

        The specific answer is given if the text matches one of the matter's
        questions; matters that need a person (e.g. officer_conduct) are also
        handed off.
        """
        kb = default_knowledge()
        record = kb.get(matter_id)
        others = [kb.get(m) for m in alternatives]
        found = default_questions().match(matter_id, question_text(tracker))
        if found is not None:
            reply = render_question(record, found.question, others)
            bases = found.question.basis
        else:
            reply = render_answer(record, others)
            bases = matter_basis(record)
        dispatcher.utter_message(**with_basis_button(reply).to_rasa())
        events = [*matter_slots(matter_id), SlotSet(LAST_BASIS_SLOT, basis_keys(bases))]
        if not record.needs_officer:
            return events
        intro = default_texts().get("needs_officer_handoff")
        return events + await hand_off(dispatcher, tracker, Reason.NEEDS_OFFICER,
                                       intro=intro, matter=matter_id)


def question_text(tracker: Tracker) -> str:
    """The citizen's words to match against the matter's questions.

    A button payload carries no question; but when the citizen taps a matter button
    under the bot's last answer or clarifying question, the question is the message
    that answer was about.
    """
    text = latest_text(tracker)
    if not text.startswith("/"):
        return text
    if previous_action(tracker) != "action_explain_matter":
        return ""
    users = [event for event in tracker.events if event.get("event") == "user"]
    earlier = str(users[-2].get("text") or "") if len(users) >= 2 else ""
    return "" if earlier.startswith("/") else earlier


class ActionAnswerFollowup(BaseAction):
    """Answer 带什么材料 / 多久 / 去哪办 / 过了期限 for the matter in context."""

    def name(self) -> str:
        return "action_answer_followup"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
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
        record = kb.get(matter_id)
        reply = render_followup(record, topic)
        dispatcher.utter_message(**with_basis_button(reply).to_rasa())
        return [*matter_slots(matter_id),
                SlotSet(LAST_BASIS_SLOT, basis_keys(followup_basis(record, topic)))]


class ActionScopeOverview(BaseAction):
    """The general 受理范围 overview, or the matters of one area."""

    def name(self) -> str:
        return "action_scope_overview"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        kb = default_knowledge()
        area = entity_value(tracker, "area")
        # kb.areas holds Area objects; the entity is an area key (the overview's buttons).
        reply = render_area(kb, area) if area is not None and area in kb.area_map else render_overview(kb)
        dispatcher.utter_message(**reply.to_rasa())
        return []


def bot_texts_since_last_user(tracker: Tracker) -> list[str]:
    """What the bot said between the previous user message and the latest one."""
    texts: list[str] = []
    seen_user = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                break
            seen_user = True
        elif kind == "bot" and seen_user and event.get("text"):
            texts.append(str(event["text"]))
    return list(reversed(texts))


def basis_to_show(tracker: Tracker) -> list[str]:
    """The articles "这是哪条规定的" refers to, as slot keys.

    1. a button for one article (entity law_article);
    2. the last answer came from an action that records its basis: the slot;
    3. otherwise the articles cited in what the bot just said (e.g. "如何信访");
    4. otherwise the basis of the last answer that had one (the slot).
    """
    requested = entity_value(tracker, LAW_ARTICLE_ENTITY)
    if requested:
        return [requested]
    recorded = [str(key) for key in (tracker.get_slot(LAST_BASIS_SLOT) or [])]
    if previous_action(tracker) in BASIS_ACTIONS:
        return recorded
    cited = [key for text in bot_texts_since_last_user(tracker) for key in cited_keys(text)]
    return list(dict.fromkeys(cited)) or recorded


class ActionShowLegalBasis(BaseAction):
    """Quote the exact text of the articles the last answer cited (from data/laws)."""

    def name(self) -> str:
        return "action_show_legal_basis"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        single = entity_value(tracker, LAW_ARTICLE_ENTITY) is not None
        reply = render_legal_basis(basis_to_show(tracker), single=single)
        dispatcher.utter_message(**reply.to_rasa())
        return []
