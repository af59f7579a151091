"""Rasa's REST channel, but only for callers that know the Rasa token.

Citizens never talk to Rasa directly: the gateway (web chat, Telegram, …) is the
only public entry and sends ``?token=`` (as for Rasa's HTTP API) or
``Authorization: Bearer``. Anything else gets 401 before a message is processed.
Configured in credentials.yml; keeps the URL ``/webhooks/rest/webhook``.
"""
from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.settings import get_settings

logger = logging.getLogger(__name__)


def presented_token(request: Request) -> str:
    """The token a caller sent: ``?token=`` or ``Authorization: Bearer``."""
    header = request.headers.get("Authorization") or ""
    if header.startswith("Bearer "):
        return header[len("Bearer "):]
    return str(request.args.get("token") or "")


def token_ok(request: Request, token: str) -> bool:
    return bool(token) and hmac.compare_digest(presented_token(request).encode(), token.encode())


class TokenRestInput(RestInput):
    """``/webhooks/rest/webhook`` that refuses callers without the Rasa token."""

    def __init__(self, token: str | None = None) -> None:
        self._token = get_settings().rasa_auth_token if token is None else token

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TokenRestInput:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("request")
        async def require_token(request: Request) -> HTTPResponse | None:
            if token_ok(request, self._token):
                return None
            logger.warning("refused an unauthenticated call to the REST channel")
            return response.json({"error": "unauthorized"}, status=401)

        return blueprint
