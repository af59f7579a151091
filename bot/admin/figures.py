"""Evaluation figures of one model on the fixed held-out data, and their comparison.

:class:`Figures` is the JSON-serialisable summary of a :class:`bot.evaluation.report.Report`
stored in the job result and the model registry: the three headline figures
(intent macro-F1, scope accuracy after one clarifying question, false-acceptance
rate), per-intent and per-matter F1, and the most confused label pairs.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bot.evaluation.confusion import write_confusion_png
from bot.evaluation.examples import Example, heldout_examples
from bot.evaluation.predictor import ModelPredictor, Prediction
from bot.evaluation.report import FALLBACK, MATTER_INTENT, Report, evaluate
from bot.knowledge import default_knowledge

__all__ = [
    "HEADLINES",
    "Comparison",
    "Delta",
    "Figures",
    "compare",
    "figures_from_report",
    "heldout_fingerprint",
    "label_confusions",
]

# (attribute, Chinese name, True when higher is better)
HEADLINES: tuple[tuple[str, str, bool], ...] = (
    ("intent_macro_f1", "意图宏平均 F1", True),
    ("scope_accuracy_after_clarify", "受理范围准确率（含一次澄清）", True),
    ("false_acceptance_rate", "误受理率", False),
)


@dataclass(frozen=True)
class Figures:
    intent_macro_f1: float
    scope_accuracy_after_clarify: float
    false_acceptance_rate: float
    scope_accuracy: float = 0.0
    exact_accuracy: float = 0.0
    examples: int = 0
    matter_examples: int = 0
    per_intent_f1: dict[str, float] = field(default_factory=dict)
    per_matter_f1: dict[str, float] = field(default_factory=dict)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)
    heldout: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Figures:
        values = dict(data)
        values["confusions"] = [tuple(c) for c in values.get("confusions") or []]
        return cls(**values)

    def headline(self, name: str) -> float:
        return float(getattr(self, name))


def heldout_fingerprint(examples: Sequence[Example]) -> str:
    """Identifies the held-out set (figures from different sets are not comparable)."""
    digest = hashlib.sha256()
    for example in sorted(examples, key=lambda e: (e.label, e.text)):
        digest.update(f"{example.label}\t{example.text}\n".encode())
    return digest.hexdigest()[:16]


def predicted_label(prediction: Prediction) -> str:
    intent = prediction.intent or FALLBACK
    if intent == MATTER_INTENT and prediction.matter_ranking:
        return f"{MATTER_INTENT}/{prediction.matter_ranking[0][0]}"
    return intent


def label_confusions(examples: Sequence[Example], predictions: Sequence[Prediction],
                     n: int = 10) -> list[tuple[str, str, int]]:
    """Most frequent (true label, predicted label) mistakes, matters included."""
    pairs: Counter = Counter()
    for example, prediction in zip(examples, predictions, strict=True):
        predicted = predicted_label(prediction)
        if predicted != example.label:
            pairs[(example.label, predicted)] += 1
    return [(truth, predicted, count) for (truth, predicted), count in pairs.most_common(n)]


def figures_from_report(report: Report, examples: Sequence[Example],
                        predictions: Sequence[Prediction]) -> Figures:
    per_intent = {name: round(s.f1, 4) for name, s in sorted(report.intent_stats.items())
                  if s.tp + s.fn}
    per_matter = {name: round(s.f1, 4) for name, s in sorted(report.matter_stats.items())
                  if s.tp + s.fn}
    return Figures(round(report.intent_macro_f1, 4), round(report.scope_accuracy_after_clarify, 4),
                   round(report.false_acceptance_rate, 4), round(report.scope_accuracy, 4),
                   round(report.exact_accuracy, 4), len(examples), report.matter_total,
                   per_intent, per_matter, label_confusions(examples, predictions),
                   heldout_fingerprint(examples))


@dataclass(frozen=True)
class Delta:
    name: str
    title: str
    candidate: float
    deployed: float | None
    higher_is_better: bool = True

    @property
    def change(self) -> float | None:
        return None if self.deployed is None else round(self.candidate - self.deployed, 4)

    @property
    def worsening(self) -> float:
        """How much worse the candidate is (positive = worse, 0 when better or equal)."""
        if self.change is None:
            return 0.0
        return max(0.0, -self.change if self.higher_is_better else self.change)


@dataclass(frozen=True)
class Comparison:
    headlines: list[Delta]
    per_intent: list[Delta]
    per_matter: list[Delta]


def _per_class(candidate: dict[str, float], deployed: dict[str, float]) -> list[Delta]:
    names = sorted(set(candidate) | set(deployed))
    deltas = [Delta(n, n, candidate.get(n, 0.0), deployed.get(n)) for n in names]
    return sorted(deltas, key=lambda d: (d.change is None, d.change or 0.0, d.name))


def compare(candidate: Figures, deployed: Figures | None) -> Comparison:
    """Headline and per-class deltas, worst changes first."""
    headlines = [Delta(name, title, candidate.headline(name),
                       deployed.headline(name) if deployed else None, higher)
                 for name, title, higher in HEADLINES]
    return Comparison(headlines,
                      _per_class(candidate.per_intent_f1, deployed.per_intent_f1 if deployed else {}),
                      _per_class(candidate.per_matter_f1, deployed.per_matter_f1 if deployed else {}))


def evaluate_model(model_path: Path, heldout_dir: Path,
                   png_path: Path | None = None) -> Figures:
    """Load the model in-process, parse every held-out example, summarise (slow: ~1 min)."""
    examples = heldout_examples(heldout_dir)
    predictor = ModelPredictor(model_path)
    try:
        predictions = predictor.predict_all([e.text for e in examples])
    finally:
        predictor.close()
    report = evaluate(examples, predictions, default_knowledge())
    if png_path is not None:
        write_confusion_png(report, png_path)
    return figures_from_report(report, examples, predictions)
