"""The one place that reads configuration from the environment."""
from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
VAR_DIR = Path(os.environ.get("VAR_DIR") or REPO_ROOT / "var")


def _sqlite_url(name: str) -> str:
    return f"sqlite:///{VAR_DIR / name}"


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _hours(value: str) -> tuple[int, int]:
    start, end = value.split("-", 1)
    return int(start), int(end)


def _networks(name: str, value: str | None) -> tuple[str, ...]:
    """Comma-separated IPs/CIDRs, normalised (``10.0.0.7`` → ``10.0.0.7/32``)."""
    result = []
    for item in (value or "").split(","):
        if item.strip():
            try:
                result.append(str(ipaddress.ip_network(item.strip(), strict=False)))
            except ValueError as error:
                raise ValueError(f"{name}: not an IP address or CIDR: {item.strip()!r}") from error
    return tuple(result)


def _secure_cookies(explicit: str | None, gateway_host: str, proxies: tuple[str, ...]) -> bool:
    """SECURE_COOKIES if set.

    Else on unless the gateway is reached on loopback only (a configured trusted proxy
    means a TLS front, so on as well).
    """
    if (explicit or "").strip():
        return _flag(explicit)
    return gateway_host not in LOOPBACK_HOSTS or bool(proxies)


@dataclass(frozen=True)
class Settings:
    """Typed, immutable configuration for every process of the assistant."""

    database_url: str = _sqlite_url("app.db")
    tracker_store_url: str = _sqlite_url("tracker.db")
    lock_store_url: str = ""
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_urls: tuple[str, ...] = ()
    rasa_instances: int = 1
    bind_host: str = "127.0.0.1"  # where Rasa servers and the model server listen
    rasa_auth_token: str = ""
    action_server_token: str = ""
    deployment: str = "local"  # "production": every secret must come from the environment
    action_server_url: str = "http://127.0.0.1:5055/webhook"
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8080
    rasa_port: int = 5005
    action_port: int = 5055
    model_dir: Path = REPO_ROOT / "models"
    model_server_url: str = ""
    rasa_timeout_seconds: float = 15.0
    telegram_bot_token: str = ""
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str = ""
    telegram_webhook_secret: str = ""
    telegram_officers_chat_id: str = ""
    wechat_token: str = ""  # 公众号 server token: the WeChat channel runs only when set
    wechat_app_id: str = ""
    wechat_app_secret: str = ""
    wechat_aes_key: str = ""  # EncodingAESKey (43 characters) for 安全模式; empty: plain mode
    wechat_api_base_url: str = "https://api.weixin.qq.com"
    session_secret: str = ""  # signs the console's session cookie (bot/console/auth.py)
    secure_cookies: bool = False  # from the environment: on unless the gateway is loopback-only
    trusted_proxies: tuple[str, ...] = ()  # CIDRs whose X-Forwarded-For is believed
    console_allow: tuple[str, ...] = ()  # CIDRs that may reach /console (empty: everyone)
    office_hours: tuple[int, int] = (9, 17)
    office_weekdays_only: bool = True
    log_json: bool = False
    redis_url: str = ""
    chat_rate_per_minute: int = 30  # messages per minute per address on /api/chat (0: off)
    chat_burst: int = 10
    retention_days: int = 180  # conversations and journalled messages older than this are purged
    followup_delay_hours: float = 72.0  # 回访: ask about satisfaction this long after a case is answered
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def local_only(self) -> bool:
        """Local mode: not declared production and nothing listens beyond loopback.

        Only then may the launcher generate the internal service tokens itself.
        """
        return (self.deployment != "production" and self.bind_host in LOOPBACK_HOSTS
                and self.gateway_host in LOOPBACK_HOSTS)

    @property
    def rasa_backends(self) -> tuple[str, ...]:
        """All Rasa servers the gateway may talk to (several in production)."""
        return self.rasa_urls or (self.rasa_url,)


def settings_from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from ``env`` (defaults to ``os.environ``)."""
    env = os.environ if env is None else env
    get = env.get
    rasa_urls = tuple(u.strip() for u in get("RASA_URLS", "").split(",") if u.strip())
    gateway_host = get("GATEWAY_HOST", "127.0.0.1")
    proxies = _networks("TRUSTED_PROXIES", get("TRUSTED_PROXIES"))
    return Settings(
        database_url=get("DATABASE_URL") or _sqlite_url("app.db"),
        tracker_store_url=get("TRACKER_STORE_URL") or _sqlite_url("tracker.db"),
        lock_store_url=get("LOCK_STORE_URL", ""),
        rasa_url=get("RASA_URL", "http://127.0.0.1:5005").rstrip("/"),
        rasa_urls=rasa_urls,
        rasa_instances=max(1, int(get("RASA_INSTANCES") or "1")),
        bind_host=get("BIND_HOST") or "127.0.0.1",
        rasa_auth_token=get("RASA_AUTH_TOKEN", ""),
        action_server_token=get("ACTION_SERVER_TOKEN", ""),
        deployment=(get("DEPLOYMENT") or "local").strip().lower(),
        action_server_url=get("ACTION_SERVER_URL", "http://127.0.0.1:5055/webhook"),
        gateway_host=gateway_host,
        gateway_port=int(get("GATEWAY_PORT", "8080")),
        rasa_port=int(get("RASA_PORT", "5005")),
        action_port=int(get("ACTION_PORT", "5055")),
        model_dir=Path(get("MODEL_DIR") or REPO_ROOT / "models"),
        model_server_url=get("MODEL_SERVER_URL", ""),
        rasa_timeout_seconds=float(get("RASA_TIMEOUT_SECONDS", "15")),
        telegram_bot_token=get("TELEGRAM_BOT_TOKEN", ""),
        telegram_api_base_url=get("TELEGRAM_API_BASE_URL")
        or "https://api.telegram.org/bot",
        telegram_webhook_url=get("TELEGRAM_WEBHOOK_URL", ""),
        telegram_webhook_secret=get("TELEGRAM_WEBHOOK_SECRET", ""),
        telegram_officers_chat_id=get("TELEGRAM_OFFICERS_CHAT_ID", ""),
        wechat_token=get("WECHAT_TOKEN", "").strip(),
        wechat_app_id=get("WECHAT_APP_ID", "").strip(),
        wechat_app_secret=get("WECHAT_APP_SECRET", "").strip(),
        wechat_aes_key=get("WECHAT_AES_KEY", "").strip(),
        wechat_api_base_url=(get("WECHAT_API_BASE_URL") or "https://api.weixin.qq.com").rstrip("/"),
        session_secret=get("SESSION_SECRET", ""),
        secure_cookies=_secure_cookies(get("SECURE_COOKIES"), gateway_host, proxies),
        trusted_proxies=proxies,
        console_allow=_networks("CONSOLE_ALLOW", get("CONSOLE_ALLOW")),
        office_hours=_hours(get("OFFICE_HOURS", "9-17")),
        office_weekdays_only=not _flag(get("OFFICE_ALL_WEEK")),
        log_json=_flag(get("LOG_JSON")),
        redis_url=get("REDIS_URL", ""),
        retention_days=max(1, int(get("RETENTION_DAYS") or "180")),
        followup_delay_hours=max(0.0, float(get("FOLLOWUP_DELAY_HOURS") or "72")),
        chat_rate_per_minute=max(0, int(get("CHAT_RATE_PER_MINUTE") or "30")),
        chat_burst=max(1, int(get("CHAT_BURST") or "10")),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings, read once."""
    return settings_from_env()
