"""Splitting long bot replies into Telegram-sized messages."""
from __future__ import annotations

import unicodedata

from bot.common.text import CLAUSE_ENDS, GLUE, SENTENCE_ENDS, after_boundary, fitting_prefix

# Telegram counts message length in UTF-16 code units; 4096 is the API limit.
MAX_MESSAGE_UNITS = 4096


def _utf16_units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (astral characters count twice)."""
    return len(text.encode("utf-16-le")) // 2




def _safe_hard_cut(text: str, cut: int) -> int:
    """Step back so a cut never separates combining marks, joiners or flag pairs."""
    while cut > 1 and (
        unicodedata.combining(text[cut]) or text[cut] in GLUE or text[cut - 1] == "\u200d"
        or (_is_regional(text[cut - 1]) and _is_regional(text[cut]))
    ):
        cut -= 1
    return cut


def _is_regional(char: str) -> bool:
    return "\U0001F1E6" <= char <= "\U0001F1FF"


def _cut_index(text: str, limit: int) -> int:
    hard = fitting_prefix(text, limit, _utf16_units)
    window = text[:hard]
    for marks in (SENTENCE_ENDS, CLAUSE_ENDS, " \t"):
        cut = after_boundary(window, marks)
        if cut:
            return cut
    return _safe_hard_cut(text, hard)


def split_message(text: str, limit: int = MAX_MESSAGE_UNITS) -> list[str]:
    """Split at sentence ends (。！？ newline), else clauses, else spaces; never mid-character."""
    chunks: list[str] = []
    rest = text.strip()
    while utf16_len(rest) > limit:
        cut = _cut_index(rest, limit)
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return [chunk for chunk in chunks if chunk]
