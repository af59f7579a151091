"""The deploy gate: no headline figure may get worse by more than a margin.

Headline figures: intent macro-F1 and scope accuracy after clarify (worse when
they fall) and the false-acceptance rate (worse when it rises).  Figures measured
on different held-out sets are not comparable, so the gate refuses them too.
An admin may override a refusal with a written reason (recorded by the deployer).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from bot.admin.figures import Delta, Figures, compare

__all__ = ["DEFAULT_MARGIN", "GateResult", "check_gate"]

DEFAULT_MARGIN = 0.01


@dataclass(frozen=True)
class GateResult:
    allowed: bool
    reasons: list[str] = field(default_factory=list)
    deltas: list[Delta] = field(default_factory=list)
    margin: float = DEFAULT_MARGIN

    @property
    def summary(self) -> str:
        return "通过" if self.allowed else "；".join(self.reasons)


def check_gate(candidate: Figures | None, deployed: Figures | None,
               margin: float = DEFAULT_MARGIN) -> GateResult:
    """Allowed only if every headline figure is at most ``margin`` worse than the deployed one."""
    if candidate is None:
        return GateResult(False, ["候选模型没有评估结果"], [], margin)
    if deployed is None:
        return GateResult(False, ["当前线上模型没有评估结果，无法比较"], [], margin)
    if candidate.heldout and deployed.heldout and candidate.heldout != deployed.heldout:
        return GateResult(False, ["两个模型的评估数据不同（留出集已变化），请重新训练评估"], [], margin)
    deltas = compare(candidate, deployed).headlines
    reasons = [f"{d.title}变差 {d.worsening:.3f}（{d.deployed:.3f} → {d.candidate:.3f}），超过允许的 {margin:.3f}"
               for d in deltas if d.worsening > margin + 1e-9]
    return GateResult(not reasons, reasons, deltas, margin)
