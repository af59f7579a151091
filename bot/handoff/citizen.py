"""What the citizen is told when the bot hands off (used by the Rasa actions).

During office hours the conversation is paused at once (messages go to officers);
outside office hours the request is registered, the citizen is told when someone
replies and may keep using the bot or file online meanwhile — the conversation is
paused when an officer takes it.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.handoff.models import Reason
from bot.handoff.office_hours import OfficeHours
from bot.handoff.service import HandoffService
from bot.handoff.texts import HandoffTexts, default_texts
from bot.handoff.views import HandoffView
from bot.labels import label_button
from bot.replies import Reply
from bot.settings import Settings, get_settings

__all__ = ["HandoffStart", "office_hours_of", "start_handoff"]

@dataclass(frozen=True)
class HandoffStart:
    """Replies for the citizen and whether the Rasa conversation must be paused now."""

    replies: list[Reply]
    pause: bool
    handoff: HandoffView | None


def office_hours_of(settings: Settings) -> OfficeHours:
    return OfficeHours(settings.office_hours, settings.office_weekdays_only)


def _wait_line(service: HandoffService, view: HandoffView, texts: HandoffTexts) -> str:
    ahead = service.queue_position(view.id)
    minutes = (ahead + 1) * texts.minutes_per_citizen
    if ahead:
        return texts.get("queue_ahead", ahead=ahead, minutes=minutes)
    return texts.get("queue_next", minutes=minutes)


def start_handoff(
    service: HandoffService,
    channel: str,
    sender_id: str,
    reason: str = Reason.REQUESTED,
    *,
    intro: str | None = None,
    matter: str | None = None,
    settings: Settings | None = None,
    texts: HandoffTexts | None = None,
) -> HandoffStart:
    """Open (or reuse) the sender's handoff and build the citizen's replies.

    A database error propagates: the actions turn it into their one busy reply
    (``actions.base``).
    """
    settings = settings or get_settings()
    texts = texts or default_texts()
    hours = office_hours_of(settings)
    now = service.now()
    status = hours.status(now)
    opened = service.request(channel, sender_id, reason, paused=status.open, matter=matter)
    view = opened.handoff
    wait = _wait_line(service, view, texts) if status.open else ""
    if status.open:
        lines = [intro or texts.get("handed_over"), wait, hours.describe(texts),
                 texts.get("emergency_line")]
        return HandoffStart([Reply("\n".join(lines))], True, view)
    next_open = hours.next_open_text(now, status.next_open_local, texts)
    lines = [texts.get("after_hours", next_open=next_open), hours.describe(texts),
             texts.get("emergency_line")]
    return HandoffStart([Reply("\n".join(lines), [label_button("file_petition")])], False, view)
