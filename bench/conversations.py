"""Realistic mixed citizen conversations for load tests.

Each conversation is drawn (seeded by its number, so runs are repeatable) from the
held-out NLU examples — wordings the model never saw in training — in the shapes
citizens use: a greeting or not, a matter described in their own words, one or two
follow-up questions (材料/时限/去哪办/过了期限), thanks or goodbye; some ask how to
petition, what the traffic police handle at all, or whether they talk to a machine;
one in ten looks up a case with a made-up number and code.

Texts vary across thousands of combinations, so nothing in Rasa can answer from a
cache of repeated inputs. No conversation files a petition or asks for an officer, so a
benchmark leaves no cases behind; each conversation has its own sender, so the lockout
after repeated wrong codes never triggers.
"""
from __future__ import annotations

import random
from functools import lru_cache

from bot.evaluation.examples import heldout_examples

FOLLOW_UPS = ("ask_materials", "ask_time_limit", "ask_where_to_go", "ask_if_late")
CLOSINGS = ("thank", "goodbye")
QUESTIONS = ("ask_how_to_file", "ask_scope_overview", "bot_challenge")
STATUS_LOOKUP: tuple[str, ...] = ("我想查一下我的信访件办到哪一步了", "XF-2026-000123", "K7M2Q9XA",
                                  "算了，谢谢")


@lru_cache(maxsize=1)
def _pools() -> dict[str, tuple[str, ...]]:
    pools: dict[str, list[str]] = {}
    for example in heldout_examples():
        pools.setdefault(example.intent, []).append(example.text)
    return {intent: tuple(texts) for intent, texts in pools.items()}


def script_for(index: int) -> tuple[str, ...]:
    """Conversation ``index``: the same messages for the same index in every run."""
    rng = random.Random(index)
    pools = _pools()

    def pick(intent: str) -> str:
        return rng.choice(pools[intent])

    shape = rng.random()
    if shape < 0.1:
        return STATUS_LOOKUP
    messages: list[str] = []
    if rng.random() < 0.5:
        messages.append(pick("greet"))
    if shape < 0.25:
        messages += [pick(rng.choice(QUESTIONS)), pick("describe_matter")]
    else:
        messages.append(pick("describe_matter"))
        messages += [pick(intent) for intent in rng.sample(FOLLOW_UPS, rng.randint(1, 2))]
    messages.append(pick(rng.choice(CLOSINGS)))
    return tuple(messages)

