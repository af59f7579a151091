"""A logged-in console client over aiohttp's test client."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp.test_utils import TestClient

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_in(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@dataclass
class ConsoleClient:
    client: TestClient
    csrf: str = ""
    pages: dict[str, str] = field(default_factory=dict)

    async def login(self, username: str, password: str, expect: int = 302) -> str:
        page = await self.client.get("/console/login")
        token = csrf_in(await page.text())
        response = await self.client.post("/console/login", allow_redirects=False,
                                          data={"csrf": token, "username": username,
                                                "password": password, "next": "/console/queue"})
        assert response.status == expect, await response.text()
        if expect == 302:
            queue = await self.client.get("/console/queue")
            self.csrf = csrf_in(await queue.text())
        return await response.text()

    async def get(self, path: str, status: int = 200) -> str:
        response = await self.client.get(path, allow_redirects=False)
        text = await response.text()
        assert response.status == status, (path, response.status, text[:500])
        return text

    async def post(self, path: str, data: dict[str, Any] | None = None, status: int = 302,
                   csrf: str | None = None) -> Any:
        form = {"csrf": self.csrf if csrf is None else csrf, **(data or {})}
        response = await self.client.post(path, data=form, allow_redirects=False)
        assert response.status == status, (path, response.status, (await response.text())[:500])
        return response
