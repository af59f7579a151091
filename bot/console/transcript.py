"""The whole conversation for the console.

Rasa's tracker (citizen and bot turns, NLU) merged with the handoff's own messages
(citizen messages while paused, officer, system, notes).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.handoff.models import Kind
from bot.handoff.views import MessageView

__all__ = ["Line", "NluSummary", "find_tracker_message", "merge", "nlu_summary", "tracker_lines"]

MATTER_INTENT = "describe_matter"
HIDDEN_SLOTS = {"session_started_metadata", "requested_slot"}


@dataclass(frozen=True)
class Line:
    """One line of the transcript (``at`` naive UTC)."""

    at: datetime
    kind: str
    text: str
    author: str | None = None
    key: str | None = None
    intent: str | None = None
    confidence: float | None = None
    buttons: tuple[str, ...] = ()

    @property
    def flaggable(self) -> bool:
        return self.kind == Kind.CITIZEN and self.key is not None


@dataclass(frozen=True)
class NluSummary:
    """What the bot understood last: intent and matter with confidence, and the slots."""

    intent: str | None = None
    confidence: float | None = None
    matter: str | None = None
    matter_confidence: float | None = None
    ranking: tuple[tuple[str, float], ...] = ()
    slots: dict[str, Any] = field(default_factory=dict)


def _utc(timestamp: Any) -> datetime:
    try:
        return datetime.fromtimestamp(float(timestamp), UTC).replace(tzinfo=None)
    except (TypeError, ValueError, OverflowError):
        return datetime(1970, 1, 1)


def event_key(event: dict[str, Any]) -> str:
    """A stable key of a tracker user event (for flagging): ``rasa:<timestamp>``."""
    return f"rasa:{float(event.get('timestamp') or 0):.6f}"


def _intent(parse: dict[str, Any]) -> tuple[str | None, float | None]:
    intent = parse.get("intent") or {}
    name = intent.get("name")
    confidence = intent.get("confidence")
    return (str(name) if name else None, float(confidence) if confidence is not None else None)


def tracker_lines(tracker: dict[str, Any]) -> list[Line]:
    """Citizen and bot turns from a tracker's events."""
    lines: list[Line] = []
    for event in tracker.get("events") or []:
        kind = event.get("event")
        if kind == "user" and event.get("text"):
            intent, confidence = _intent(event.get("parse_data") or {})
            lines.append(Line(_utc(event.get("timestamp")), Kind.CITIZEN, str(event["text"]),
                              key=event_key(event), intent=intent, confidence=confidence))
        elif kind == "bot" and (event.get("text") or (event.get("data") or {}).get("buttons")):
            buttons = tuple(str(b.get("title", "")) for b in (event.get("data") or {}).get("buttons") or [])
            lines.append(Line(_utc(event.get("timestamp")), Kind.BOT, str(event.get("text") or ""),
                              buttons=buttons))
    return lines


def message_lines(messages: Sequence[MessageView]) -> list[Line]:
    """Our handoff messages; bot messages are skipped (they are in the tracker already)."""
    return [Line(m.created_at, m.kind, m.text, author=m.author_name,
                 key=f"msg:{m.id}" if m.kind == Kind.CITIZEN else None,
                 buttons=tuple(b.title for b in m.buttons))
            for m in messages if m.kind != Kind.BOT]


def merge(tracker: dict[str, Any] | None, messages: Sequence[MessageView]) -> list[Line]:
    """All lines in time order (our bot messages only if the tracker is unavailable)."""
    ours = message_lines(messages)
    if tracker is None:
        ours += [Line(m.created_at, Kind.BOT, m.text) for m in messages if m.kind == Kind.BOT]
        return sorted(ours, key=lambda line: line.at)
    return sorted(tracker_lines(tracker) + ours, key=lambda line: line.at)


def nlu_summary(tracker: dict[str, Any] | None) -> NluSummary:
    """Latest intent (top 3), matter from the response selector, and the filled slots."""
    if not tracker:
        return NluSummary()
    latest = tracker.get("latest_message") or {}
    intent, confidence = _intent(latest)
    ranking = tuple((str(i.get("name")), float(i.get("confidence") or 0.0))
                    for i in (latest.get("intent_ranking") or [])[:3] if i.get("name"))
    selector = ((latest.get("response_selector") or {}).get(MATTER_INTENT) or {}).get("response") or {}
    key = str(selector.get("intent_response_key") or "")
    matter = (key.split("/", 1)[1]
              if intent == MATTER_INTENT and key.startswith(MATTER_INTENT + "/") else None)
    matter_confidence = selector.get("confidence") if matter else None
    slots = {name: value for name, value in (tracker.get("slots") or {}).items()
             if value not in (None, [], {}, "") and name not in HIDDEN_SLOTS}
    return NluSummary(intent, confidence, matter,
                      float(matter_confidence) if matter_confidence is not None else None,
                      ranking, slots)


def find_tracker_message(tracker: dict[str, Any], key: str) -> Line | None:
    """The citizen line with this flag key in the tracker (never trust text from the form)."""
    for line in tracker_lines(tracker):
        if line.key == key:
            return line
    return None
