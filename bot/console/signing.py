"""Signed console session cookies (keyed with ``SESSION_SECRET``).

The cookie carries ``<random token>.<HMAC-SHA256 of it>``; the database keeps only
the token's SHA-256 (``bot.accounts.service``).  A cookie whose signature does not
match never reaches the database, and changing ``SESSION_SECRET`` ends every
console session at once.  Without a usable secret (unset, placeholder or shorter
than 32 characters) a random per-process key is used: sessions then end when the
gateway restarts.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets

from bot.secrets import weak_secret

__all__ = ["sign", "signing_key", "unsign"]

log = logging.getLogger(__name__)
_CONTEXT = b"jiaojing-console-session:"


def signing_key(session_secret: str) -> bytes:
    """The key derived from ``SESSION_SECRET``, or a random one (with a warning)."""
    if weak_secret(session_secret):
        log.warning("SESSION_SECRET is unset or a placeholder: console sessions are signed "
                    "with a per-process key and end when the gateway restarts")
        return secrets.token_bytes(32)
    return hashlib.sha256(_CONTEXT + session_secret.encode("utf-8")).digest()


def _mac(token: str, key: bytes) -> str:
    digest = hmac.new(key, token.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def sign(token: str, key: bytes) -> str:
    """The cookie value for a session token."""
    return f"{token}.{_mac(token, key)}"


def unsign(value: str, key: bytes) -> str | None:
    """The token of a correctly signed cookie value, else None."""
    token, dot, mac = (value or "").rpartition(".")
    if not dot or not token or not hmac.compare_digest(mac.encode("ascii", "replace"),
                                                       _mac(token, key).encode("ascii")):
        return None
    return token
