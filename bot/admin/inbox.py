"""The NLU inbox: citizen messages the bot probably misunderstood.

Sources (a message can have several):

* ``low_confidence`` — top intent confidence under the threshold (default 0.6);
* ``fallback``       — the NLU fell back (``nlu_fallback``);
* ``handoff``        — up to three citizen messages before ``action_request_human``
  (an explicit, confidently understood "转人工" itself is not a misunderstanding);
* ``bad_rating``     — up to three citizen messages before a 1–2 rating (``rate_service``);
* ``flagged``        — flagged by an officer in the console (``retraining_flags``).

Button clicks (``/intent{...}``) are never inbox items.  Texts are masked with
:func:`bot.privacy.mask_text` *before* anything else, and items are deduplicated
by the normalised masked text (``text_key``).  Each item carries the admin's
label decision, if any.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.admin.models import NluLabel, RetrainingFlag
from bot.admin.tracker import Ranking, UserTurn, read_events, user_turn
from bot.handoff.rating import parse_rating
from bot.privacy import mask_text
from bot.store.db import session_scope

__all__ = [
    "SOURCES",
    "SOURCE_LABELS",
    "STATUS_LABELS",
    "Inbox",
    "InboxFilter",
    "InboxItem",
    "InboxPage",
    "text_key",
]

HANDOFF_ACTION = "action_request_human"
REQUEST_HUMAN = "request_human"
RATE_INTENT = "rate_service"
CONTEXT_TURNS = 3
MAX_CONVERSATIONS = 5

SOURCE_LABELS: dict[str, str] = {
    "low_confidence": "置信度低",
    "fallback": "未理解",
    "handoff": "转人工前",
    "bad_rating": "差评前",
    "flagged": "民警标记",
}
SOURCES: tuple[str, ...] = tuple(SOURCE_LABELS)
STATUS_LABELS: dict[str, str] = {"open": "待处理", "labelled": "已标注", "noise": "噪声",
                                 "skipped": "已跳过"}
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFKC, trimmed, single spaces, lower case (what "the same text" means)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text or "")).strip().lower()


def text_key(masked_text: str) -> str:
    """Stable id of an inbox text (SHA-1 of the normalised masked text)."""
    return hashlib.sha1(normalise(masked_text).encode("utf-8"), usedforsecurity=False).hexdigest()


@dataclass
class InboxItem:
    """One distinct (masked) citizen text with everything known about it."""

    key: str
    text: str
    predicted: str
    confidence: float
    top_intents: Ranking
    top_matters: Ranking
    sources: set[str]
    last_seen: datetime
    sender_id: str
    conversations: list[str] = field(default_factory=list)
    count: int = 1
    status: str = "open"
    label: str | None = None
    labelled_by: str | None = None
    labelled_at: datetime | None = None

    @property
    def source_list(self) -> list[str]:
        return [s for s in SOURCES if s in self.sources]

    @property
    def intent(self) -> str:
        return self.predicted.split("/", 1)[0]


@dataclass(frozen=True)
class InboxFilter:
    """Search and filters; ``status='open'`` hides items already decided."""

    since: datetime | None = None
    until: datetime | None = None
    intent: str = ""
    min_confidence: float | None = None
    max_confidence: float | None = None
    sources: tuple[str, ...] = ()
    search: str = ""
    status: str = "open"
    sort: str = "recent"
    limit: int = 100
    offset: int = 0

    def accepts(self, item: InboxItem) -> bool:
        if self.status != "all" and item.status != self.status:
            return False
        if self.intent and not (item.predicted == self.intent
                                or item.predicted.startswith(self.intent + "/")
                                or item.intent == self.intent):
            return False
        if self.min_confidence is not None and item.confidence < self.min_confidence:
            return False
        if self.max_confidence is not None and item.confidence > self.max_confidence:
            return False
        if self.sources and not item.sources & set(self.sources):
            return False
        return not self.search or normalise(self.search) in normalise(item.text)


@dataclass(frozen=True)
class InboxPage:
    items: list[InboxItem]
    total: int
    source_counts: dict[str, int]
    status_counts: dict[str, int]


class _Collector:
    """Walks one conversation's events and records the turns worth reviewing."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.found: list[tuple[UserTurn, str]] = []
        self._since_handoff: deque[UserTurn] = deque(maxlen=CONTEXT_TURNS)
        self._recent: deque[UserTurn] = deque(maxlen=CONTEXT_TURNS)
        self._sender = ""

    def reset(self, sender: str) -> None:
        self._sender = sender
        self._since_handoff.clear()
        self._recent.clear()

    def _explicit_request(self, turn: UserTurn) -> bool:
        return turn.intent == REQUEST_HUMAN and turn.confidence >= self.threshold

    def user(self, turn: UserTurn) -> None:
        if turn.intent == RATE_INTENT:
            self._rating(turn)
            return
        if turn.is_payload:
            return
        if turn.is_fallback:
            self.found.append((turn, "fallback"))
        if turn.confidence < self.threshold:
            self.found.append((turn, "low_confidence"))
        if not self._explicit_request(turn):
            self._since_handoff.append(turn)
            self._recent.append(turn)

    def _rating(self, turn: UserTurn) -> None:
        rating = parse_rating("" if turn.is_payload else turn.text, turn.entities.get("rating"))
        if rating is not None and rating <= 2:
            self.found.extend((previous, "bad_rating") for previous in self._recent)

    def action(self, name: str | None) -> None:
        if name == HANDOFF_ACTION:
            self.found.extend((turn, "handoff") for turn in self._since_handoff)
            self._since_handoff.clear()

    def session_started(self) -> None:
        self._since_handoff.clear()
        self._recent.clear()


def _item_from_turn(turn: UserTurn, source: str) -> InboxItem:
    masked = mask_text(turn.text)
    return InboxItem(text_key(masked), masked, turn.predicted, turn.predicted_confidence,
                     [r for r in turn.intent_ranking if r[0] != "nlu_fallback"][:3],
                     turn.matter_ranking[:3], {source}, turn.at, turn.sender_id, [turn.sender_id])


def _merge(items: dict[str, InboxItem], new: InboxItem, turn_id: object, seen: set[object]) -> None:
    current = items.get(new.key)
    if current is None:
        items[new.key] = new
        seen.add(turn_id)
        return
    current.sources |= new.sources
    if turn_id in seen:
        return
    seen.add(turn_id)
    current.count += 1
    if new.sender_id not in current.conversations and len(current.conversations) < MAX_CONVERSATIONS:
        current.conversations.append(new.sender_id)
    if new.last_seen >= current.last_seen:
        flagged = "flagged" in current.sources and not current.top_intents
        current.last_seen, current.sender_id = new.last_seen, new.sender_id
        if new.top_intents or flagged:
            current.predicted, current.confidence = new.predicted, new.confidence
            current.top_intents, current.top_matters = new.top_intents, new.top_matters


class Inbox:
    """Collects inbox items from the tracker store and the console's flags."""

    def __init__(self, tracker_engine: Engine, app_factory: sessionmaker,
                 threshold: float = 0.6) -> None:
        self._tracker = tracker_engine
        self._factory = app_factory
        self.threshold = threshold

    def _from_tracker(self, items: dict[str, InboxItem], since: datetime | None,
                      until: datetime | None) -> None:
        collector = _Collector(self.threshold)
        sender: str | None = None
        seen: set[object] = set()
        for event in read_events(self._tracker, since, until):
            if event.sender_id != sender:
                sender = event.sender_id
                collector.reset(sender)
            if event.type_name == "user":
                turn = user_turn(event)
                if turn is not None:
                    collector.user(turn)
            elif event.type_name == "action":
                collector.action(event.action_name)
            else:
                collector.session_started()
            for turn, source in collector.found:
                _merge(items, _item_from_turn(turn, source), ("event", turn.event_id), seen)
            collector.found.clear()

    def _from_flags(self, items: dict[str, InboxItem], since: datetime | None,
                    until: datetime | None) -> None:
        if not inspect(self._factory.kw["bind"]).has_table(RetrainingFlag.__tablename__):
            return
        query = select(RetrainingFlag)
        if since is not None:
            query = query.where(RetrainingFlag.flagged_at >= since)
        if until is not None:
            query = query.where(RetrainingFlag.flagged_at < until)
        seen: set[object] = set()
        with session_scope(self._factory) as session:
            flags = list(session.execute(query.order_by(RetrainingFlag.id)).scalars())
        for flag in flags:
            masked = mask_text(flag.text or "")
            if not masked.strip():
                continue
            confidence = float(flag.confidence) if flag.confidence is not None else 0.0
            intent = flag.intent or ""
            key = text_key(masked)
            if key in items:
                items[key].sources.add("flagged")
                continue
            item = InboxItem(key, masked, intent, confidence,
                             [(intent, confidence)] if intent else [], [], {"flagged"},
                             flag.flagged_at, flag.sender_id, [flag.sender_id])
            _merge(items, item, ("flag", flag.id), seen)

    def _attach_labels(self, items: Iterable[InboxItem]) -> None:
        by_key = {item.key: item for item in items}
        if not by_key:
            return
        with session_scope(self._factory) as session:
            keys = list(by_key)
            for start in range(0, len(keys), 500):
                query = select(NluLabel).where(NluLabel.text_key.in_(keys[start:start + 500]))
                for row in session.execute(query).scalars():
                    item = by_key[row.text_key]
                    item.status, item.label = row.status, row.label
                    item.labelled_by, item.labelled_at = row.labelled_by, row.labelled_at

    def collect(self, since: datetime | None = None,
                until: datetime | None = None) -> list[InboxItem]:
        """Every inbox item in the window (all statuses), newest first."""
        items: dict[str, InboxItem] = {}
        self._from_tracker(items, since, until)
        self._from_flags(items, since, until)
        result = sorted(items.values(), key=lambda i: (i.last_seen, i.key), reverse=True)
        self._attach_labels(result)
        return result

    def query(self, filters: InboxFilter) -> InboxPage:
        """Filtered, sorted and paged items with counts for the filter bar."""
        every = self.collect(filters.since, filters.until)
        source_counts = {s: sum(1 for i in every if s in i.sources and i.status == "open")
                         for s in SOURCES}
        status_counts = {s: sum(1 for i in every if i.status == s) for s in STATUS_LABELS}
        chosen = [item for item in every if filters.accepts(item)]
        if filters.sort == "confidence":
            chosen.sort(key=lambda i: (i.confidence, i.key))
        elif filters.sort == "count":
            chosen.sort(key=lambda i: (-i.count, i.key))
        window = chosen[filters.offset:filters.offset + max(1, filters.limit)]
        return InboxPage(window, len(chosen), source_counts, status_counts)

    def find(self, keys: Sequence[str]) -> dict[str, InboxItem]:
        """Items by key (over the whole tracker store)."""
        wanted = set(keys)
        return {item.key: item for item in self.collect() if item.key in wanted}
