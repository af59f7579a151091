"""Decides what to do with a matter ranking: scope first, then the matter.

The accepted / not-accepted decision is taken from the whole ranking (the
classifier's P(traffic police accept), or the summed probability of accepted
matters) and stands even when the exact matter is unsure:

* P(accept) at or below ``not_accepted_below``: answer "不属于交警受理" at once with
  the most likely other body; close alternatives become buttons after the answer.
* P(accept) at or above ``accepted_above``: only accepted matters are candidates;
  answer the top one, or ask among accepted matters when unsure.
* in between: ask, offering both kinds (an accepted answer is only given when the
  not-accepted candidates are far behind).

Every clarifying question also offers "都不是 / 其他事情" (see render_clarify).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.knowledge.loader import KnowledgeBase, Policy
from bot.knowledge.texts import TEXTS

ANSWER = "answer"
CLARIFY = "clarify"
LOW_CONFIDENCE_QUESTION = TEXTS["low_confidence_question"]
EMPTY_QUESTION = TEXTS["empty_question"]
ACCEPTED_RISK_QUESTION = TEXTS["accepted_risk_question"]

Ranking = list[tuple[str, float]]


@dataclass(frozen=True)
class Decision:
    """kind "answer" (with matter) or "clarify" (with question and option ids).

    ``alternatives``: other likely matters, offered as buttons after an answer.
    """

    kind: str
    matter: str | None = None
    question: str | None = None
    options: tuple[str, ...] = ()
    reason: str = ""
    alternatives: tuple[str, ...] = ()
    scope: float | None = None

    @property
    def is_answer(self) -> bool:
        return self.kind == ANSWER


def _clarify(question: str, options: Sequence[str], reason: str,
             scope: float | None) -> Decision:
    return Decision(kind=CLARIFY, question=question, options=tuple(options), reason=reason,
                    scope=scope)


def accepted_probability(ranked: Ranking, kb: KnowledgeBase) -> float:
    """Summed confidence of accepted matters, as a share of the ranking's total."""
    total = sum(conf for _, conf in ranked)
    if total <= 0:
        return 0.5
    return sum(conf for matter, conf in ranked if kb.get(matter).accepted) / total


def _ranked(ranking: Sequence[tuple[str, float]], kb: KnowledgeBase) -> Ranking:
    return sorted(((m, float(c)) for m, c in ranking if m in kb),
                  key=lambda item: item[1], reverse=True)


def decide(ranking: Sequence[tuple[str, float]], text: str, kb: KnowledgeBase,
           policy: Policy | None = None, scope: float | None = None) -> Decision:
    """Answer or clarify, given the matter ranking (best first) and P(accept) if known.

    P(accept) is the classifier's probability that the traffic police accept the message.
    """
    policy = policy or kb.policy
    ranked = _ranked(ranking, kb)
    if not ranked:
        return _clarify(EMPTY_QUESTION, (), "empty_ranking", scope)
    if scope is None:
        scope = accepted_probability(ranked, kb)
    if scope <= policy.not_accepted_below:
        return _not_accepted(ranked, kb, policy, scope)
    if scope >= policy.accepted_above:
        accepted = [(m, c) for m, c in ranked if kb.get(m).accepted]
        if accepted:  # confidences become conditional on "accepted"
            mass = sum(c for _, c in accepted) or 1.0
            accepted = [(m, c / mass) for m, c in accepted]
        return _within(accepted or ranked, text, kb, policy, scope, check_risk=False)
    return _within(ranked, text, kb, policy, scope, check_risk=True)


def _not_accepted(ranked: Ranking, kb: KnowledgeBase, policy: Policy,
                  scope: float) -> Decision:
    others = [(m, c) for m, c in ranked if not kb.get(m).accepted]
    top, top_conf = others[0] if others else ("other_government", 0.0)
    alternatives = tuple(m for m, c in others[1:policy.max_options]
                         if c >= top_conf - 2 * policy.margin)
    return Decision(kind=ANSWER, matter=top, reason="not_accepted", alternatives=alternatives,
                    scope=scope)


def _ambiguous_word(close: Sequence[str], text: str, kb: KnowledgeBase) -> tuple[list[str], str]:
    best_hits: list[str] = []
    best_question = ""
    for ambiguity in kb.ambiguities:
        if not ambiguity.matches(text or ""):
            continue
        hits = [matter for matter in close if matter in ambiguity.matters]
        if len(hits) >= 2 and len(hits) > len(best_hits):
            best_hits, best_question = hits, ambiguity.question
    return best_hits, best_question


def _within(ranked: Ranking, text: str, kb: KnowledgeBase, policy: Policy, scope: float,
            check_risk: bool) -> Decision:
    """The matter-level rules among the candidates ``ranked``."""
    top, top_conf = ranked[0]
    close = [matter for matter, conf in ranked if conf >= top_conf - policy.margin]
    hits, question = _ambiguous_word(close, text, kb)
    if hits:
        return _clarify(question, hits[:policy.max_options], "ambiguous_word", scope)
    if top_conf < policy.answer_threshold:
        options = [matter for matter, _ in ranked[:policy.max_options]]
        return _clarify(LOW_CONFIDENCE_QUESTION, options, "low_confidence", scope)
    if len(close) >= 2:
        pair = kb.pair_question(top, close[1])
        if pair:
            return _clarify(pair, (top, close[1]), "ambiguous_pair", scope)
    if check_risk and kb.get(top).accepted:
        risky = [matter for matter in close[1:] if not kb.get(matter).accepted]
        if not risky and scope < policy.accept_answer_min_scope:
            # Acceptance itself is doubtful: offer the likeliest other body beside it.
            risky = [matter for matter, _ in ranked if not kb.get(matter).accepted][:1]
        if risky:
            pair = kb.pair_question(top, risky[0]) or ACCEPTED_RISK_QUESTION
            return _clarify(pair, [top, *risky][:policy.max_options],
                            "accepted_vs_not_accepted", scope)
    return Decision(kind=ANSWER, matter=top, reason="confident", scope=scope)


# (matter id, confidence, P(traffic police accept)) of one sentence of a long letter.
SentenceScore = tuple[str, float, float]


def scores_of_sentences(raw: Any) -> list[SentenceScore]:
    """The matter classifier's per-sentence output (parse data) as plain tuples."""
    result: list[SentenceScore] = []
    for item in raw if isinstance(raw, list) else []:
        key = str((item or {}).get("intent_response_key") or "")
        scope = item.get("scope")
        if "/" in key and isinstance(scope, (int, float)):
            result.append((key.split("/", 1)[1], float(item.get("confidence") or 0.0),
                           float(scope)))
    return result


def mentioned(decision: Decision, sentences: Sequence[SentenceScore], kb: KnowledgeBase,
              policy: Policy | None = None) -> tuple[str, ...]:
    """Other matters that single sentences of a long letter name clearly.

    A traffic sentence inside a letter about something else (or the reverse) must not be
    lost: it is mentioned after the main answer. The catch-all ``other_government`` is
    never mentioned, and nothing is mentioned beside a clarifying question.
    """
    policy = policy or kb.policy
    if not decision.is_answer:
        return ()
    found: list[str] = []
    for matter, confidence, scope in sorted(sentences, key=lambda s: -s[1]):
        if matter in (decision.matter, "other_government") or matter not in kb.ids:
            continue
        clear = scope >= policy.accepted_above if kb.get(matter).accepted \
            else scope <= policy.not_accepted_below
        if confidence >= policy.sentence_confidence and clear and matter not in found:
            found.append(matter)
    return tuple(found[:policy.max_mentions])
