"""Citizen texts of notifications, from ``data/notify/texts.yml`` (one place)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.common.texts import load_texts as load_text_file

__all__ = ["TEXTS_PATH", "DeadlineWords", "NotifyTexts", "default_texts"]

TEXTS_PATH = Path(__file__).resolve().parents[2] / "data" / "notify" / "texts.yml"
_KEYS = ("status", "extension", "next_step", "deadline", "footer", "unsubscribed",
         "resubscribed", "no_address")


@dataclass(frozen=True)
class DeadlineWords:
    """The next statutory deadline, already in words: label, date, legal basis."""

    label: str
    date: str
    basis: str


@dataclass(frozen=True)
class NotifyTexts:
    """The templates; ``status_message`` / ``extension_message`` compose a notification."""

    templates: Mapping[str, str]

    def __getitem__(self, key: str) -> str:
        return self.templates[key]

    def _tail(self, next_step: str, deadline: DeadlineWords | None) -> list[str]:
        lines = [self["next_step"].format(next_step=next_step)] if next_step else []
        if deadline is not None:
            lines.append(self["deadline"].format(deadline_label=deadline.label,
                                                 deadline_date=deadline.date, basis=deadline.basis))
        return [*lines, self["footer"]]

    def status_message(self, case_number: str, status: str, meaning: str, next_step: str,
                       deadline: DeadlineWords | None) -> str:
        head = self["status"].format(case_number=case_number, status=status, meaning=meaning)
        return "\n".join([head, *self._tail(next_step, deadline)])

    def extension_message(self, case_number: str, days: int, reason: str,
                          deadline: DeadlineWords | None) -> str:
        why = f"，理由：{reason}" if reason else ""
        head = self["extension"].format(case_number=case_number, days=days, reason=why)
        return "\n".join([head, *self._tail("", deadline)])


def load_texts(path: Path = TEXTS_PATH) -> NotifyTexts:
    """The notification templates (``ValueError`` names any missing one)."""
    return NotifyTexts(load_text_file(path, _KEYS))


@lru_cache(maxsize=1)
def default_texts() -> NotifyTexts:
    return load_texts()
