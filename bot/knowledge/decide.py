"""Decides whether to answer the top-ranked matter or ask a clarifying question."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from bot.knowledge.loader import KnowledgeBase, Policy

ANSWER = "answer"
CLARIFY = "clarify"
LOW_CONFIDENCE_QUESTION = "我想确认一下，您想咨询的是下面哪件事？"
EMPTY_QUESTION = "抱歉，我还不太确定您想咨询哪件事，能换个说法再说一遍吗？"
ACCEPTED_RISK_QUESTION = "为了给您准确的指引，请确认您想咨询的是哪一项："


@dataclass(frozen=True)
class Decision:
    """kind "answer" (with matter) or "clarify" (with question and option ids)."""

    kind: str
    matter: Optional[str] = None
    question: Optional[str] = None
    options: Tuple[str, ...] = ()
    reason: str = ""

    @property
    def is_answer(self) -> bool:
        return self.kind == ANSWER


def _clarify(question: str, options: Sequence[str], reason: str) -> Decision:
    return Decision(kind=CLARIFY, question=question, options=tuple(options), reason=reason)


def decide(ranking: Sequence[Tuple[str, float]], text: str, kb: KnowledgeBase,
           policy: Optional[Policy] = None) -> Decision:
    """Answer or clarify, given the ResponseSelector's matter ranking (best first).

    Rules, in order: an ambiguous word with >=2 of its matters among the close
    candidates -> clarify; top confidence below answer_threshold -> clarify with the
    top options; top two a known confusable pair within margin -> clarify; top
    accepted but a not-accepted candidate within margin -> clarify; else answer.
    """
    policy = policy or kb.policy
    ranked: List[Tuple[str, float]] = sorted(
        ((matter, float(conf)) for matter, conf in ranking if matter in kb),
        key=lambda item: item[1], reverse=True)
    if not ranked:
        return _clarify(EMPTY_QUESTION, (), "empty_ranking")
    top, top_conf = ranked[0]
    close = [matter for matter, conf in ranked if conf >= top_conf - policy.margin]

    best_hits: List[str] = []
    best_question = ""
    for ambiguity in kb.ambiguities:
        if not ambiguity.matches(text or ""):
            continue
        hits = [matter for matter in close if matter in ambiguity.matters]
        if len(hits) >= 2 and len(hits) > len(best_hits):
            best_hits, best_question = hits, ambiguity.question
    if best_hits:
        return _clarify(best_question, best_hits[:policy.max_options], "ambiguous_word")

    if top_conf < policy.answer_threshold:
        options = [matter for matter, _ in ranked[:policy.max_options]]
        return _clarify(LOW_CONFIDENCE_QUESTION, options, "low_confidence")

    if len(close) >= 2:
        question = kb.pair_question(top, close[1])
        if question:
            return _clarify(question, (top, close[1]), "ambiguous_pair")

    if kb.get(top).accepted:
        risky = [matter for matter in close[1:] if not kb.get(matter).accepted]
        if risky:
            question = kb.pair_question(top, risky[0]) or ACCEPTED_RISK_QUESTION
            return _clarify(question, [top, *risky][:policy.max_options], "accepted_vs_not_accepted")

    return Decision(kind=ANSWER, matter=top, reason="confident")
