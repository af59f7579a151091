"""回访 texts and answer words, from ``data/followup/texts.yml`` (one place)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.common.text import clean_field
from bot.common.texts import load_texts as load_text_file
from bot.common.texts import read_document
from bot.followup.models import Rating
from bot.replies import Button

__all__ = ["TEXTS_PATH", "FollowupTexts", "default_texts"]

TEXTS_PATH = Path(__file__).resolve().parents[2] / "data" / "followup" / "texts.yml"
_REPLIES = (*Rating.ALL, "unsatisfied_after_review", "already_answered")


@dataclass(frozen=True)
class FollowupTexts:
    """The question, the replies and the words that count as each rating."""

    question: str
    buttons: Mapping[str, str]
    replies: Mapping[str, str]
    handoff: Button
    unit_known: str
    max_chars: int
    words: tuple[tuple[str, tuple[str, ...]], ...]  # (rating, words) in checking order

    def question_buttons(self) -> list[Button]:
        """满意 / 基本满意 / 不满意: the title is also what comes back when tapped."""
        return [Button(self.buttons[rating], self.buttons[rating]) for rating in Rating.ALL]

    def rating_of(self, text: str) -> str | None:
        """The rating a short message gives, else ``None`` (not an answer to the question)."""
        words = clean_field(text).replace(" ", "")
        if not words or len(words) > self.max_chars:
            return None
        for rating, cues in self.words:
            if any(cue in words for cue in cues):
                return rating
        return None

    def unit(self, handling_unit: str | None) -> str:
        return self.unit_known.format(unit=handling_unit) if handling_unit else ""


def _words(data: Mapping[str, Any], path: Path) -> tuple[tuple[str, tuple[str, ...]], ...]:
    section = data.get("words") or {}
    order = (Rating.UNSATISFIED, Rating.BASIC, Rating.SATISFIED)
    if any(not section.get(rating) for rating in order):
        raise ValueError(f"{path}: words needs {list(order)}")
    return tuple((rating, tuple(str(word) for word in section[rating])) for rating in order)


def load_texts(path: Path = TEXTS_PATH) -> FollowupTexts:
    """The texts through the common loader; the answer words and length limit beside them."""
    texts = load_text_file(path, ("question", "unit_known"))
    handoff = load_text_file(path, ("title", "payload"), section="handoff_button")
    data = read_document(path)
    return FollowupTexts(
        question=texts["question"],
        buttons=load_text_file(path, Rating.ALL, section="buttons"),
        replies=load_text_file(path, _REPLIES, section="replies"),
        handoff=Button(handoff["title"], handoff["payload"]),
        unit_known=texts["unit_known"],
        max_chars=int(data["max_chars"]),
        words=_words(data, path),
    )


@lru_cache(maxsize=1)
def default_texts() -> FollowupTexts:
    return load_texts()
