"""Query codes (查询码): 8 characters, shown to the petitioner once, stored only as a hash.

The alphabet has no 0/O/1/I, so a code read aloud or copied by hand is
unambiguous (32 symbols, 40 bits).  Hashes are Argon2id (argon2-cffi) with a
per-code salt; verification is constant-time.  User input is normalised first:
surrounding blanks, spaces and dashes removed, full-width folded, upper-cased.
"""
from __future__ import annotations

import re
import secrets
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "CodeHasher",
    "generate_query_code",
    "normalise_query_code",
]

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
_MAX_INPUT = 64
_VALID = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")


def generate_query_code() -> str:
    """A fresh random code, e.g. ``K7XQ2MPA``."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_query_code(text: object) -> str | None:
    """Canonical code or ``None`` if the input cannot be a code at all."""
    if not isinstance(text, str) or len(text) > _MAX_INPUT:
        return None
    folded = unicodedata.normalize("NFKC", text).upper()
    folded = re.sub(r"[\s\-_‐‑–—－]", "", folded)
    return folded if _VALID.fullmatch(folded) else None


class CodeHasher:
    """Argon2id hashing of query codes (OWASP minimum: m=19 MiB, t=2, p=1)."""

    def __init__(self, time_cost: int = 2, memory_cost: int = 19_456, parallelism: int = 1) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism
        )
        self._dummy = self._hasher.hash(generate_query_code())

    def hash(self, code: str) -> str:
        """Salted hash of a canonical code."""
        return self._hasher.hash(code)

    def verify(self, stored_hash: str | None, code_text: object) -> bool:
        """Constant-time check; any malformed input or hash is just ``False``.

        With ``stored_hash=None`` a dummy hash is checked so that a missing case
        costs the same time as a wrong code.
        """
        code = normalise_query_code(code_text)
        target = stored_hash or self._dummy
        try:
            return self._hasher.verify(target, code or "-") and code is not None and stored_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
