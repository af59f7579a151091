"""The fixed sentences of knowledge answers, from ``data/knowledge/texts.yml``.

``render`` and ``decide`` keep their module-level names (``LOW_CONFIDENCE_QUESTION`` …)
for the code and tests that import them; the wording lives in the data file only.
"""
from __future__ import annotations

from collections.abc import Mapping

from bot.common.texts import load_texts
from bot.knowledge.loader import DEFAULT_ROOT

__all__ = ["KEYS", "TEXTS", "TEXTS_PATH"]

TEXTS_PATH = DEFAULT_ROOT / "texts.yml"
KEYS = (
    "human_fallback_title", "none_of_these_title", "full_answer_title", "catch_all_line",
    "alternatives_line", "low_confidence_question", "empty_question", "accepted_risk_question",
    "legal_basis_intro", "legal_basis_one_intro", "legal_basis_more", "legal_basis_note",
    "no_basis_text", "mention_intro", "mention_outro",
)
TEXTS: Mapping[str, str] = load_texts(TEXTS_PATH, KEYS)
