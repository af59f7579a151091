"""Read-only helpers over the rasa-sdk Tracker, shared by all actions."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from bot.knowledge.decide import scores_of_sentences

MATTER_INTENT = "describe_matter"


def latest_text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")


def latest_intent(tracker: Tracker) -> str:
    return str((tracker.latest_message.get("intent") or {}).get("name") or "")


def client_key(tracker: Tracker) -> str | None:
    """The gateway's opaque key for the citizen's address (message metadata), if any."""
    metadata = tracker.latest_message.get("metadata") or {}
    value = metadata.get("client") if isinstance(metadata, dict) else None
    return str(value) if value else None


def entity_value(tracker: Tracker, entity: str) -> str | None:
    """The first value of ``entity`` in the latest message, if any."""
    value = next(tracker.get_latest_entity_values(entity), None)
    return str(value) if value is not None else None


def matter_ranking(tracker: Tracker) -> list[tuple[str, float]]:
    """ResponseSelector ranking of matters, best first, as (matter_id, confidence)."""
    selector: dict[str, Any] = tracker.latest_message.get("response_selector") or {}
    ranking = (selector.get(MATTER_INTENT) or {}).get("ranking") or []
    result = []
    for item in ranking:
        key = str(item.get("intent_response_key") or "")
        if key.startswith(MATTER_INTENT + "/"):
            result.append((key.split("/", 1)[1], float(item.get("confidence") or 0.0)))
    return result


def matter_scope(tracker: Tracker) -> float | None:
    """The classifier's P(traffic police accept) for the latest message, if given."""
    selector: dict[str, Any] = tracker.latest_message.get("response_selector") or {}
    value = (selector.get(MATTER_INTENT) or {}).get("scope")
    return float(value) if isinstance(value, (int, float)) else None


def sentence_scores(tracker: Tracker) -> list[tuple[str, float, float]]:
    """(matter, confidence, P(accept)) of each sentence of a long latest message."""
    selector: dict[str, Any] = tracker.latest_message.get("response_selector") or {}
    return scores_of_sentences((selector.get(MATTER_INTENT) or {}).get("sentences"))


def intent_ranking(tracker: Tracker) -> list[tuple[str, float]]:
    """DIET intent ranking without the fallback pseudo-intent."""
    ranking = tracker.latest_message.get("intent_ranking") or []
    return [
        (str(item.get("name")), float(item.get("confidence") or 0.0))
        for item in ranking
        if item.get("name") and item.get("name") != "nlu_fallback"
    ]


def previous_action(tracker: Tracker) -> str | None:
    """The last bot action before the latest user message (skipping listens)."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                continue
            seen_user = True
            continue
        if seen_user and event.get("event") == "action":
            name = event.get("name")
            if name not in ("action_listen", None):
                return str(name)
    return None
