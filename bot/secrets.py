"""The one rule for placeholder secrets (webhook secrets, service tokens, session keys)."""
from __future__ import annotations

__all__ = ["MIN_SECRET_LENGTH", "PLACEHOLDER", "weak_secret"]

#: Marker texts of example values (``deploy/env.example`` uses ``CHANGE_ME``).
PLACEHOLDER: tuple[str, ...] = ("CHANGE_ME", "CHANGEME")

#: Shorter secrets are treated as placeholders (32 characters ≈ 190 bits urlsafe).
MIN_SECRET_LENGTH = 32


def weak_secret(value: str) -> bool:
    """True for a secret that must not be used: empty, a placeholder or too short."""
    text = (value or "").strip()
    upper = text.upper()
    return (not text or len(text) < MIN_SECRET_LENGTH
            or any(marker in upper for marker in PLACEHOLDER))
