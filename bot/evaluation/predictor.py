"""Runs a trained Rasa model's NLU on text, in-process."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.knowledge.decide import scores_of_sentences


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float
    matter_ranking: list[tuple[str, float]]
    intent_ranking: list[tuple[str, float]]
    scope: float | None = None  # the classifier's P(traffic police accept)
    # (matter, confidence, P(accept)) per sentence of a long letter
    sentences: tuple[tuple[str, float, float], ...] = ()


def prediction_from_parse(parsed: dict[str, Any]) -> Prediction:
    intent = parsed.get("intent") or {}
    selector = (parsed.get("response_selector") or {}).get("describe_matter") or {}
    ranking = [
        (str(item["intent_response_key"]).split("/", 1)[1], float(item["confidence"]))
        for item in selector.get("ranking") or []
        if "/" in str(item.get("intent_response_key", ""))
    ]
    intents = [(str(i["name"]), float(i["confidence"])) for i in parsed.get("intent_ranking") or []]
    scope = selector.get("scope")
    return Prediction(str(intent.get("name") or ""), float(intent.get("confidence") or 0.0),
                      ranking, intents, float(scope) if isinstance(scope, (int, float)) else None,
                      tuple(scores_of_sentences(selector.get("sentences"))))


class ModelPredictor:
    """Loads a model archive once and parses many messages."""

    def __init__(self, model_path: Path) -> None:
        import logging

        from rasa.core.agent import Agent
        from rasa.utils.log_utils import configure_structlog

        configure_structlog(logging.WARNING)
        self._agent = Agent.load(str(model_path))
        self._loop = asyncio.new_event_loop()

    def predict(self, text: str) -> Prediction:
        parsed = self._loop.run_until_complete(self._agent.parse_message(text))
        return prediction_from_parse(parsed)

    def predict_all(self, texts: list[str]) -> list[Prediction]:
        return [self.predict(text) for text in texts]

    def close(self) -> None:
        self._loop.close()
