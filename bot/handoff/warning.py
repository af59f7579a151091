"""Early-warning detector (苗头性).

Self-harm, violence, collective or Beijing petitions, banners, road blocks and strong
distress, from the vocabulary in ``data/handoff/warning.yml``.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from re import Pattern
from typing import cast

import yaml

from bot.settings import REPO_ROOT

__all__ = ["WARNING_PATH", "WarningCategory", "WarningDetector", "WarningHit", "default_detector"]

WARNING_PATH = REPO_ROOT / "data" / "handoff" / "warning.yml"
_BLANKS = re.compile(r"[\s\u3000]+")


@dataclass(frozen=True)
class WarningCategory:
    """One kind of warning sign with its terms and patterns."""

    key: str
    label: str
    terms: tuple[str, ...]
    patterns: tuple[Pattern[str], ...]

    def find(self, text: str) -> str | None:
        """The first matching term or pattern match in (normalised) ``text``."""
        for term in self.terms:
            if term in text:
                return term
        for pattern in self.patterns:
            match = pattern.search(text)
            if match:
                return match.group(0)
        return None


@dataclass(frozen=True)
class WarningHit:
    """What was found: category keys (in file order) and the matched words."""

    categories: tuple[str, ...]
    matches: tuple[str, ...]
    labels: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.categories)


def normalise(text: str) -> str:
    """NFKC-fold, lower-case and drop blanks, so ``跳 楼`` and full-width forms match."""
    return _BLANKS.sub("", unicodedata.normalize("NFKC", text or "").lower())


class WarningDetector:
    """Finds warning signs in a citizen message; payloads (``/intent``) are never checked."""

    def __init__(self, categories: list[WarningCategory], exclude: tuple[str, ...] = ()) -> None:
        self.categories = categories
        self.exclude = tuple(sorted((normalise(e) for e in exclude if e), key=len, reverse=True))

    @classmethod
    def from_file(cls, path: Path = WARNING_PATH) -> WarningDetector:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        raw: dict[str, dict[str, object]] = data.get("categories") or {}
        if not raw:
            raise ValueError(f"{path.name}: no categories")
        categories = []
        for key, spec in raw.items():
            terms = tuple(normalise(str(t)) for t in cast(Iterable[object], spec.get("terms") or []))
            patterns = tuple(re.compile(str(p)) for p in cast(Iterable[object], spec.get("patterns") or []))
            if not terms and not patterns:
                raise ValueError(f"{path.name}: category {key} has no terms or patterns")
            categories.append(WarningCategory(str(key), str(spec.get("label") or key), terms, patterns))
        return cls(categories, tuple(str(e) for e in data.get("exclude") or []))

    def _clean(self, text: str) -> str:
        folded = normalise(text)
        for phrase in self.exclude:
            folded = folded.replace(phrase, "·")
        return folded

    def detect(self, text: str) -> WarningHit:
        """All categories that match ``text`` (empty hit for payloads and blank text)."""
        if not text or text.lstrip().startswith("/"):
            return WarningHit((), (), ())
        cleaned = self._clean(text)
        keys, matches, labels = [], [], []
        for category in self.categories:
            found = category.find(cleaned)
            if found:
                keys.append(category.key)
                matches.append(found)
                labels.append(category.label)
        return WarningHit(tuple(keys), tuple(matches), tuple(labels))


@lru_cache(maxsize=1)
def default_detector() -> WarningDetector:
    return WarningDetector.from_file()
