"""Exceptions of the cases package; every message is Chinese first, then English."""
from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "CaseError",
    "CaseNotFound",
    "CaseValidationError",
    "ExtensionError",
    "IllegalTransition",
    "NumberAllocationError",
]


class CaseError(Exception):
    """Base class: a user-facing problem with a case operation (no traceback needed)."""


class CaseNotFound(CaseError):
    """No case with that number."""

    def __init__(self, number: str) -> None:
        super().__init__(f"找不到信访件 {number} / case not found: {number}")
        self.number = number


class CaseValidationError(CaseError):
    """Input fields are missing or malformed; ``problems`` lists each one."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("信息不完整或格式不对 / invalid input: " + "；".join(self.problems))


class IllegalTransition(CaseError):
    """A status change the state machine does not allow."""


class ExtensionError(CaseError):
    """An extension of the handling period that 第三十四条 does not allow."""


class NumberAllocationError(CaseError):
    """No free case number could be allocated after several retries."""
