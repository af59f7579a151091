"""Held-out NLU report, short messages and long letters apart, beside a keyword router.

Prints, for each held-out set, the assistant's strict figures next to those of the
keyword router (bench/keyword_router.py) in one table, then the per-class tables, and
writes a confusion-matrix PNG.

Usage: .venv/bin/python -m bench.nlu_report [--model models/current.tar.gz] [--png PATH]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.keyword_router import KeywordRouter
from bot.evaluation.confusion import write_confusion_png
from bot.evaluation.embedded import evaluate_embedded
from bot.evaluation.examples import Example, heldout_sets
from bot.evaluation.predictor import ModelPredictor
from bot.evaluation.report import Report, evaluate
from bot.evaluation.tables import comparison, full_report, non_matter_intents
from bot.knowledge import default_knowledge
from bot.settings import REPO_ROOT


def assistant_and_router(predictor: ModelPredictor,
                         sets: dict[str, list[Example]]) -> dict[str, tuple[Report, Report]]:
    """For each held-out set: (assistant's report, keyword router's report)."""
    kb, router = default_knowledge(), KeywordRouter.load()
    result = {}
    for name, examples in sets.items():
        texts = [e.text for e in examples]
        result[name] = (evaluate(examples, predictor.predict_all(texts), kb),
                        evaluate(examples, router.predict_all(texts, kb), kb))
    return result


def comparison_table(reports: dict[str, tuple[Report, Report]]) -> str:
    rows = []
    for name, (assistant, router) in reports.items():
        rows += [(f"assistant, {name}", assistant), (f"keyword router, {name}", router)]
    return comparison(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(REPO_ROOT / "models" / "current.tar.gz"))
    parser.add_argument("--png", default=str(REPO_ROOT / "bench" / "results" / "matter_confusion.png"))
    args = parser.parse_args()
    sets = heldout_sets()
    started = time.perf_counter()
    predictor = ModelPredictor(Path(args.model))
    loaded = time.perf_counter()
    reports = assistant_and_router(predictor, sets)
    parsed = time.perf_counter()
    print(comparison_table(reports))
    for name, (assistant, _router) in reports.items():
        print(f"\n===== {name} messages ({sum(1 for _ in sets[name])}) =====")
        print(full_report(assistant))
    print("\n" + non_matter_intents(reports["short"][0]))
    print("\n" + evaluate_embedded(sets["long"], sets["short"], default_knowledge(),
                                   predictor.predict_all).summary())
    count = sum(len(v) for v in sets.values())
    print(f"\nmodel load {loaded - started:.1f}s; {count} messages parsed in "
          f"{parsed - loaded:.1f}s ({1000 * (parsed - loaded) / count:.1f} ms each)")
    path = write_confusion_png(reports["short"][0], Path(args.png))
    print(f"confusion matrix (short messages) written to {path}")


if __name__ == "__main__":
    main()
