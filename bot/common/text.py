"""Cleaning of text that comes from outside (citizens, forms, imported files).

Two cleanings on purpose, with different names:

* ``clean_message`` — a chat message before it reaches Rasa: also drops zero-width and
  bidirectional-override marks, which only serve to disguise a message;
* ``clean_field`` — a value stored in a record (petition fields, CSV cells, actors): any
  object, ``None`` → ``""``; keeps zero-width joiners and direction marks, which can be
  part of a name or an address as written.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

__all__ = ["MAX_MESSAGE_CHARS", "clean_field", "clean_message"]

#: The longest chat message handled at once (longer ones get a polite refusal).
MAX_MESSAGE_CHARS = 2000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_AND_MARKS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_message(text: str) -> str:
    """Drop control/bidi characters, normalise width-insensitive forms, trim."""
    text = unicodedata.normalize("NFC", text or "")
    text = _CONTROL_AND_MARKS.sub("", text)
    return text.strip()


def clean_field(value: object) -> str:
    """``str`` of ``value`` with NFC, control characters removed and blanks trimmed."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    return _CONTROL.sub("", text).strip()


# Splitting long replies for chat channels (Telegram counts UTF-16 units, WeChat bytes).
SENTENCE_ENDS = "。！？!?\n"
CLAUSE_ENDS = "；;，,、："
CLOSERS = "”’」』）)》】\"'"  # noqa: RUF001 - closing quotes (U+2019 included)
GLUE = "\u200d\ufe0e\ufe0f"  # zero-width joiner, variation selectors


def fitting_prefix(text: str, limit: int, size: Callable[[str], int]) -> int:
    """Largest code-point index whose prefix fits in ``limit`` (``size`` of each character)."""
    used = 0
    for index, char in enumerate(text):
        used += size(char)
        if used > limit:
            return index
    return len(text)


def after_boundary(window: str, marks: str) -> int:
    """Index just after the last mark (and its closing quotes) in the window's second half; 0 if none."""
    for index in range(len(window) - 1, len(window) // 2 - 1, -1):
        if window[index] in marks:
            end = index + 1
            while end < len(window) and window[end] in CLOSERS:
                end += 1
            return end
    return 0
