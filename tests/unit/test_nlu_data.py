"""The training data and the held-out set: coverage and disjointness."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from bot.evaluation.examples import HELDOUT_DIR, heldout_examples, heldout_sets, load_examples
from bot.evaluation.near_duplicates import near_duplicates
from bot.knowledge import default_knowledge
from bot.settings import REPO_ROOT

TRAINING = REPO_ROOT / "data" / "nlu"
CONTRACT_INTENTS = ["greet", "goodbye", "thank", "affirm", "deny", "bot_challenge",
                    "ask_how_to_file", "check_case_status", "request_human"]


def normalised(text: str) -> str:
    return re.sub(r"[\s，。！？!?,.~…]+", "", text).lower()


def training_examples():
    return load_examples(Path(TRAINING).rglob("*.yml"))


def test_held_out_examples_are_never_trained_on() -> None:
    trained = {normalised(e.text) for e in training_examples()}
    leaked = [e.text for e in heldout_examples() if normalised(e.text) in trained]
    assert not leaked, f"held-out examples found in training data: {leaked[:10]}"


def test_held_out_examples_have_no_near_copies_in_the_training_data() -> None:
    pairs = near_duplicates([e.text for e in heldout_examples()],
                            [e.text for e in training_examples()])
    assert not pairs, f"near-copies (held-out, training, similarity): {pairs[:10]}"


def test_the_near_copy_check_can_fail() -> None:
    letter = ("尊敬的领导：您好！我家门口的路灯已经坏了三个多月，晚上出门一片漆黑，"
              "老人孩子走路都害怕，多次打电话也没人来修，望尽快处理。")
    edited = letter.replace("三个多月", "两个多月").replace("望尽快处理", "希望尽快处理")
    assert near_duplicates([edited], [letter, "你好"])
    assert not near_duplicates(["路灯坏了找谁"], [letter])  # a phrase inside a letter is fine


def test_long_form_share_of_every_matter_and_other_government_breadth() -> None:
    """At least 30 % of each matter's examples are message-board letters (80+ characters);
    other_government has at least 400 examples."""
    examples = [e for e in training_examples() if e.matter]
    totals = Counter(e.matter for e in examples)
    long_form = Counter(e.matter for e in examples if len(e.text) >= 80)
    short = {m: round(long_form[m] / totals[m], 2) for m in totals if long_form[m] < 0.3 * totals[m]}
    assert not short, f"matters with under 30% long-form examples: {short}"
    assert totals["other_government"] >= 400


def test_held_out_sets_are_reported_short_and_long() -> None:
    sets = heldout_sets()
    assert len(sets["long"]) >= 200 and all(len(e.text) >= 100 for e in sets["long"])
    not_accepted = [e for e in sets["long"] if not default_knowledge().get(e.matter).accepted]
    other = [e for e in sets["long"] if e.matter == "other_government"]
    assert len(other) >= 0.6 * len(sets["long"]) and len(not_accepted) > len(other)


def test_every_matter_has_enough_training_and_held_out_examples() -> None:
    train = Counter(e.matter for e in training_examples() if e.matter)
    held = Counter(e.matter for e in heldout_examples() if e.matter)
    for matter in default_knowledge().ids:
        assert train[matter] >= 40, matter
        assert held[matter] >= 10, matter


def test_contract_intents_have_at_least_30_examples() -> None:
    counts = Counter(e.intent for e in training_examples())
    for intent in CONTRACT_INTENTS:
        assert counts[intent] >= 30, intent


def test_held_out_directory_is_outside_the_training_data() -> None:
    assert TRAINING not in HELDOUT_DIR.parents
