"""Reading a 1–5 satisfaction rating from a button entity or free text (5分, 非常满意, 太差了)."""
from __future__ import annotations

import re
import unicodedata

__all__ = ["parse_rating"]

_DIGIT = re.compile(r"(?<![0-9])([1-5])(?![0-9])")
_CHINESE = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CHINESE_SCORE = re.compile(r"([一二两三四五])\s*(分|星|颗星)")
# Longest phrases first: 非常不满意 must win over 满意.
_WORDS = (
    ("非常不满意", 1), ("很不满意", 1), ("特别不满意", 1), ("太差", 1), ("很差", 1), ("非常差", 1),
    ("极差", 1), ("差评", 1), ("不满意", 2), ("不太满意", 2), ("比较差", 2), ("一般般", 3),
    ("一般", 3), ("还行", 3), ("凑合", 3), ("马马虎虎", 3), ("非常满意", 5), ("特别满意", 5),
    ("十分满意", 5), ("很满意", 5), ("非常好", 5), ("好评", 5), ("满分", 5), ("满意", 4),
    ("挺好", 4), ("不错", 4), ("比较满意", 4),
)


def parse_rating(text: str, entity: str | None = None) -> int | None:
    """The rating 1–5, preferring the ``rating`` entity, then digits, then words; else None."""
    for candidate in (entity, text):
        if not candidate:
            continue
        folded = unicodedata.normalize("NFKC", str(candidate))
        match = _DIGIT.search(folded)
        if match:
            return int(match.group(1))
        match = _CHINESE_SCORE.search(folded)
        if match:
            return _CHINESE[match.group(1)]
    folded = unicodedata.normalize("NFKC", text or "")
    for phrase, value in sorted(_WORDS, key=lambda item: -len(item[0])):
        if phrase in folded:
            return value
    return None
