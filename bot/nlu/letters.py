"""What the classifiers read: simplified characters, no letter formulas, sentences.

Citizens write in traditional characters too (車禍, 駕照) and with full-width letters
and digits (ＸＦ２０２６): ``normalise`` folds both (OpenCC t2s, NFKC) before anything
else, so one training example covers both scripts.

Long letters to officials: drop greetings and closing formulas, split into sentences.

Citizens write "尊敬的王市长：您好！……望有关部门尽快处理，谢谢！此致 敬礼". The
formulas say nothing about the matter but pull a classifier towards whatever the
training letters had in common, so a clause at the start or the end made only of
formula words (data/dict/formulas.yml) is dropped before classification. Short
messages ("谢谢", "您好") are left alone: there the formula *is* the message.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, List, Tuple

import yaml

from bot.settings import REPO_ROOT

if TYPE_CHECKING:
    import opencc

FORMULAS_FILE = REPO_ROOT / "data" / "dict" / "formulas.yml"
MIN_LETTER_CHARS = 40  # shorter messages are never trimmed
MAX_EDGE_CLAUSES = 4  # at most this many clauses dropped at each end
_CLAUSE = re.compile(r"[^，,。！!？?；;：:\n]+[，,。！!？?；;：:\n]*")
_SENTENCE = re.compile(r"[^。！!？?；;\n]+[。！!？?；;\n]*")
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
MIN_SENTENCE_CHARS = 8


@lru_cache(maxsize=1)
def _to_simplified() -> opencc.OpenCC:
    import opencc

    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """Traditional → simplified characters, full-width → half-width forms."""
    return _to_simplified().convert(unicodedata.normalize("NFKC", text or ""))


@dataclass(frozen=True)
class Formulas:
    words: Tuple[str, ...]
    max_leftover: int

    def is_formula(self, clause: str) -> bool:
        """True when ``clause`` holds nothing but formula words (plus a surname or so)."""
        rest = _NOISE.sub("", clause)
        if not rest:
            return True
        for word in self.words:
            rest = rest.replace(word, "")
        return len(rest) <= self.max_leftover


@lru_cache(maxsize=4)
def load_formulas(path: Path = FORMULAS_FILE) -> Formulas:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    words = sorted({str(w) for w in data.get("words") or []}, key=len, reverse=True)
    return Formulas(tuple(words), int(data.get("max_leftover", 2)))


def clauses(text: str) -> List[str]:
    return _CLAUSE.findall(text)


def strip_formulas(text: str, formulas: Formulas | None = None) -> str:
    """``text`` normalised, without greeting/closing clauses (short texts keep them)."""
    text = normalise(text)
    if len(text) < MIN_LETTER_CHARS:
        return text
    formulas = formulas or load_formulas()
    parts = clauses(text)
    start, end = 0, len(parts)
    while start < min(end - 1, MAX_EDGE_CLAUSES) and formulas.is_formula(parts[start]):
        start += 1
    while end - 1 > start and len(parts) - end < MAX_EDGE_CLAUSES \
            and formulas.is_formula(parts[end - 1]):
        end -= 1
    return "".join(parts[start:end]).strip() or text


def sentences(text: str) -> List[str]:
    """Sentences of ``text`` with at least a few characters (short ones join the next)."""
    result: List[str] = []
    pending = ""
    for sentence in _SENTENCE.findall(text):
        pending += sentence
        if len(_NOISE.sub("", pending)) >= MIN_SENTENCE_CHARS:
            result.append(pending.strip())
            pending = ""
    if pending.strip():
        if result:
            result[-1] += pending.strip()
        else:
            result.append(pending.strip())
    return result
