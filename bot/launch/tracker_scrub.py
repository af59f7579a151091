"""What of a conversation may be stored: no 查询码, no personal data in clear.

The tracker store passes every new event through :func:`scrub_events` before it is
written: a 查询码 slot value and the citizen's message that answered a question for
personal data (name, phone, facts, …) are replaced by :data:`HIDDEN`, and phone/ID
numbers, codes and plates in all other texts are masked (``bot.privacy.mask_text``).
The petition form still needs the personal slot values until the petition is filed,
so those are hidden in the stored conversation as soon as the form resets them
(:func:`personal_slots_reset`, :func:`hide_personal_slot`).
"""
from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from bot.privacy import mask_text

HIDDEN = "〔已隐去〕"
SECRET_SLOTS = frozenset({"query_code"})
PERSONAL_SLOTS = frozenset({
    "petitioner_name", "petitioner_phone", "petitioner_address", "petition_facts",
    "petition_request", "petition_reasons", "petition_location", "petition_time",
})
# Values that are markers, not data (the lookup form's "verified").
HARMLESS_VALUES = frozenset({"verified"})

Event = dict[str, Any]
# The filing confirmation tells the citizen the code once; it is never stored.
_CODE_IN_REPLY = re.compile(r"(查询码[:：\s]*)[A-Za-z0-9]{6,12}")


def mask_reply(text: str) -> str:
    """A bot message as stored: query codes hidden, personal data masked."""
    return mask_text(_CODE_IN_REPLY.sub(lambda m: m.group(1) + HIDDEN, text))


def requested_slot(events: Iterable[Event]) -> str | None:
    """The form's requested slot after ``events``."""
    current: str | None = None
    for event in events:
        if event.get("event") == "slot" and event.get("name") == "requested_slot":
            current = event.get("value")
        elif event.get("event") in ("active_loop", "restart", "session_started") and \
                not event.get("name"):
            current = None
    return current


def _scrub_user(event: Event, asked: str | None) -> None:
    hide = asked in SECRET_SLOTS or asked in PERSONAL_SLOTS
    text = str(event.get("text") or "")
    event["text"] = HIDDEN if hide and text else mask_text(text)
    parse = event.get("parse_data")
    if isinstance(parse, dict):
        parse["text"] = event["text"]
        for entity in parse.get("entities") or []:
            if isinstance(entity, dict) and isinstance(entity.get("value"), str):
                entity["value"] = HIDDEN if hide else mask_text(entity["value"])


def scrub_event(event: Event, asked: str | None) -> Event:
    """A storable copy of one event (``asked``: the requested slot when it happened)."""
    event = copy.deepcopy(event)
    kind = event.get("event")
    if kind == "user":
        _scrub_user(event, asked)
    elif kind == "bot":
        if event.get("text"):
            event["text"] = mask_reply(str(event["text"]))
    elif (kind == "slot" and event.get("name") in SECRET_SLOTS
          and event.get("value") not in (None, *HARMLESS_VALUES)):
        event["value"] = HIDDEN
    return event


def scrub_events(new: Iterable[Event], asked: str | None) -> list[Event]:
    """Storable copies of ``new`` events; ``asked`` is the requested slot before them."""
    result: list[Event] = []
    for event in new:
        result.append(scrub_event(event, asked))
        if event.get("event") == "slot" and event.get("name") == "requested_slot":
            asked = event.get("value")
    return result


def personal_slots_reset(new: Iterable[Event]) -> bool:
    """Whether ``new`` events clear the petition's personal slots.

    That happens when the petition is filed, cancelled or stopped: the form resets
    them together.  One answer refused by a validator (a too short address, a wrong
    phone) clears only its own slot and is asked again; the other answers are still
    needed for the filing, so they stay until the form resets them.
    """
    cleared = {event.get("name") for event in new
               if event.get("event") == "slot" and event.get("name") in PERSONAL_SLOTS
               and event.get("value") is None}
    return len(cleared) > 1


def hide_personal_slot(event: Event) -> Event | None:
    """The event with its personal value hidden, or ``None`` when nothing needs hiding."""
    if event.get("event") != "slot" or event.get("name") not in PERSONAL_SLOTS:
        return None
    if event.get("value") in (None, HIDDEN):
        return None
    return {**event, "value": HIDDEN}


def stored_versus_sent(tracker: dict[str, Any], sent: list[str]) -> tuple[int, int]:
    """(lost, duplicated) user messages of one conversation.

    The tracker store keeps messages scrubbed (above): phones masked,
    and an answer to a personal question (the 查询码) hidden, so each sent message is
    compared in its stored form and a hidden one stands for exactly one message.
    """
    stored = Counter(e.get("text") for e in tracker.get("events", []) if e.get("event") == "user")
    hidden = stored.pop(HIDDEN, 0)
    expected = Counter(mask_text(message) for message in sent)
    missing = sum((expected - stored).values())
    extra = sum((stored - expected).values())
    return max(0, missing - hidden), extra + max(0, hidden - missing)
