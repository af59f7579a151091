"""The peer to beat: a keyword router of the kind many government FAQ sites use.

Keywords per matter come from ``bench/keyword_router.yml`` (written from the matter
taxonomy only, without the training or held-out data). A message goes to the matter
whose keywords it contains most (longer keywords weigh more), else to the default
("other department"). It never asks a clarifying question.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.evaluation.predictor import Prediction
from bot.knowledge.loader import KnowledgeBase

KEYWORDS_FILE = Path(__file__).with_name("keyword_router.yml")


@dataclass(frozen=True)
class KeywordRouter:
    keywords: dict[str, tuple[str, ...]]
    default: str

    @classmethod
    def load(cls, path: Path = KEYWORDS_FILE) -> KeywordRouter:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        keywords = {matter: tuple(str(k).lower() for k in words)
                    for matter, words in (data.get("matters") or {}).items()}
        return cls(keywords, str(data.get("default") or "other_government"))

    def route(self, text: str) -> str:
        """The matter with the most keyword weight in ``text`` (or the default)."""
        lowered = text.lower()
        scores = {matter: sum(len(word) for word in words if word in lowered)
                  for matter, words in self.keywords.items()}
        best = max(scores.items(), key=lambda item: item[1], default=(self.default, 0))
        return best[0] if best[1] > 0 else self.default

    def predict_all(self, texts: list[str], kb: KnowledgeBase) -> list[Prediction]:
        """Predictions the evaluation can score like the assistant's (a sure answer each)."""
        predictions = []
        for text in texts:
            matter = self.route(text)
            if matter not in kb:  # e.g. "out_of_scope": not a matter, not accepted
                matter = self.default
            scope = 1.0 if kb.get(matter).accepted else 0.0
            predictions.append(Prediction("describe_matter", 1.0, [(matter, 1.0)], [], scope))
        return predictions
