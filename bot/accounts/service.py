"""Officer accounts, console sessions and login lockout.

Passwords are hashed with Argon2id (argon2-cffi, a slow KDF).  Five wrong
passwords in a row lock the account for 15 minutes (even the right password is
refused meanwhile).  Sessions are random tokens; only their SHA-256 is stored,
each with its own CSRF token; they expire after 12 hours or 2 idle hours.
"""
from __future__ import annotations

import builtins
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.accounts.models import ROLES, Officer, OfficerSession
from bot.audit.log import add_audit
from bot.common.clock import Clock, to_naive_utc, utc_now
from bot.store.db import session_scope

__all__ = [
    "LOCK_DURATION",
    "MAX_FAILURES",
    "AccountError",
    "AccountService",
    "LoginResult",
    "OfficerView",
    "SessionInfo",
]

log = logging.getLogger(__name__)

MAX_FAILURES = 5
LOCK_DURATION = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
SESSION_IDLE = timedelta(hours=2)
TOUCH_EVERY = timedelta(minutes=1)
MIN_PASSWORD = 8
USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")


class AccountError(ValueError):
    """An invalid account operation (message in Chinese)."""


@dataclass(frozen=True)
class OfficerView:
    """An officer account without the password hash."""

    id: int
    username: str
    display_name: str
    role: str
    active: bool
    failed_logins: int
    locked_until: datetime | None
    telegram_user_id: int | None
    created_at: datetime
    last_login_at: datetime | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def role_label(self) -> str:
        return {"admin": "管理员", "supervisor": "督办员"}.get(self.role, "民警")

    @property
    def can_supervise(self) -> bool:
        """May open the 督办 page and give instructions (supervisors and admins)."""
        return self.role in ("admin", "supervisor")


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    officer: OfficerView | None = None
    locked: bool = False


@dataclass(frozen=True)
class SessionInfo:
    officer: OfficerView
    csrf_token: str


def _view(row: Officer) -> OfficerView:
    return OfficerView(row.id, row.username, row.display_name, row.role, bool(row.active),
                       row.failed_logins or 0, row.locked_until, row.telegram_user_id,
                       row.created_at, row.last_login_at)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"密码至少需要{MIN_PASSWORD}个字符")
    if len(set(password)) < 3:
        raise AccountError("密码过于简单")


class AccountService:
    """Accounts and sessions on a SQLAlchemy session factory."""

    def __init__(self, factory: sessionmaker, clock: Clock = utc_now,
                 hasher: PasswordHasher | None = None) -> None:
        self._factory = factory
        self._clock = clock
        self._hasher = hasher or PasswordHasher()
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(12))

    def now(self) -> datetime:
        return to_naive_utc(self._clock())

    # ------------------------------------------------------------ accounts
    def create(self, username: str, display_name: str, password: str, role: str = "officer",
               telegram_user_id: int | None = None, actor: str = "cli") -> OfficerView:
        username = (username or "").strip()
        if not USERNAME.match(username):
            raise AccountError("用户名只能包含字母、数字、点、下划线和连字符（2–64位）")
        if role not in ROLES:
            raise AccountError(f"角色只能是 {' / '.join(ROLES)}")
        if not (display_name or "").strip():
            raise AccountError("请填写显示名（如：王警官）")
        check_password(password)
        try:
            with session_scope(self._factory) as session:
                now = self.now()
                row = Officer(username=username, display_name=display_name.strip()[:100],
                              password_hash=self._hasher.hash(password), role=role, active=True,
                              failed_logins=0, telegram_user_id=telegram_user_id, created_at=now)
                session.add(row)
                session.flush()
                add_audit(session, now, actor, "account_create", "officer", username, {"role": role})
                return _view(row)
        except IntegrityError as error:
            raise AccountError("用户名或 Telegram 账号已被使用") from error

    def _update(self, username: str, actor: str, action: str, **values: object) -> OfficerView:
        with session_scope(self._factory) as session:
            row = session.execute(select(Officer).where(Officer.username == username)).scalar_one_or_none()
            if row is None:
                raise AccountError(f"没有这个账号：{username}")
            for key, value in values.items():
                setattr(row, key, value)
            now = self.now()
            if values.get("active") is False or "password_hash" in values:
                session.execute(update(OfficerSession)
                                .where(OfficerSession.officer_id == row.id,
                                       OfficerSession.revoked_at.is_(None))
                                .values(revoked_at=now).execution_options(synchronize_session=False))
            add_audit(session, now, actor, action, "officer", username)
            session.flush()
            return _view(row)

    def set_password(self, username: str, password: str, actor: str = "cli") -> OfficerView:
        """New password; unlocks the account and ends its sessions."""
        check_password(password)
        return self._update(username, actor, "account_password",
                            password_hash=self._hasher.hash(password), failed_logins=0,
                            locked_until=None)

    def set_active(self, username: str, active: bool, actor: str = "cli") -> OfficerView:
        return self._update(username, actor, "account_enable" if active else "account_disable",
                            active=active)

    def unlock(self, username: str, actor: str = "cli") -> OfficerView:
        return self._update(username, actor, "account_unlock", failed_logins=0, locked_until=None)

    def set_telegram(self, username: str, telegram_user_id: int | None,
                     actor: str = "cli") -> OfficerView:
        try:
            return self._update(username, actor, "account_telegram",
                                telegram_user_id=telegram_user_id)
        except IntegrityError as error:
            raise AccountError("该 Telegram 账号已绑定其他民警") from error

    def list(self) -> builtins.list[OfficerView]:
        with session_scope(self._factory) as session:
            return [_view(r) for r in session.execute(select(Officer).order_by(Officer.username)).scalars()]

    def get(self, officer_id: int) -> OfficerView | None:
        with session_scope(self._factory) as session:
            row = session.get(Officer, officer_id)
            return _view(row) if row else None

    def by_telegram(self, telegram_user_id: int) -> OfficerView | None:
        query = select(Officer).where(Officer.telegram_user_id == telegram_user_id,
                                      Officer.active.is_(True))
        with session_scope(self._factory) as session:
            row = session.execute(query).scalar_one_or_none()
            return _view(row) if row else None

    # --------------------------------------------------------------- login
    def _verify(self, stored: str | None, password: str) -> bool:
        try:
            return bool(self._hasher.verify(stored or self._dummy_hash, password or "")) and bool(stored)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def authenticate(self, username: str, password: str, ip: str | None = None) -> LoginResult:
        """Check a login; counts failures and locks after MAX_FAILURES (audited)."""
        username = (username or "").strip()[:64]
        with session_scope(self._factory) as session:
            now = self.now()
            query = select(Officer).where(Officer.username == username).with_for_update()
            row = session.execute(query).scalar_one_or_none()
            ok = self._verify(row.password_hash if row else None, password)
            if row is None or not row.active:
                add_audit(session, now, username or "?", "login_failed", "officer", username,
                          {"why": "unknown" if row is None else "disabled"}, ip)
                return LoginResult(False)
            if row.locked_until is not None and row.locked_until > now:
                add_audit(session, now, username, "login_locked", "officer", username, None, ip)
                return LoginResult(False, locked=True)
            if not ok:
                row.failed_logins = (row.failed_logins or 0) + 1
                locked = row.failed_logins >= MAX_FAILURES
                if locked:
                    row.locked_until, row.failed_logins = now + LOCK_DURATION, 0
                add_audit(session, now, username, "login_failed", "officer", username,
                          {"locked": locked}, ip)
                return LoginResult(False, locked=locked)
            row.failed_logins, row.locked_until, row.last_login_at = 0, None, now
            if self._hasher.check_needs_rehash(row.password_hash):
                row.password_hash = self._hasher.hash(password)
            add_audit(session, now, username, "login", "officer", username, None, ip)
            return LoginResult(True, _view(row))

    # ------------------------------------------------------------- sessions
    def open_session(self, officer_id: int) -> tuple[str, str]:
        """A new session: returns (cookie token, CSRF token)."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with session_scope(self._factory) as session:
            now = self.now()
            session.add(OfficerSession(token_hash=token_hash(token), officer_id=officer_id,
                                       csrf_token=csrf, created_at=now, last_seen_at=now,
                                       expires_at=now + SESSION_LIFETIME))
        return token, csrf

    def session(self, token: str) -> SessionInfo | None:
        """The live session for a cookie token (None if unknown, expired, idle or revoked)."""
        if not token or len(token) > 200:
            return None
        with session_scope(self._factory) as session:
            now = self.now()
            query = select(OfficerSession, Officer).join(Officer, Officer.id == OfficerSession.officer_id)
            row = session.execute(query.where(OfficerSession.token_hash == token_hash(token))).first()
            if row is None:
                return None
            record, officer = row
            if (record.revoked_at is not None or record.expires_at <= now
                    or record.last_seen_at + SESSION_IDLE <= now or not officer.active):
                return None
            if now - record.last_seen_at >= TOUCH_EVERY:
                record.last_seen_at = now
            return SessionInfo(_view(officer), record.csrf_token)

    def close_session(self, token: str) -> None:
        with session_scope(self._factory) as session:
            session.execute(update(OfficerSession)
                            .where(OfficerSession.token_hash == token_hash(token),
                                   OfficerSession.revoked_at.is_(None))
                            .values(revoked_at=self.now()).execution_options(synchronize_session=False))
