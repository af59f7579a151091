"""Intent and scope metrics computed from predictions, with the bot's real decision rule."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.evaluation.examples import Example
from bot.evaluation.predictor import Prediction
from bot.knowledge import Decision, decide
from bot.knowledge.loader import KnowledgeBase

MATTER_INTENT = "describe_matter"
FALLBACK = "nlu_fallback"


@dataclass
class ClassStats:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    intent_stats: dict[str, ClassStats] = field(default_factory=dict)
    matter_stats: dict[str, ClassStats] = field(default_factory=dict)
    matter_total: int = 0
    answered: int = 0
    clarified: int = 0
    scope_correct: int = 0
    exact_correct: int = 0
    resolved_by_clarify: int = 0
    not_accepted_total: int = 0
    false_acceptances: int = 0
    confusions: Counter = field(default_factory=Counter)
    matter_pairs: list[tuple[str, str]] = field(default_factory=list)
    errors: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def intent_macro_f1(self) -> float:
        stats = [s for s in self.intent_stats.values() if s.tp + s.fn]
        return sum(s.f1 for s in stats) / len(stats) if stats else 0.0

    @property
    def scope_accuracy(self) -> float:
        return self.scope_correct / self.matter_total if self.matter_total else 0.0

    @property
    def scope_accuracy_after_clarify(self) -> float:
        """Right scope in the first answer, or the right matter among the clarifying buttons."""
        if not self.matter_total:
            return 0.0
        return (self.scope_correct + self.resolved_by_clarify) / self.matter_total

    @property
    def clarification_rate(self) -> float:
        return self.clarified / self.matter_total if self.matter_total else 0.0

    @property
    def clarify_hit_share(self) -> float:
        """Of the clarifying questions, the share whose buttons hold the right matter."""
        return self.resolved_by_clarify / self.clarified if self.clarified else 0.0

    @property
    def matter_macro_recall(self) -> float:
        stats = [s for name, s in self.matter_stats.items() if s.tp + s.fn]
        return sum(s.recall for s in stats) / len(stats) if stats else 0.0

    def non_matter_intents(self) -> dict[str, ClassStats]:
        """Intent stats of everything but matter descriptions (greetings, lookups, …)."""
        return {name: s for name, s in self.intent_stats.items()
                if name not in (MATTER_INTENT, FALLBACK) and s.tp + s.fn}

    @property
    def non_matter_macro_f1(self) -> float:
        stats = list(self.non_matter_intents().values())
        return sum(s.f1 for s in stats) / len(stats) if stats else 0.0

    @property
    def exact_accuracy(self) -> float:
        return self.exact_correct / self.matter_total if self.matter_total else 0.0

    @property
    def false_acceptance_rate(self) -> float:
        return self.false_acceptances / self.not_accepted_total if self.not_accepted_total else 0.0

    def worst_confusions(self, n: int = 5) -> list[tuple[tuple[str, str], int]]:
        pairs: Counter = Counter()
        for (truth, predicted), count in self.confusions.items():
            if truth != predicted:
                pairs[tuple(sorted((truth, predicted)))] += count
        return pairs.most_common(n)


def _count(stats: dict[str, ClassStats], truth: str, predicted: str) -> None:
    stats.setdefault(truth, ClassStats())
    stats.setdefault(predicted, ClassStats())
    if truth == predicted:
        stats[truth].tp += 1
    else:
        stats[truth].fn += 1
        stats[predicted].fp += 1


def bot_matter_decision(prediction: Prediction, text: str,
                        kb: KnowledgeBase) -> Decision | None:
    """What the bot does with a description (None when it is not taken as a matter)."""
    if prediction.intent != MATTER_INTENT:
        return None
    return decide(prediction.matter_ranking, text, kb, scope=prediction.scope)


def committed_matter(decision: Decision | None) -> str | None:
    """The matter answered ('' for a clarifying question, None for no matter)."""
    if decision is None:
        return None
    return decision.matter if decision.is_answer else ""


def evaluate(examples: Sequence[Example], predictions: Sequence[Prediction],
             kb: KnowledgeBase) -> Report:
    report = Report()
    for example, prediction in zip(examples, predictions, strict=True):
        _count(report.intent_stats, example.intent, prediction.intent or FALLBACK)
        decision = bot_matter_decision(prediction, example.text, kb)
        committed = committed_matter(decision)
        truly_not_accepted = not example.matter or not kb.get(example.matter).accepted
        said_accepted = bool(committed and kb.get(committed).accepted)
        if truly_not_accepted:
            report.not_accepted_total += 1
            report.false_acceptances += int(said_accepted)
        if not example.matter:
            continue
        _score_matter(report, example, prediction, decision, kb)
    return report


def _score_matter(report: Report, example: Example, prediction: Prediction,
                  decision: Decision | None, kb: KnowledgeBase) -> None:
    committed = committed_matter(decision)
    report.matter_total += 1
    top = prediction.matter_ranking[0][0] if prediction.matter_ranking else "?"
    report.confusions[(example.matter, top)] += 1
    if decision is not None and committed == "":  # committed is None without a decision
        report.clarified += 1
        report.resolved_by_clarify += int(example.matter in decision.options)
    elif committed:
        report.answered += 1
        report.scope_correct += int(kb.get(committed).accepted == kb.get(example.matter).accepted)
        report.exact_correct += int(committed == example.matter)
    _count(report.matter_stats, example.matter, committed or ("clarify" if committed == "" else "other"))
    if committed != example.matter:
        shown = committed or ("clarify" if committed == "" else prediction.intent)
        report.errors.append((example.text, example.matter, shown))
