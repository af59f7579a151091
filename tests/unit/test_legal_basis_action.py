"""The answering actions remember their legal basis; action_show_legal_basis quotes it.

Trackers are built in the test (rasa_sdk Tracker objects), as tests/handoff/test_actions.py does.
"""
from __future__ import annotations

from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.scope import (
    LAST_BASIS_SLOT,
    ActionAnswerFollowup,
    ActionExplainMatter,
    ActionShowLegalBasis,
    basis_to_show,
)
from bot.knowledge import default_knowledge
from bot.knowledge.laws import TRIM_NOTE, article
from bot.knowledge.loader import REPO_ROOT
from bot.knowledge.render import LEGAL_BASIS_MAX_ARTICLES, NO_BASIS_TEXT

DOMAIN = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))


def user(text: str, intent: str, entities: list | None = None,
         ranking: list[tuple] | None = None, scope: float | None = None) -> dict[str, Any]:
    selector: dict[str, Any] = {}
    if ranking:
        selector = {"describe_matter": {
            "ranking": [{"intent_response_key": f"describe_matter/{m}", "confidence": c}
                        for m, c in ranking],
            **({"scope": scope} if scope is not None else {})}}
    return {"event": "user", "text": text, "metadata": {"channel": "webchat"},
            "parse_data": {"intent": {"name": intent, "confidence": 0.95},
                           "entities": entities or [], "intent_ranking": [],
                           "response_selector": selector}}


def action(name: str) -> dict[str, Any]:
    return {"event": "action", "name": name}


def bot(text: str) -> dict[str, Any]:
    return {"event": "bot", "text": text}


def tracker(events: list[dict[str, Any]], slots: dict[str, Any] | None = None) -> Tracker:
    last = [e for e in events if e["event"] == "user"][-1]
    latest = {**last["parse_data"], "text": last["text"]}
    return Tracker("web-legal0000", {"matter": None, LAST_BASIS_SLOT: None, **(slots or {})},
                   latest, events, False, None, {}, "action_listen")


async def run(action_object: Any, t: Tracker) -> tuple:
    dispatcher = CollectingDispatcher()
    events = await action_object.run(dispatcher, t, DOMAIN)
    return events, dispatcher.messages


def slot_events(events: list) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def after(events_so_far: list[dict[str, Any]], answer_events: list, messages: list,
          name: str) -> tuple:
    """The history after an action ran, and the slots it left."""
    history = events_so_far + [action(name)] + [bot(m.get("text") or "") for m in messages]
    return history, slot_events(answer_events)


def payloads(message: dict[str, Any]) -> list[str]:
    return [b["payload"] for b in message.get("buttons") or []]


EXPIRED = "驾照过期半年了还能开吗"


async def test_a_specific_question_is_answered_and_its_basis_remembered() -> None:
    history = [action("action_listen"),
               user(EXPIRED, "describe_matter", ranking=[("driving_license", 0.93)], scope=0.95)]
    events, messages = await run(ActionExplainMatter(), tracker(history))
    text = messages[0]["text"]
    assert text.startswith("【驾驶证业务】驾照过期了还能开车吗？")
    assert "不得驾驶机动车" in text and "「驾驶证业务」属于交警" in text
    assert "/ask_legal_basis" in payloads(messages[0]) and "/ask_materials" in payloads(messages[0])
    slots = slot_events(events)
    assert slots["matter"] == "driving_license" and slots["matter_accepted"] is True
    assert slots[LAST_BASIS_SLOT][0] == "道路交通安全法实施条例 第二十八条"
    assert "机动车驾驶证申领和使用规定 第七十九条" in slots[LAST_BASIS_SLOT]

    # "这是哪条规定的" -> the exact article text, read from data/laws
    history, slots = after(history, events, messages, "action_explain_matter")
    history += [action("action_listen"), user("这是哪条规定的", "ask_legal_basis")]
    shown_events, shown = await run(ActionShowLegalBasis(), tracker(history, slots))
    assert shown_events == []
    quoted = shown[0]["text"]
    assert "《道路交通安全法实施条例》第二十八条" in quoted
    assert article("道路交通安全法实施条例", "第二十八条").text in quoted
    # more articles than fit: the rest as buttons, one article each
    assert len(slots[LAST_BASIS_SLOT]) > LEGAL_BASIS_MAX_ARTICLES
    assert any(p.startswith('/ask_legal_basis{"law_article":') for p in payloads(shown[0]))


async def test_the_general_answer_remembers_the_matters_basis() -> None:
    history = [action("action_listen"),
               user("我想咨询一下驾驶证业务", "describe_matter", ranking=[("driving_license", 0.9)],
                    scope=0.95)]
    events, messages = await run(ActionExplainMatter(), tracker(history))
    assert messages[0]["text"].startswith("【驾驶证业务（")   # the general answer
    keys = slot_events(events)[LAST_BASIS_SLOT]
    record = default_knowledge().get("driving_license")
    assert keys[0] == f"{record.time_limits[0].basis.statute} {record.time_limits[0].basis.articles[0]}"
    assert messages[0]["buttons"][-2]["payload"] == "/ask_legal_basis"


async def test_penalty_appeal_question_cites_the_reconsideration_law() -> None:
    history = [action("action_listen"),
               user("电子眼拍的200元罚款不服能直接起诉吗", "describe_matter",
                    ranking=[("penalty_appeal", 0.9)], scope=0.1)]
    events, messages = await run(ActionExplainMatter(), tracker(history))
    assert "先向行政复议机关申请行政复议" in messages[0]["text"]
    assert slot_events(events)[LAST_BASIS_SLOT][:2] == ["行政复议法 第二十三条", "行政复议法 第二十条"]
    history, slots = after(history, events, messages, "action_explain_matter")
    history += [action("action_listen"), user("/ask_legal_basis", "ask_legal_basis")]
    _, shown = await run(ActionShowLegalBasis(), tracker(history, slots))
    assert "（一）对当场作出的行政处罚决定不服；" in shown[0]["text"]


async def test_one_article_button_shows_that_article_only() -> None:
    history = [action("action_listen"),
               user('/ask_legal_basis{"law_article":"道路交通事故处理程序规定 第八十六条"}',
                    "ask_legal_basis",
                    entities=[{"entity": "law_article", "value": "道路交通事故处理程序规定 第八十六条"}])]
    _, shown = await run(ActionShowLegalBasis(),
                   tracker(history, {LAST_BASIS_SLOT: ["行政复议法 第二十条"]}))
    text = shown[0]["text"]
    assert "《道路交通事故处理程序规定》第八十六条" in text and "十日内一致书面申请" in text
    assert "行政复议法" not in text


async def test_a_missing_article_is_said_clearly() -> None:
    history = [action("action_explain_matter"), action("action_listen"),
               user("法律原文是什么", "ask_legal_basis")]
    _, shown = await run(ActionShowLegalBasis(),
                   tracker(history, {LAST_BASIS_SLOT: ["行政复议法 第九百条", "行政复议法 第二十条"]}))
    text = shown[0]["text"]
    assert "《行政复议法》第九百条\n抱歉，资料库里没有找到这一条的原文" in text
    assert "自知道或者应当知道该行政行为之日起六十日内" in text


async def test_after_a_fixed_response_the_articles_it_cites_are_shown() -> None:
    how_to_file = DOMAIN["responses"]["utter_how_to_file"][0]["text"]
    history = [action("action_listen"), user("怎么信访", "ask_how_to_file"),
               action("utter_how_to_file"), bot(how_to_file), action("action_listen"),
               user("依据是什么", "ask_legal_basis")]
    t = tracker(history, {LAST_BASIS_SLOT: ["行政复议法 第二十条"]})
    assert basis_to_show(t)[0] == "信访工作条例 第十七条"
    _, shown = await run(ActionShowLegalBasis(), t)
    assert "《信访工作条例》第十七条" in shown[0]["text"] and "行政复议法" not in shown[0]["text"]


def test_after_thanks_the_last_answer_with_a_basis_counts() -> None:
    history = [action("action_explain_matter"), action("action_listen"), user("谢谢", "thank"),
               action("utter_thank"), bot("不客气"), action("action_listen"),
               user("依据是什么", "ask_legal_basis")]
    assert basis_to_show(tracker(history, {LAST_BASIS_SLOT: ["行政复议法 第二十条"]})) == [
        "行政复议法 第二十条"]


async def test_nothing_to_show_is_said_politely() -> None:
    history = [action("action_listen"), user("这是哪条规定的", "ask_legal_basis")]
    events, shown = await run(ActionShowLegalBasis(), tracker(history))
    assert events == [] and shown[0]["text"] == NO_BASIS_TEXT
    assert "/request_human" in payloads(shown[0])


async def test_a_clarifying_question_forgets_the_basis() -> None:
    history = [action("action_listen"), user("我想办个业务", "describe_matter")]  # no ranking
    events, messages = await run(ActionExplainMatter(),
                           tracker(history, {LAST_BASIS_SLOT: ["行政复议法 第二十条"]}))
    assert slot_events(events)[LAST_BASIS_SLOT] is None
    assert "/ask_legal_basis" not in payloads(messages[0])


async def test_tapping_a_matter_after_a_clarifying_question_answers_the_original_question() -> None:
    history = [action("action_listen"),
               user(EXPIRED, "describe_matter",
                    ranking=[("driving_license", 0.4), ("vehicle_registration", 0.35)], scope=0.9),
               action("action_explain_matter"), bot("我想确认一下，您想咨询的是下面哪件事？"),
               action("action_listen"),
               user('/describe_matter{"matter":"driving_license"}', "describe_matter",
                    entities=[{"entity": "matter", "value": "driving_license"}])]
    _events, messages = await run(ActionExplainMatter(), tracker(history))
    assert messages[0]["text"].startswith("【驾驶证业务】驾照过期了还能开车吗？")
    # the "查看完整说明" button gives the general answer (a payload right after a payload)
    history += [action("action_explain_matter"), bot(messages[0]["text"]), action("action_listen"),
                user('/describe_matter{"matter":"driving_license"}', "describe_matter",
                     entities=[{"entity": "matter", "value": "driving_license"}])]
    _, general = await run(ActionExplainMatter(), tracker(history))
    assert general[0]["text"].startswith("【驾驶证业务（")


async def test_follow_ups_remember_what_they_cite() -> None:
    history = [action("action_explain_matter"), action("action_listen"),
               user("要多久", "ask_time_limit")]
    events, messages = await run(ActionAnswerFollowup(),
                           tracker(history, {"matter": "accident_review"}))
    keys = slot_events(events)[LAST_BASIS_SLOT]
    assert keys[0] == "道路交通事故处理程序规定 第七十一条"
    assert "/ask_legal_basis" in payloads(messages[0])
    history, slots = after(history, events, messages, "action_answer_followup")
    history += [action("action_listen"), user("法条原文", "ask_legal_basis")]
    _, shown = await run(ActionShowLegalBasis(), tracker(history, {**slots, "matter": "accident_review"}))
    assert "自道路交通事故认定书或者道路交通事故证明送达之日起三日内" in shown[0]["text"]
    assert TRIM_NOTE not in shown[0]["text"].split("\n\n")[1]
