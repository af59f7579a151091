"""The case status machine (信访事项办理流程).

Statuses are stored as English keys and shown in Chinese::

    received 登记 ─┬─> accepted 受理 ──> in_progress 办理中 ──> answered 已答复
                  └─> rejected 不予受理并告知 ──> closed 办结
    answered ──> review 复查中 | closed
    review   ──> recheck 复核中 | answered (复查意见已书面答复) | closed
    recheck  ──> closed
    answered ──> recheck   only after a review (复查后对复查意见不服, 第三十六条)
    answered ──> review    only if the case has not been reviewed yet (第三十五条)

After 复核 the same matter with the same facts and reasons is not accepted again
(第三十六条第三款), so ``recheck`` can only lead to ``closed``.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.cases.errors import IllegalTransition

__all__ = [
    "FINAL_STATUSES",
    "OPEN_STATUSES",
    "STATUS_LABELS",
    "TRANSITIONS",
    "CaseStatus",
    "StatusText",
    "allowed_targets",
    "check_transition",
    "citizen_explanation",
    "parse_status",
]


class CaseStatus(StrEnum):
    """Stored status keys."""

    RECEIVED = "received"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    REVIEW = "review"
    RECHECK = "recheck"
    CLOSED = "closed"


S = CaseStatus

STATUS_LABELS: dict[CaseStatus, str] = {
    S.RECEIVED: "登记",
    S.ACCEPTED: "受理",
    S.REJECTED: "不予受理并告知",
    S.IN_PROGRESS: "办理中",
    S.ANSWERED: "已答复",
    S.REVIEW: "复查中",
    S.RECHECK: "复核中",
    S.CLOSED: "办结",
}

TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.RECEIVED: frozenset({S.ACCEPTED, S.REJECTED}),
    S.ACCEPTED: frozenset({S.IN_PROGRESS}),
    S.REJECTED: frozenset({S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.ANSWERED}),
    S.ANSWERED: frozenset({S.REVIEW, S.RECHECK, S.CLOSED}),
    S.REVIEW: frozenset({S.RECHECK, S.ANSWERED, S.CLOSED}),
    S.RECHECK: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}

#: Not open: no further handling is due (used for duplicate detection).
FINAL_STATUSES: frozenset[CaseStatus] = frozenset({S.CLOSED, S.REJECTED})
OPEN_STATUSES: frozenset[CaseStatus] = frozenset(set(S) - FINAL_STATUSES)


@dataclass(frozen=True)
class StatusText:
    """Plain words for citizens: what the stage means and what happens next."""

    meaning: str
    next_step: str


_CITIZEN_TEXT: dict[CaseStatus, StatusText] = {
    S.RECEIVED: StatusText(
        "您的信访事项已经登记，我们正在确认是否属于本机关处理范围。",
        "收到之日起15日内，会书面告诉您是否受理、由谁处理、怎么处理。",
    ),
    S.ACCEPTED: StatusText(
        "您的信访事项已经受理，会交给承办单位办理。",
        "一般自受理之日起60日内办结并给您书面答复。",
    ),
    S.REJECTED: StatusText(
        "这件事不属于本机关处理范围或不符合受理条件，已经书面告诉您原因和应当去哪里反映。",
        "请按告知书上的指引，向有权处理的机关提出。",
    ),
    S.IN_PROGRESS: StatusText(
        "承办单位正在调查核实、办理您的事项。",
        "办结后会给您书面答复；情况复杂的可以延期一次，最长30日，并会告诉您延期理由。",
    ),
    S.ANSWERED: StatusText(
        "已经对您的事项作出书面答复。",
        "如果对答复不服，可以在收到书面答复之日起30日内申请复查。",
    ),
    S.REVIEW: StatusText(
        "上一级机关正在复查您的事项。",
        "复查机关会在收到复查请求之日起30日内给您书面答复。",
    ),
    S.RECHECK: StatusText(
        "再上一级机关正在复核您的事项。",
        "复核机关会在收到复核请求之日起30日内提出复核意见。",
    ),
    S.CLOSED: StatusText(
        "您的信访事项已经办结。",
        "如有新的事实和理由，可以重新提出；经过复核的，同一事实和理由不再受理。",
    ),
}


def parse_status(text: str | CaseStatus) -> CaseStatus:
    """English key or Chinese label -> ``CaseStatus``; raises ``ValueError`` otherwise."""
    if isinstance(text, CaseStatus):
        return text
    value = (text or "").strip()
    for status in CaseStatus:
        if value.lower().replace("-", "_") == status.value or value == STATUS_LABELS[status]:
            return status
    known = ", ".join(f"{s.value}({STATUS_LABELS[s]})" for s in CaseStatus)
    raise ValueError(f"未知状态 / unknown status: {value!r}; 可选 / choose from: {known}")


def allowed_targets(current: CaseStatus, *, reviewed: bool = False) -> frozenset[CaseStatus]:
    """Statuses reachable from ``current``; ``reviewed`` = a 复查 has already happened."""
    targets = set(TRANSITIONS[current])
    if current is S.ANSWERED:
        targets.discard(S.RECHECK if not reviewed else S.REVIEW)
    return frozenset(targets)


def _reason(current: CaseStatus, target: CaseStatus, reviewed: bool) -> str:
    if current is S.ANSWERED and target is S.REVIEW and reviewed:
        return "本案已经复查过，下一步只能申请复核 / already reviewed once, only a recheck is possible"
    if current is S.ANSWERED and target is S.RECHECK and not reviewed:
        return "复核须在复查之后 / a recheck requires a prior review"
    allowed = allowed_targets(current, reviewed=reviewed)
    if not allowed:
        return "该状态已是最终状态 / this is a final status"
    names = "、".join(f"{STATUS_LABELS[s]}({s.value})" for s in sorted(allowed, key=list(S).index))
    return f"只能变更为 / allowed: {names}"


def check_transition(current: CaseStatus, target: CaseStatus, *, reviewed: bool = False) -> None:
    """Raise ``IllegalTransition`` unless ``current -> target`` is allowed."""
    if target in allowed_targets(current, reviewed=reviewed):
        return
    raise IllegalTransition(
        f"不能从「{STATUS_LABELS[current]}」变更为「{STATUS_LABELS[target]}」"
        f" / illegal transition {current.value} -> {target.value}: {_reason(current, target, reviewed)}"
    )


def citizen_explanation(status: CaseStatus) -> StatusText:
    """Plain-words meaning and next step of ``status`` for the citizen."""
    return _CITIZEN_TEXT[status]
