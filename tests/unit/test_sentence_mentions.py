"""A matter named in one sentence of a long letter is mentioned after the main answer."""
from __future__ import annotations

from actions.scope import ActionExplainMatter
from bot.knowledge import Decision, default_knowledge, mentioned
from bot.knowledge.decide import scores_of_sentences
from bot.knowledge.render import MENTION_INTRO, render_mentions
from tests.unit.test_legal_basis_action import payloads, run, tracker, user

KB = default_knowledge()
NOT_ACCEPTED = Decision(kind="answer", matter="other_government", reason="not_accepted", scope=0.05)


def test_a_clear_traffic_sentence_is_mentioned_beside_a_not_accepted_answer() -> None:
    sentences = [("other_government", 0.9, 0.02), ("accident_determination", 0.82, 0.95)]
    assert mentioned(NOT_ACCEPTED, sentences, KB) == ("accident_determination",)


def test_unsure_or_unclear_sentences_are_not_mentioned() -> None:
    policy = KB.policy
    weak = ("accident_determination", policy.sentence_confidence - 0.01, 0.95)
    unclear_scope = ("accident_determination", 0.9, policy.accepted_above - 0.01)
    not_accepted_but_traffic_scope = ("insurance_claim", 0.9, 0.9)
    assert mentioned(NOT_ACCEPTED, [weak, unclear_scope, not_accepted_but_traffic_scope], KB) == ()


def test_the_answer_itself_the_catch_all_and_duplicates_are_not_mentioned() -> None:
    answer = Decision(kind="answer", matter="accident_determination", scope=0.95)
    sentences = [("accident_determination", 0.9, 0.95), ("other_government", 0.95, 0.01),
                 ("insurance_claim", 0.7, 0.1), ("insurance_claim", 0.8, 0.05)]
    assert mentioned(answer, sentences, KB) == ("insurance_claim",)


def test_at_most_max_mentions_best_first_and_none_beside_a_question() -> None:
    sentences = [("traffic_signal", 0.7, 0.9), ("accident_report", 0.95, 0.9),
                 ("vehicle_impound", 0.8, 0.9)]
    assert mentioned(NOT_ACCEPTED, sentences, KB) == \
        ("accident_report", "vehicle_impound")[:KB.policy.max_mentions]
    question = Decision(kind="clarify", question="?", options=("a", "b"))
    assert mentioned(question, sentences, KB) == ()


def test_scores_of_sentences_reads_the_classifier_output_defensively() -> None:
    raw = [{"intent_response_key": "describe_matter/traffic_signal", "confidence": 0.7,
            "scope": 0.9},
           {"intent_response_key": "greet", "confidence": 0.9, "scope": 0.1},
           {"intent_response_key": "describe_matter/road_damage", "confidence": 0.7}]
    assert scores_of_sentences(raw) == [("traffic_signal", 0.7, 0.9)]
    assert scores_of_sentences(None) == [] and scores_of_sentences("x") == []


def test_render_mentions_says_who_handles_each_and_offers_buttons() -> None:
    reply = render_mentions([KB.get("accident_determination"), KB.get("insurance_claim")])
    assert reply.text.startswith(MENTION_INTRO)
    assert "交警" in reply.text and KB.get("insurance_claim").label in reply.text
    assert len(reply.buttons) == 2


async def test_the_explain_action_mentions_the_traffic_sentence_after_the_answer() -> None:
    letter = user("尊敬的领导：小区电梯坏了一个月没人修……另外上周在路口被车撞了，认定书到现在还没出。",
                  "describe_matter", ranking=[("other_government", 0.9), ("road_damage", 0.05)],
                  scope=0.05)
    letter["parse_data"]["response_selector"]["describe_matter"]["sentences"] = [
        {"intent_response_key": "describe_matter/other_government", "confidence": 0.9,
         "scope": 0.02},
        {"intent_response_key": "describe_matter/accident_determination", "confidence": 0.8,
         "scope": 0.93}]
    _, messages = await run(ActionExplainMatter(), tracker([letter]))
    assert len(messages) == 2
    assert MENTION_INTRO in messages[1]["text"]
    assert '/describe_matter{"matter":"accident_determination"}' in payloads(messages[1])


async def test_a_short_message_gets_one_answer_only() -> None:
    _, messages = await run(ActionExplainMatter(), tracker([user(
        "路灯坏了找谁", "describe_matter", ranking=[("other_government", 0.9)], scope=0.05)]))
    assert len(messages) == 1
