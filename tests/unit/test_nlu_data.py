"""The training data and the held-out set: coverage and disjointness."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from bot.evaluation.examples import HELDOUT_DIR, heldout_examples, load_examples
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
