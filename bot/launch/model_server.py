"""A tiny HTTP model server: every Rasa instance loads the deployed model from here.

``GET /models/current.tar.gz`` serves the deployed model (the admin pages' link
``VAR_DIR/models/deployed.tar.gz``, else ``MODEL_DIR/current.tar.gz``); other
``<name>.tar.gz`` are files of ``MODEL_DIR``. aiohttp gives each a strong ETag
(mtime and size) and answers ``If-None-Match`` with 304. Rasa instances pull when
they start (``models:`` in endpoints.yml); a deploy from the admin pages switches
the running ones with ``PUT /model`` and repoints the link, so an instance that
restarts later comes back with the same model.

    python -m bot.launch.model_server --port 5004   # started by bot.launch
"""
from __future__ import annotations

import argparse
import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from bot.launch.secrets import bearer_matches
from bot.launch.services import deployed_model
from bot.logging_setup import configure_logging
from bot.settings import get_settings

NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}\.tar\.gz$")
CURRENT = "current.tar.gz"

logger = logging.getLogger(__name__)


def require_token(token: str) -> Callable[..., Awaitable[web.StreamResponse]]:
    """Middleware: everything but /healthz needs ``Authorization: Bearer <token>``."""

    @web.middleware
    async def middleware(request: web.Request, handler: Callable[..., Awaitable[web.StreamResponse]]
                         ) -> web.StreamResponse:
        if request.path == "/healthz" or bearer_matches(request.headers.get("Authorization"), token):
            return await handler(request)
        return web.json_response({"error": "unauthorized"}, status=401)

    return middleware


def create_app(directory: Path, current: Callable[[], Path] | None = None,
               token: str | None = None) -> web.Application:
    """The model server's application: GET /models/{name} and GET /healthz.

    Models are the files of ``directory``; ``current.tar.gz`` is ``current()``, the
    deployed model, when given. With ``token``, model downloads need it (the Rasa token:
    Rasa sends it from endpoints.yml).
    """

    async def model(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        path = current() if current is not None and name == CURRENT else directory / name
        if not NAME.match(name) or not path.is_file():
            return web.json_response({"error": "no such model"}, status=404)
        # An explicit content type stops aiohttp from announcing Content-Encoding: gzip
        # (the client would then unpack the archive Rasa expects to receive packed).
        return web.FileResponse(path, headers={"filename": name,
                                               "Content-Type": "application/octet-stream"})

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application(middlewares=[require_token(token)] if token is not None else [])
    app.router.add_get("/models/{name}", model)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    configure_logging("models")
    parser = argparse.ArgumentParser(description="Serve MODEL_DIR to the Rasa instances.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    settings = get_settings()
    if not settings.rasa_auth_token:
        raise SystemExit("RASA_AUTH_TOKEN is not set: the model server never runs without it")
    logger.info("serving models from %s on %s:%d", settings.model_dir, args.host, args.port)
    web.run_app(create_app(settings.model_dir, lambda: deployed_model(settings),
                           settings.rasa_auth_token),
                host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
