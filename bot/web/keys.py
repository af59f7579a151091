"""Every key of the gateway's aiohttp application, typed (``web.AppKey``), in one place.

The gateway (``bot.gateway``) stores the objects, its parts read them: the web chat,
health and metrics, the handoff wiring, the officer console, the admin pages and the
channels.  Defined here, below all of them, so none imports another for a key.

Keys whose values are classes of this layer or below are typed with the class.  The
others (``bot.conversation``, ``bot.handoff``, ``bot.console``, ``bot.gateway`` …) live
above ``bot.web`` and may not be imported here (tests/unit/test_layers.py): those keys
are ``AppKey[Any]`` and the comment names the class; the owning package reads them
through a typed accessor where it has one (``console_of``, ``admin_of``).
"""
from __future__ import annotations

from typing import Any

import jinja2
from aiohttp import web
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.accounts.service import AccountService
from bot.settings import Settings

__all__ = [
    "ACCOUNTS_KEY", "ADMIN_JINJA_KEY", "ADMIN_KEY", "CLIENT_KEYS_KEY", "CONSOLE_JINJA_KEY",
    "CONSOLE_KEY", "DELIVERY_KEY", "ENGINE_KEY", "FACTORY_KEY", "JOURNAL_KEY", "METRICS_KEY",
    "OFFICERS_HOOK_KEY", "RATE_LIMITER_KEY", "ROUTER_KEY", "RUNTIME_KEY", "SETTINGS_KEY",
    "SUPERVISION_KEY",
    "TELEGRAM_RUNNER_KEY", "WEBCHAT_HUB_KEY", "WECHAT_ENDPOINT_KEY",
]

# ------------------------------------------------------------- the gateway's core
SETTINGS_KEY = web.AppKey("settings", Settings)
# The process's one engine on DATABASE_URL, created in the app's cleanup context
# (bot.gateway.app); FACTORY_KEY's sessionmaker is bound to it there.
ENGINE_KEY = web.AppKey("database_engine", Engine)
FACTORY_KEY = web.AppKey("app_db_factory", sessionmaker)
METRICS_KEY: web.AppKey[Any] = web.AppKey("metrics")            # bot.gateway.metrics.Metrics
DELIVERY_KEY: web.AppKey[Any] = web.AppKey("delivery")          # bot.conversation.delivery.DeliveryHub
JOURNAL_KEY: web.AppKey[Any] = web.AppKey("journal")            # bot.conversation.journal.MessageJournal
ROUTER_KEY: web.AppKey[Any] = web.AppKey("router")              # bot.gateway.metrics.MeteredRouter

# ------------------------------------------------------------------ web chat
WEBCHAT_HUB_KEY: web.AppKey[Any] = web.AppKey("webchat_hub")    # bot.gateway.webchat.WebChatHub
RATE_LIMITER_KEY: web.AppKey[Any] = web.AppKey("chat_rate_limiter")  # ratelimit.AddressRateLimiter
CLIENT_KEYS_KEY: web.AppKey[Any] = web.AppKey("chat_client_keys")    # ratelimit.ClientKeys

# ------------------------------------------------------- handoff, console, admin
RUNTIME_KEY: web.AppKey[Any] = web.AppKey("handoff_runtime")    # bot.handoff.runtime.HandoffRuntime
ACCOUNTS_KEY = web.AppKey("officer_accounts", AccountService)
CONSOLE_KEY: web.AppKey[Any] = web.AppKey("console")            # bot.console.context.Console
CONSOLE_JINJA_KEY = web.AppKey("console_jinja2", jinja2.Environment)
ADMIN_KEY: web.AppKey[Any] = web.AppKey("admin_tools")          # bot.admin.web.context.Admin
ADMIN_JINJA_KEY = web.AppKey("admin_jinja2", jinja2.Environment)
SUPERVISION_KEY: web.AppKey[Any] = web.AppKey("supervision")    # bot.cases.supervision.Supervision
JOB_RUNNER_KEY: web.AppKey[Any] = web.AppKey("job_runner")      # bot.gateway.jobs.JobRunner
FOLLOWUP_KEY: web.AppKey[Any] = web.AppKey("followup")          # bot.followup.service.FollowupService

# ------------------------------------------------------------------ channels
TELEGRAM_RUNNER_KEY: web.AppKey[Any] = web.AppKey("telegram")   # bot.channels.telegram.lifecycle.BridgeRunner
# The officers' group handler (bot.channels.telegram.officers.make_officers_handler).
OFFICERS_HOOK_KEY: web.AppKey[Any] = web.AppKey("telegram_officers_group_handler")
WECHAT_ENDPOINT_KEY: web.AppKey[Any] = web.AppKey("wechat")     # bot.channels.wechat.webhook.WeChatEndpoint
