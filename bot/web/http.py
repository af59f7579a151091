"""HTTP helpers: JSON errors in Chinese, safe body parsing, error middleware."""
from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def json_error(status: int, message: str) -> web.Response:
    return web.json_response(
        {"error": message}, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False)
    )


async def read_json(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 with a Chinese explanation."""
    try:
        raw = await request.read()
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "请求格式有误：需要 UTF-8 编码的 JSON。"}, ensure_ascii=False),
            content_type="application/json",
        ) from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "请求格式有误：需要一个 JSON 对象。"}, ensure_ascii=False),
            content_type="application/json",
        )
    return body


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """No stack trace ever reaches a client; 413 and 5xx get Chinese messages."""
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        return json_error(413, "提交的内容太大了，请精简后再试。")
    except UnicodeDecodeError:  # a form or query that is not UTF-8 (aiohttp decodes lazily)
        return json_error(400, "请求内容不是有效的 UTF-8 编码，请检查后重试。")
    except web.HTTPException:
        raise
    except Exception:
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return json_error(500, "系统出了点问题，请稍后再试。")
