"""Reading citizen messages from Rasa's SQL tracker store (the ``events`` table).

Rasa's ``SQLTrackerStore`` writes one row per event: ``sender_id``, ``type_name``
(``user``, ``action``, ``session_started`` …), ``timestamp`` (epoch seconds),
``intent_name``, ``action_name`` and the event as JSON in ``data``.  This module
only reads that table (SQLAlchemy Core, its own ``MetaData`` so Alembic never
touches it) and turns user events into :class:`UserTurn` objects.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, inspect, select
from sqlalchemy.engine import Engine

from bot.privacy import mask_text

__all__ = ["EVENTS", "TrackerEvent", "TranscriptLine", "UserTurn", "read_events", "transcript", "user_turn"]

FALLBACK_INTENT = "nlu_fallback"
MATTER_INTENT = "describe_matter"
TYPES = ("user", "action", "session_started")

EVENTS = Table(
    "events", MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)

Ranking = list[tuple[str, float]]


@dataclass(frozen=True)
class TrackerEvent:
    """One row of the events table (``data`` parsed)."""

    id: int
    sender_id: str
    type_name: str
    timestamp: float
    intent_name: str | None
    action_name: str | None
    data: dict[str, Any]

    @property
    def at(self) -> datetime:
        """Naive UTC."""
        return datetime.fromtimestamp(self.timestamp or 0, UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class UserTurn:
    """What the NLU made of one citizen message."""

    event_id: int
    sender_id: str
    at: datetime
    text: str
    intent: str
    confidence: float
    intent_ranking: Ranking
    matter_ranking: Ranking
    entities: dict[str, str]

    @property
    def is_payload(self) -> bool:
        """A button click (``/intent{...}``), not free text."""
        return self.text.startswith("/")

    @property
    def is_fallback(self) -> bool:
        return self.intent == FALLBACK_INTENT

    @property
    def predicted_intent(self) -> str:
        """The best real intent (below ``nlu_fallback`` when the fallback fired)."""
        for name, _ in self.intent_ranking:
            if name != FALLBACK_INTENT:
                return name
        return self.intent

    @property
    def predicted_confidence(self) -> float:
        """Confidence of :attr:`predicted_intent` (the fallback's own score is not informative)."""
        for name, confidence in self.intent_ranking:
            if name != FALLBACK_INTENT:
                return confidence
        return self.confidence

    @property
    def predicted(self) -> str:
        """Intent, or ``describe_matter/<matter>`` for matter descriptions."""
        intent = self.predicted_intent
        if intent == MATTER_INTENT and self.matter_ranking:
            return f"{MATTER_INTENT}/{self.matter_ranking[0][0]}"
        return intent


def _ranking(items: Any, key: str) -> Ranking:
    ranking: Ranking = []
    for item in items or []:
        name = str(item.get(key) or "")
        if name:
            ranking.append((name, float(item.get("confidence") or 0.0)))
    return ranking


def user_turn(event: TrackerEvent) -> UserTurn | None:
    """The parsed NLU result of a ``user`` event (None for other events or empty texts)."""
    if event.type_name != "user":
        return None
    text = str(event.data.get("text") or "").strip()
    if not text:
        return None
    parse = event.data.get("parse_data") or {}
    intent = parse.get("intent") or {}
    selector = (parse.get("response_selector") or {}).get(MATTER_INTENT) or {}
    matters = [(name.split("/", 1)[1], conf)
               for name, conf in _ranking(selector.get("ranking"), "intent_response_key")
               if "/" in name]
    entities = {str(e.get("entity")): str(e.get("value")) for e in parse.get("entities") or []
                if e.get("entity")}
    return UserTurn(event.id, event.sender_id, event.at, text,
                    str(intent.get("name") or event.intent_name or ""),
                    float(intent.get("confidence") or 0.0),
                    _ranking(parse.get("intent_ranking"), "name"), matters, entities)


def _since_epoch(moment: datetime | None) -> float | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).timestamp()


def read_events(engine: Engine, since: datetime | None = None,
                until: datetime | None = None) -> Iterator[TrackerEvent]:
    """User, action and session-start events, grouped by sender in event order."""
    if not inspect(engine).has_table("events"):
        return
    query = select(EVENTS).where(EVENTS.c.type_name.in_(TYPES))
    start, end = _since_epoch(since), _since_epoch(until)
    if start is not None:
        query = query.where(EVENTS.c.timestamp >= start)
    if end is not None:
        query = query.where(EVENTS.c.timestamp < end)
    query = query.order_by(EVENTS.c.sender_id, EVENTS.c.id)
    with engine.connect() as connection:
        for row in connection.execution_options(stream_results=True).execute(query):
            try:
                data = json.loads(row.data or "{}")
            except ValueError:
                data = {}
            yield TrackerEvent(row.id, row.sender_id, row.type_name, float(row.timestamp or 0),
                               row.intent_name, row.action_name, data if isinstance(data, dict) else {})


@dataclass(frozen=True)
class TranscriptLine:
    """One turn of a conversation for the admin transcript (citizen text masked)."""

    at: datetime
    who: str
    text: str
    intent: str = ""
    confidence: float | None = None


def transcript(engine: Engine, sender_id: str, limit: int = 500) -> list[TranscriptLine]:
    """Citizen and bot turns (and handoff actions) of one conversation, oldest first."""
    if not inspect(engine).has_table("events"):
        return []
    query = (select(EVENTS).where(EVENTS.c.sender_id == sender_id,
                                  EVENTS.c.type_name.in_(("user", "bot", "action")))
             .order_by(EVENTS.c.id.desc()).limit(limit))
    lines: list[TranscriptLine] = []
    with engine.connect() as connection:
        rows = list(connection.execute(query))
    for row in reversed(rows):
        data = json.loads(row.data or "{}")
        at = datetime.fromtimestamp(row.timestamp or 0, UTC).replace(tzinfo=None)
        if row.type_name == "user":
            turn = user_turn(TrackerEvent(row.id, row.sender_id, row.type_name,
                                          float(row.timestamp or 0), row.intent_name,
                                          row.action_name, data))
            if turn is not None:
                lines.append(TranscriptLine(at, "citizen", mask_text(turn.text), turn.predicted,
                                            turn.confidence))
        elif row.type_name == "bot" and data.get("text"):
            lines.append(TranscriptLine(at, "bot", mask_text(str(data["text"]))))
        elif row.action_name == "action_request_human":
            lines.append(TranscriptLine(at, "action", "（转人工）"))
    return lines
