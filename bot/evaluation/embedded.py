"""Does a traffic sentence inside a long letter about something else get lost?

Each held-out letter about another department gets one held-out short traffic message
inserted between two of its sentences. The bot "finds" the inserted matter when its
answer is that matter or mentions it after the answer (``bot.knowledge.decide.mentioned``);
the whole-text answer alone is reported beside it. The untouched letters measure the
opposite error: a traffic matter mentioned for a letter with no traffic content.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.evaluation.examples import Example
from bot.evaluation.predictor import Prediction
from bot.evaluation.report import bot_matter_decision
from bot.knowledge import KnowledgeBase, mentioned
from bot.nlu.letters import sentences

Predict = Callable[[list[str]], list[Prediction]]
MIN_INSERTED_CHARS = 8


@dataclass(frozen=True)
class EmbeddedReport:
    letters: int
    found_by_answer: int
    found_with_mentions: int
    plain_letters: int
    false_traffic_mentions: int

    @property
    def answer_rate(self) -> float:
        return self.found_by_answer / self.letters if self.letters else 0.0

    @property
    def found_rate(self) -> float:
        return self.found_with_mentions / self.letters if self.letters else 0.0

    @property
    def false_mention_rate(self) -> float:
        return self.false_traffic_mentions / self.plain_letters if self.plain_letters else 0.0

    def summary(self) -> str:
        return (f"traffic sentence inside a letter about something else ({self.letters} letters): "
                f"found by the answer alone {self.answer_rate:.3f}, with per-sentence mentions "
                f"{self.found_rate:.3f}; traffic matter mentioned for a letter without traffic "
                f"content: {self.false_mention_rate:.3f} "
                f"({self.false_traffic_mentions}/{self.plain_letters})")


def mixed_letters(letters: Sequence[Example], short: Sequence[Example], kb: KnowledgeBase,
                  seed: int = 3) -> list[tuple[str, str]]:
    """(letter with an inserted traffic message, the inserted matter), reproducibly."""
    rng = random.Random(seed)  # noqa: S311 - reproducible sampling
    traffic = [e for e in short if e.matter in kb.ids and kb.get(e.matter).accepted
               and len(e.text) >= MIN_INSERTED_CHARS]
    result = []
    for letter in letters:
        parts = sentences(letter.text)
        if len(parts) < 2 or not traffic:
            continue
        inserted = rng.choice(traffic)
        middle = len(parts) // 2
        sentence = inserted.text.rstrip("。！？!?.") + "。"
        result.append(("".join(parts[:middle]) + sentence + "".join(parts[middle:]),
                       inserted.matter))
    return result


def _answer_and_mentions(prediction: Prediction, text: str, kb: KnowledgeBase) -> tuple[str, ...]:
    decision = bot_matter_decision(prediction, text, kb)
    if decision is None or not decision.is_answer:
        return ()
    return (str(decision.matter), *mentioned(decision, prediction.sentences, kb))


def evaluate_embedded(long_letters: Sequence[Example], short: Sequence[Example],
                      kb: KnowledgeBase, predict: Predict) -> EmbeddedReport:
    """Insert traffic messages into the letters about other bodies and score both kinds."""
    plain = [e for e in long_letters if e.matter in kb.ids and not kb.get(e.matter).accepted]
    mixed = mixed_letters(plain, short, kb)
    mixed_predictions = predict([text for text, _ in mixed])
    by_answer = with_mentions = 0
    for (text, matter), prediction in zip(mixed, mixed_predictions, strict=True):
        named = _answer_and_mentions(prediction, text, kb)
        by_answer += bool(named) and named[0] == matter
        with_mentions += matter in named
    false = 0
    for example, prediction in zip(plain, predict([e.text for e in plain]), strict=True):
        named = _answer_and_mentions(prediction, example.text, kb)
        false += any(kb.get(m).accepted for m in named)
    return EmbeddedReport(len(mixed), by_answer, with_mentions, len(plain), false)
