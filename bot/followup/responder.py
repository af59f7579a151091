"""The gateway interceptor that takes a citizen's answer to the 回访 question.

Only a short message that reads as a rating (a button's title, or typed words such as
"还行" or "没解决") is looked up, so every other message goes to Rasa untouched with no
database round trip.  A rating from someone with no open question also goes to Rasa.
"""
from __future__ import annotations

import asyncio

from bot.cases.wording import format_date
from bot.followup.models import Rating
from bot.followup.service import Answer, FollowupService
from bot.followup.texts import FollowupTexts
from bot.replies import Reply

__all__ = ["FollowupResponder", "reply_to"]


def reply_to(answer: Answer, texts: FollowupTexts) -> Reply:
    """Thanks; when not satisfied, the 复查 (or, after one, the 复核) route and a person."""
    key = answer.rating
    if answer.rating == Rating.UNSATISFIED and answer.after_review:
        key = "unsatisfied_after_review"
    text = texts.replies[key].format(case_number=answer.case_number,
                                     answered_date=format_date(answer.answered_on),
                                     unit=texts.unit(answer.handling_unit))
    buttons = [] if answer.rating == Rating.SATISFIED else [texts.handoff]
    return Reply(text, buttons)


class FollowupResponder:
    """``Interceptor`` (``bot.conversation.router``) for 回访 answers."""

    def __init__(self, service: FollowupService) -> None:
        self.service = service

    async def __call__(self, channel: str, sender_id: str, text: str) -> list[Reply] | None:
        rating = self.service.texts.rating_of(text)
        if rating is None:
            return None
        answer = await asyncio.to_thread(self.service.answer, sender_id, rating, text)
        if answer is None:
            return None
        return [reply_to(answer, self.service.texts)]
