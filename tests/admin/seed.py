"""Seeding a real Rasa SQL tracker store (Rasa's own ``SQLTrackerStore``) with conversations."""
from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

Ranking = Sequence[tuple[str, float]]


@dataclass
class Say:
    """A citizen message with what the NLU made of it."""

    text: str
    ranking: Ranking
    matters: Ranking = ()
    entities: dict[str, str] = field(default_factory=dict)
    fallback: bool = False


@dataclass
class Act:
    """An action the bot ran (e.g. ``action_request_human``)."""

    name: str


@dataclass
class Bot:
    text: str


Turn = Say | Act | Bot


def parse_data(say: Say) -> dict:
    ranking = [{"name": n, "confidence": c} for n, c in say.ranking]
    intent = {"name": "nlu_fallback", "confidence": 0.45} if say.fallback else dict(ranking[0])
    if say.fallback:
        ranking = [intent, *ranking]
    data = {"text": say.text, "intent": intent, "intent_ranking": ranking,
            "entities": [{"entity": k, "value": v, "start": 0, "end": 0} for k, v in say.entities.items()]}
    if say.matters:
        data["response_selector"] = {"describe_matter": {
            "response": {"intent_response_key": f"describe_matter/{say.matters[0][0]}",
                         "confidence": say.matters[0][1], "responses": [], "utter_action": ""},
            "ranking": [{"intent_response_key": f"describe_matter/{m}", "confidence": c, "id": i}
                        for i, (m, c) in enumerate(say.matters)]}}
    return data


async def _save(db: Path, conversations: dict[str, tuple[datetime, list[Turn]]]) -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(domain=Domain.empty(), dialect="sqlite", db=str(db))
    for sender, (start, turns) in conversations.items():
        stamp = start.replace(tzinfo=UTC).timestamp()
        tracker = DialogueStateTracker(sender, slots=[])
        tracker.update(ActionExecuted("action_session_start", timestamp=stamp))
        tracker.update(SessionStarted(timestamp=stamp))
        tracker.update(ActionExecuted("action_listen", timestamp=stamp))
        for turn in turns:
            stamp += 5
            if isinstance(turn, Say):
                data = parse_data(turn)
                tracker.update(UserUttered(turn.text, data["intent"], data["entities"], data,
                                           timestamp=stamp, input_channel="rest"))
            elif isinstance(turn, Act):
                tracker.update(ActionExecuted(turn.name, timestamp=stamp))
            else:
                tracker.update(BotUttered(turn.text, timestamp=stamp))
        await store.save(tracker)
    store.engine.dispose()


def seed_tracker(db: Path, conversations: dict[str, tuple[datetime, list[Turn]]]) -> None:
    """Write the conversations through Rasa's SQLTrackerStore into ``db`` (SQLite)."""
    asyncio.run(_save(db, conversations))


def event_rows(db: Path) -> list[dict]:
    import sqlite3

    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT sender_id, type_name, data FROM events ORDER BY id").fetchall()
    return [{"sender": s, "type": t, "data": json.loads(d)} for s, t, d in rows]


def flag_message(app_db_url: str, sender: str, text: str, intent: str | None, confidence: float,
                 at: datetime) -> None:
    """An officer's "flag for retraining" row as the console stores it."""
    from bot.admin.models import RetrainingFlag
    from bot.store.db import make_engine, make_session_factory, session_scope

    engine = make_engine(app_db_url)
    with session_scope(make_session_factory(engine)) as session:
        session.add(RetrainingFlag(sender_id=sender, channel="webchat", message_key=f"k-{sender}",
                                   text=text, intent=intent, confidence=confidence,
                                   flagged_by="wang", flagged_at=at, note="", status="new"))
    engine.dispose()
