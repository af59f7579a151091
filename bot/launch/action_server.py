"""`python -m bot.launch.action_server` — rasa-sdk's action server, bound and authenticated.

rasa-sdk listens on every interface and trusts every caller. This wrapper builds
the same Sanic app (``rasa_sdk.endpoint.create_app``), binds it to ``--host``
(``BIND_HOST``) and refuses every request but ``GET /health`` that does not carry
``Authorization: Bearer <ACTION_SERVER_TOKEN>`` — the header Rasa sends from
endpoints.yml (``bot.launch.endpoints``).
"""
from __future__ import annotations

import argparse
import logging
import sys

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.launch.secrets import bearer_matches
from bot.settings import get_settings

logger = logging.getLogger(__name__)

OPEN_PATHS = frozenset({"/health"})


def protect(app: Sanic, token: str) -> None:
    """Refuse unauthenticated calls before rasa-sdk reads them."""

    @app.middleware("request")
    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        if bearer_matches(request.headers.get("Authorization"), token):
            return None
        logger.warning("refused an unauthenticated %s %s", request.method, request.path)
        return response.json({"error": "unauthorized"}, status=401)


def create_app(token: str, actions_package: str = "actions") -> Sanic:
    from rasa_sdk.endpoint import create_app as create_sdk_app

    app = create_sdk_app(actions_package, cors_origins=None)
    protect(app, token)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The authenticated Rasa action server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--logging-config-file", default=None)
    args = parser.parse_args(argv)
    token = get_settings().action_server_token
    if not token:
        print("ACTION_SERVER_TOKEN is not set: the action server never runs without one "
              "(python -m bot.launch generates it in local mode).", file=sys.stderr)
        return 2
    from rasa_sdk import utils

    utils.configure_file_logging(logging.getLogger("rasa_sdk"), None, logging.INFO,
                                 args.logging_config_file)
    utils.update_sanic_log_level()
    app = create_app(token)
    logger.info("action server on http://%s:%d", args.host, args.port)
    app.run(args.host, args.port, workers=utils.number_of_sanic_workers(), access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
