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
``tracker_store.type: bot.launch.tracker_store.GuardedSQLTrackerStore``. Importing
it also masks personal data in every log record of the Rasa process, formats its
logs as JSON with ``LOG_JSON=1`` and applies :mod:`bot.launch.rasa_speedups`.
"""
from __future__ import annotations

import logging
from typing import Any, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import ConversationPaused
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import SQLAlchemyError

from bot.launch import rasa_speedups
from bot.logging_setup import install_record_masking, use_json_on_root
from bot.privacy import mask_text

logger = logging.getLogger(__name__)
# Rasa imports this module (endpoints.yml) after setting up its own logging and before
# loading the model: the place to mask its logs, make them JSON and apply the speed-ups.
install_record_masking()
use_json_on_root("rasa")
rasa_speedups.apply()

CLASS_PATH = f"{__name__}.GuardedSQLTrackerStore"


class GuardedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` with pre-pinged connections and a paused tracker on failure."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        try:
            return await super().retrieve(sender_id)
        except SQLAlchemyError as error:
            logger.error("tracker store unavailable (%s): conversation %s gets no bot reply",
                         type(error).__name__, mask_text(sender_id))
            return DialogueStateTracker.from_events(
                sender_id, [ConversationPaused()], slots=self.domain.slots)
