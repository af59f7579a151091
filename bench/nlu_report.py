"""Held-out NLU report: intent and matter tables plus a confusion-matrix PNG.

Usage: .venv/bin/python -m bench.nlu_report [--model models/current.tar.gz] [--png PATH]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from bot.evaluation.confusion import write_confusion_png
from bot.evaluation.examples import heldout_examples
from bot.evaluation.predictor import ModelPredictor
from bot.evaluation.report import evaluate
from bot.evaluation.tables import full_report
from bot.knowledge import default_knowledge
from bot.settings import REPO_ROOT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(REPO_ROOT / "models" / "current.tar.gz"))
    parser.add_argument("--png", default=str(REPO_ROOT / "bench" / "results" / "matter_confusion.png"))
    args = parser.parse_args()
    examples = heldout_examples()
    started = time.perf_counter()
    predictor = ModelPredictor(Path(args.model))
    loaded = time.perf_counter()
    predictions = predictor.predict_all([e.text for e in examples])
    parsed = time.perf_counter()
    report = evaluate(examples, predictions, default_knowledge())
    print(full_report(report))
    print(f"\nmodel load {loaded - started:.1f}s; {len(examples)} messages parsed in "
          f"{parsed - loaded:.1f}s ({1000 * (parsed - loaded) / len(examples):.1f} ms each)")
    path = write_confusion_png(report, Path(args.png))
    print(f"confusion matrix written to {path}")


if __name__ == "__main__":
    main()
