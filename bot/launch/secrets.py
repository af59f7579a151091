"""Internal service tokens: generated per launch in local mode, required in production.

Rasa's HTTP API (and its REST channel) and the action server never run without a
token. In local mode (``Settings.local_only``) the launcher makes fresh random tokens
at every launch unless the environment sets them, and keeps them in ``VAR_DIR``
(mode 0600) for tools and tests; the child processes get them through their
environment. Outside local mode every secret must come from the environment, and a
missing or placeholder one stops the launch with a clear message.
"""
from __future__ import annotations

import dataclasses
import hmac
import secrets
from pathlib import Path

from bot.launch.endpoints import write_private
from bot.secrets import MIN_SECRET_LENGTH, weak_secret
from bot.settings import Settings

RASA_TOKEN_FILE = "rasa_token"  # noqa: S105 - file names, not tokens
ACTION_TOKEN_FILE = "action_token"  # noqa: S105


class SecretsError(ValueError):
    """A secret the deployment needs is missing or a placeholder."""


def _by_name(settings: Settings, with_telegram: bool) -> dict[str, str]:
    """The internal secrets by environment variable name (Telegram's when asked)."""
    named = {"RASA_AUTH_TOKEN": settings.rasa_auth_token,
             "ACTION_SERVER_TOKEN": settings.action_server_token,
             "SESSION_SECRET": settings.session_secret}
    if with_telegram:
        named["TELEGRAM_WEBHOOK_SECRET"] = settings.telegram_webhook_secret
    return named


def _required(settings: Settings) -> dict[str, str]:
    """Secrets this deployment needs (Telegram's only in webhook mode)."""
    return _by_name(settings, bool(settings.telegram_webhook_url))


def _wechat(settings: Settings) -> dict[str, str]:
    """The WeChat channel's secrets when it is configured.

    Never generated: they come from the 公众号's settings; the token may be at most 32
    characters, so use 32.
    """
    if not settings.wechat_token:
        return {}
    named = {"WECHAT_TOKEN": settings.wechat_token}
    for name, value in (("WECHAT_APP_SECRET", settings.wechat_app_secret),
                        ("WECHAT_AES_KEY", settings.wechat_aes_key)):
        if value:
            named[name] = value
    return named


def weak_secrets(settings: Settings) -> list[str]:
    """Names of the required secrets that are empty, placeholders or too short."""
    named = {**_required(settings), **_wechat(settings)}
    return [name for name, value in named.items() if weak_secret(value)]


def generate_local(settings: Settings, var_dir: Path) -> Settings:
    """Fill every missing secret with a fresh random one; write the service tokens."""
    fresh = {name: value if not weak_secret(value) else secrets.token_urlsafe(32)
             for name, value in _required(settings).items()}
    settings = dataclasses.replace(
        settings, rasa_auth_token=fresh["RASA_AUTH_TOKEN"],
        action_server_token=fresh["ACTION_SERVER_TOKEN"],
        session_secret=fresh["SESSION_SECRET"],
        telegram_webhook_secret=fresh.get("TELEGRAM_WEBHOOK_SECRET",
                                          settings.telegram_webhook_secret))
    write_private(var_dir / RASA_TOKEN_FILE, settings.rasa_auth_token + "\n")
    write_private(var_dir / ACTION_TOKEN_FILE, settings.action_server_token + "\n")
    return settings


def prepare_secrets(settings: Settings, var_dir: Path) -> Settings:
    """Settings with every internal secret set, or :class:`SecretsError`."""
    if settings.local_only:
        return generate_local(settings, var_dir)
    weak = weak_secrets(settings)
    if weak:
        raise SecretsError(
            f"outside local mode these secrets must be set to random values of at least "
            f"{MIN_SECRET_LENGTH} characters (not placeholders): {', '.join(weak)}")
    return settings


def secret_env(settings: Settings) -> dict[str, str]:
    """The environment every child process gets so that it knows the tokens."""
    return _by_name(settings, bool(settings.telegram_webhook_secret))


def read_token(var_dir: Path, name: str) -> str:
    """A token the launcher wrote for tools and tests ('' when there is none)."""
    path = var_dir / name
    return path.read_text(encoding="utf-8").strip() if path.exists() else ""


def bearer_matches(header: str | None, token: str) -> bool:
    """True when ``header`` is ``Bearer <token>`` (constant-time comparison)."""
    if not token or not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[len("Bearer "):].encode(), token.encode())
