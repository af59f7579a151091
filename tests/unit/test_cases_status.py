"""The case status machine: every legal and illegal transition."""
from __future__ import annotations

import itertools

import pytest

from bot.cases.errors import IllegalTransition
from bot.cases.status import (
    FINAL_STATUSES,
    STATUS_LABELS,
    allowed_targets,
    check_transition,
    citizen_explanation,
    parse_status,
)
from bot.cases.status import (
    CaseStatus as S,
)

# (from, to, reviewed) that must be allowed; everything else must be refused.
LEGAL = {
    (S.RECEIVED, S.ACCEPTED, False), (S.RECEIVED, S.ACCEPTED, True),
    (S.RECEIVED, S.REJECTED, False), (S.RECEIVED, S.REJECTED, True),
    (S.ACCEPTED, S.IN_PROGRESS, False), (S.ACCEPTED, S.IN_PROGRESS, True),
    (S.REJECTED, S.CLOSED, False), (S.REJECTED, S.CLOSED, True),
    (S.IN_PROGRESS, S.ANSWERED, False), (S.IN_PROGRESS, S.ANSWERED, True),
    (S.ANSWERED, S.REVIEW, False),
    (S.ANSWERED, S.RECHECK, True),
    (S.ANSWERED, S.CLOSED, False), (S.ANSWERED, S.CLOSED, True),
    (S.REVIEW, S.RECHECK, False), (S.REVIEW, S.RECHECK, True),
    (S.REVIEW, S.ANSWERED, False), (S.REVIEW, S.ANSWERED, True),
    (S.REVIEW, S.CLOSED, False), (S.REVIEW, S.CLOSED, True),
    (S.RECHECK, S.CLOSED, False), (S.RECHECK, S.CLOSED, True),
}
ALL = list(itertools.product(S, S, (False, True)))


@pytest.mark.parametrize("current,target,reviewed", sorted(LEGAL, key=str))
def test_legal_transitions_pass(current: S, target: S, reviewed: bool) -> None:
    check_transition(current, target, reviewed=reviewed)
    assert target in allowed_targets(current, reviewed=reviewed)


@pytest.mark.parametrize("current,target,reviewed", [t for t in ALL if t not in LEGAL], ids=str)
def test_illegal_transitions_raise(current: S, target: S, reviewed: bool) -> None:
    with pytest.raises(IllegalTransition) as info:
        check_transition(current, target, reviewed=reviewed)
    message = str(info.value)
    assert STATUS_LABELS[current] in message and STATUS_LABELS[target] in message
    assert f"{current.value} -> {target.value}" in message


def test_second_review_is_refused_with_a_reason() -> None:
    with pytest.raises(IllegalTransition, match="复核"):
        check_transition(S.ANSWERED, S.REVIEW, reviewed=True)


def test_recheck_without_review_is_refused() -> None:
    with pytest.raises(IllegalTransition, match="复查之后"):
        check_transition(S.ANSWERED, S.RECHECK, reviewed=False)


def test_closed_is_final() -> None:
    assert allowed_targets(S.CLOSED) == frozenset()
    with pytest.raises(IllegalTransition, match="最终状态"):
        check_transition(S.CLOSED, S.RECEIVED)


def test_recheck_leads_only_to_closed() -> None:
    assert allowed_targets(S.RECHECK, reviewed=True) == {S.CLOSED}


def test_final_statuses() -> None:
    assert {S.CLOSED, S.REJECTED} == FINAL_STATUSES


@pytest.mark.parametrize("text,expected", [
    ("received", S.RECEIVED), ("IN_PROGRESS", S.IN_PROGRESS), ("in-progress", S.IN_PROGRESS),
    ("办理中", S.IN_PROGRESS), ("复核中", S.RECHECK), (" closed ", S.CLOSED), (S.REVIEW, S.REVIEW),
])
def test_parse_status(text: str, expected: S) -> None:
    assert parse_status(text) is expected


@pytest.mark.parametrize("text", ["", "done", "受理了", "'; DROP TABLE cases;--"])
def test_parse_status_rejects_unknown(text: str) -> None:
    with pytest.raises(ValueError, match="unknown status"):
        parse_status(text)


@pytest.mark.parametrize("status", list(S))
def test_every_status_has_label_and_citizen_text(status: S) -> None:
    text = citizen_explanation(status)
    assert STATUS_LABELS[status]
    assert text.meaning and text.next_step
