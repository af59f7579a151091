"""Cross-validates the decision policy (data/knowledge/policy.yml) on the TRAINING data.

The held-out sets are never used here. Each fold trains the matter classifier's two
logistic regressions (matters, and accepted-or-not) on the other folds, exactly as
``bot.nlu.matter_classifier`` does, and ``bot.knowledge.decide`` then decides on the
held-back fold. Printed per setting: strict scope accuracy, false acceptance and
clarification rate, for short messages and long letters apart.

Usage: .venv/bin/python -m bench.policy_cv [--folds 5] [--accept-min 0 0.3 0.4 0.5]
"""
from __future__ import annotations

import argparse
import dataclasses
import random
from collections.abc import Sequence

from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.evaluation.examples import Example, load_examples
from bot.knowledge import KnowledgeBase, Policy, decide, default_knowledge
from bot.nlu.jieba_tokenizer import words
from bot.nlu.letters import strip_formulas
from bot.nlu.matter_classifier import SEPARATOR, MatterClassifier, split_tokens
from bot.settings import REPO_ROOT

LONG_CHARS = 80
Scored = tuple[Example, list[tuple[str, float]], float]


def matter_examples() -> list[Example]:
    examples = load_examples((REPO_ROOT / "data" / "nlu" / "matters").rglob("*.yml"))
    return [e for e in examples if e.matter]


def _features(config: dict, train: Sequence[Example], test: Sequence[Example]):
    words_vec = TfidfVectorizer(analyzer=split_tokens, sublinear_tf=True, min_df=config["min_df"])
    chars_vec = TfidfVectorizer(analyzer="char_wb", sublinear_tf=True,
                                ngram_range=(1, config["max_ngram"]), min_df=config["min_df"],
                                max_features=config["max_char_features"])

    def joined(examples: Sequence[Example]) -> list[str]:
        return [SEPARATOR.join(words(e.text)) for e in examples]

    def chars(examples: Sequence[Example]) -> list[str]:
        return [strip_formulas(e.text).lower() for e in examples]

    fitted = hstack([words_vec.fit_transform(joined(train)),
                     chars_vec.fit_transform(chars(train))]).tocsr()
    applied = hstack([words_vec.transform(joined(test)), chars_vec.transform(chars(test))]).tocsr()
    return fitted, applied


def score_fold(train: Sequence[Example], test: Sequence[Example], kb: KnowledgeBase) -> list[Scored]:
    config = MatterClassifier.get_default_config()
    fitted, applied = _features(config, train, test)
    matters = LogisticRegression(C=config["C"], max_iter=3000).fit(fitted, [e.matter for e in train])
    scope = LogisticRegression(C=config["C"], max_iter=3000).fit(
        fitted, [kb.get(e.matter).accepted for e in train])
    accepted_column = list(scope.classes_).index(True)
    result = []
    for example, row, p_accept in zip(test, matters.predict_proba(applied),
                                      scope.predict_proba(applied)[:, accepted_column], strict=True):
        ranking = sorted(zip(matters.classes_, map(float, row), strict=True), key=lambda item: -item[1])
        result.append((example, ranking, float(p_accept)))
    return result


def cross_validated(examples: list[Example], kb: KnowledgeBase, folds: int) -> list[Scored]:
    shuffled = examples[:]
    random.Random(7).shuffle(shuffled)
    scored: list[Scored] = []
    for fold in range(folds):
        test = shuffled[fold::folds]
        train = [e for i, e in enumerate(shuffled) if i % folds != fold]
        scored += score_fold(train, test, kb)
    return scored


def figures(scored: Sequence[Scored], kb: KnowledgeBase, policy: Policy) -> str:
    right = false = not_accepted = clarified = 0
    for example, ranking, p_accept in scored:
        decision = decide(ranking, example.text, kb, policy, scope=p_accept)
        truth = kb.get(example.matter).accepted
        clarified += not decision.is_answer
        said = decision.is_answer and kb.get(str(decision.matter)).accepted
        right += decision.is_answer and said == truth
        not_accepted += not truth
        false += (not truth) and said
    n = len(scored) or 1
    return (f"scope {right / n:.3f}  false acceptance {false / (not_accepted or 1):.4f}  "
            f"clarified {clarified / n:.3f}  (n={len(scored)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--accept-min", type=float, nargs="+", default=[0.0, 0.3, 0.4, 0.5])
    args = parser.parse_args()
    kb = default_knowledge()
    scored = cross_validated(matter_examples(), kb, args.folds)
    short = [s for s in scored if len(s[0].text) < LONG_CHARS]
    long_ = [s for s in scored if len(s[0].text) >= LONG_CHARS]
    for value in args.accept_min:
        policy = dataclasses.replace(kb.policy, accept_answer_min_scope=value)
        print(f"accept_answer_min_scope={value:.2f}  short: {figures(short, kb, policy)}")
        print(f"{'':28s}long:  {figures(long_, kb, policy)}")


if __name__ == "__main__":
    main()
