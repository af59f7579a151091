"""Inbox insight: intents with too few training examples, the pairs the model confuses most."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bot.admin.labels import LabelCatalog
from bot.evaluation.examples import load_examples

__all__ = ["Insight", "example_counts", "few_examples"]


@dataclass(frozen=True)
class Insight:
    counts: dict[str, int]
    few: list[tuple[str, int]]
    min_examples: int
    confusions: list[tuple[str, str, int]]
    evaluated_version: str | None


def example_counts(nlu_dir: Path) -> dict[str, int]:
    """Training examples per label (intent or ``describe_matter/<id>``) in ``nlu_dir``."""
    return dict(Counter(e.label for e in load_examples(nlu_dir.rglob("*.yml"))))


def few_examples(counts: dict[str, int], catalog: LabelCatalog,
                 minimum: int) -> list[tuple[str, int]]:
    """Catalogue labels with fewer than ``minimum`` examples, fewest first."""
    rows = [(label, counts.get(label, 0)) for label in catalog.titles]
    return sorted([r for r in rows if r[1] < minimum], key=lambda r: (r[1], r[0]))
