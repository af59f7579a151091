"""Cleaning of citizen text before it reaches Rasa."""
from __future__ import annotations

import re
import unicodedata

MAX_MESSAGE_CHARS = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """Drop control/bidi characters, normalise width-insensitive forms, trim."""
    text = unicodedata.normalize("NFC", text or "")
    text = _CONTROL.sub("", text)
    return text.strip()
