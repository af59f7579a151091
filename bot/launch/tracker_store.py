"""Rasa's SQL tracker store, made to fail visibly when its database is down.

Rasa wraps every tracker store in ``FailSafeTrackerStore``: when the database
cannot be read it silently starts the conversation from scratch in memory, so a
citizen in the middle of a form gets out-of-context answers and the turn is never
stored. This store hands Rasa a *paused* stand-in tracker instead: the bot stays
silent, the gateway answers 系统繁忙 and journals the message, and the stored
conversation is untouched for when the database is back. Connections are checked
before use (``pool_pre_ping``) so the first message after a database restart is
answered normally.

Rendered into endpoints.yml by ``bot.launch.endpoints`` as
``tracker_store.type: bot.launch.tracker_store.GuardedSQLTrackerStore``. Creating it
also masks personal data in every log record of the Rasa process and formats its logs
as JSON with ``LOG_JSON=1`` (Rasa creates its tracker store after setting up its own
logging). Importing this module changes nothing.

Two parts, on purpose:

* what is always on — the paused stand-in, pre-pinged connections and the scrubbing
  ``save`` (bot.launch.tracker_scrub: no 查询码 or personal data stored in clear, a
  security feature) — overrides only Rasa's public methods (``__init__``,
  ``retrieve``, ``save``) and its own helpers;
* the read fast path (:func:`install_fast_paths`, replacing the private ``_retrieve``
  and calling the private ``_event_query``) is installed only by
  :func:`bot.launch.rasa_patches.apply` once their signatures are checked; without it
  reads are stock Rasa's.
"""
from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import (
    ConversationPaused,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import SQLAlchemyError

from bot.launch.tracker_scrub import (
    hide_personal_slot,
    personal_slots_reset,
    scrub_events,
)
from bot.logging_setup import install_record_masking, use_json_on_root
from bot.privacy import mask_text

logger = logging.getLogger(__name__)

try:  # Rasa's engine options (PostgreSQL schema); none if a Rasa upgrade drops the helper
    from rasa.core.tracker_store import create_engine_kwargs
except ImportError:  # pragma: no cover - Rasa 3.6 has it
    def create_engine_kwargs(url: Any) -> dict[str, Any]:
        return {}

CLASS_PATH = f"{__name__}.GuardedSQLTrackerStore"


def _asked_before(events: Sequence[Event]) -> str | None:
    """The form's requested slot after ``events`` (searched from the end)."""
    for event in reversed(events):
        if isinstance(event, SlotSet) and event.key == "requested_slot":
            return event.value
        if isinstance(event, (Restarted, SessionStarted)):
            return None
    return None
# Set on a tracker read from the store: how many of its events are stored already.
STORED_COUNT = "_stored_event_count"


class GuardedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` with pre-pinged connections, a paused tracker on failure and scrubbed events.

    Also cheaper per message: a tracker once saved to (or, with the fast path, read
    from) the store remembers how many of its events are stored, so saving it appends
    the new ones without a ``COUNT`` query over the conversation (the Redis lock store
    keeps one writer per conversation between the read and the save).
    """

    engine: sa.engine.Engine
    sessionmaker: sa.orm.sessionmaker

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Rasa creates the tracker store after setting up its own logging and before
        # loading the model: the place to mask its logs and make them JSON.
        install_record_masking()
        use_json_on_root("rasa")
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's ``save``, but every new event is scrubbed first (bot.launch.tracker_scrub).

        No 查询码 or personal data is stored in clear. Uses none of Rasa's private methods,
        so it works the same with or without the patches.
        """
        await self.stream_events(tracker)
        with self.session_scope() as session:
            new = self._unsaved_events(session, tracker)
            earlier = list(tracker.events)[: len(tracker.events) - len(new)]
            data = [event.as_dict() for event in new]
            scrubbed = scrub_events(data, _asked_before(earlier))
            for event, stored in zip(new, scrubbed, strict=True):
                session.add(self.SQLEvent(
                    sender_id=tracker.sender_id, type_name=event.type_name,
                    timestamp=stored.get("timestamp"),
                    intent_name=(stored.get("parse_data") or {}).get("intent", {}).get("name"),
                    action_name=stored.get("name"), data=json.dumps(stored)))
            if personal_slots_reset(data):
                self._hide_personal_slots(session, tracker.sender_id)
            session.commit()

    def _unsaved_events(self, session: Any, tracker: DialogueStateTracker) -> list[Event]:
        """The tracker's events that are not stored yet."""
        stored = getattr(tracker, STORED_COUNT, None)
        if stored is None:  # not read through the fast path (e.g. a new conversation)
            stored = self._stored_in_latest_session(session, tracker.sender_id)
        setattr(tracker, STORED_COUNT, len(tracker.events))
        return list(itertools.islice(tracker.events, stored, len(tracker.events)))

    def _stored_in_latest_session(self, session: Any, sender_id: str) -> int:
        """How many events of the conversation's latest session are stored.

        The events from its last ``session_started`` on, or all of them: what Rasa's own
        ``save`` counts, written here against the table so the scrubbing ``save`` needs no
        private Rasa method.
        """
        table = self.SQLEvent
        session_start = (
            session.query(sa.func.max(table.timestamp))
            .filter(table.sender_id == sender_id, table.type_name == SessionStarted.type_name)
            .scalar_subquery())
        query = session.query(sa.func.count(table.id)).filter(
            table.sender_id == sender_id,
            sa.or_(session_start.is_(None), table.timestamp >= session_start))
        return int(query.scalar() or 0)

    def _hide_personal_slots(self, session: Any, sender_id: str) -> None:
        """Hide the personal slot values stored earlier in this conversation."""
        rows = session.query(self.SQLEvent).filter(
            self.SQLEvent.sender_id == sender_id, self.SQLEvent.type_name == "slot").all()
        for row in rows:
            hidden = hide_personal_slot(json.loads(row.data))
            if hidden is not None:
                row.data = json.dumps(hidden)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        try:
            return await super().retrieve(sender_id)
        except SQLAlchemyError as error:
            logger.error("tracker store unavailable (%s): conversation %s gets no bot reply",
                         type(error).__name__, mask_text(sender_id))
            return DialogueStateTracker.from_events(
                sender_id, [ConversationPaused()], slots=self.domain.slots)


async def _fast_retrieve(self: GuardedSQLTrackerStore, sender_id: str,
                         fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
    """Rasa's ``SQLTrackerStore._retrieve`` selecting only the JSON column (no ORM objects).

    It remembers how many events are stored (see ``_unsaved_events``).
    """
    with self.session_scope() as session:
        query = self._event_query(session, sender_id, fetch_events_from_all_sessions)
        rows = query.with_entities(self.SQLEvent.data).all()
    if not (self.domain and rows):
        return None
    tracker = DialogueStateTracker.from_dict(
        sender_id, [json.loads(data) for (data,) in rows], self.domain.slots)
    if not fetch_events_from_all_sessions:
        setattr(tracker, STORED_COUNT, len(rows))
    return tracker


def install_fast_paths() -> None:
    """Read trackers through :func:`_fast_retrieve`.

    Called by :mod:`bot.launch.rasa_patches` after checking ``SQLTrackerStore._retrieve``
    and ``_event_query``.
    """
    GuardedSQLTrackerStore._retrieve = _fast_retrieve
