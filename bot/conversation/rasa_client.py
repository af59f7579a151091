"""A small async client for the Rasa server's HTTP API."""
from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

import aiohttp

from bot.replies import Button, Reply


class RasaUnavailable(Exception):
    """No Rasa server answered (down, overloaded or returned an error)."""


def replies_from_rasa(payload: Any, signals: bool = False) -> list[Reply]:
    """Convert the REST channel's JSON list into :class:`Reply` objects.

    Custom payloads ``{"signal": …}`` become signal replies when ``signals`` is set
    (the router reads and removes them); other custom payloads are dropped.
    """
    replies: list[Reply] = []
    for item in payload if isinstance(payload, list) else []:
        custom = item.get("custom")
        if isinstance(custom, dict) and custom.get("signal"):
            if signals:
                replies.append(Reply("", signal=str(custom["signal"])))
            continue
        text = str(item.get("text") or "").strip()
        buttons = [
            Button(str(b.get("title", "")), str(b.get("payload", "")))
            for b in item.get("buttons") or []
            if b.get("payload")
        ]
        if text or buttons:
            replies.append(Reply(text, buttons))
    return replies


class RasaClient:
    """Talks to one or several Rasa servers; a sender sticks to one server."""

    def __init__(
        self,
        base_urls: Sequence[str],
        auth_token: str = "",
        timeout_seconds: float = 15.0,
    ) -> None:
        if not base_urls:
            raise ValueError("at least one Rasa URL is required")
        self._base_urls = [url.rstrip("/") for url in base_urls]
        self._token = auth_token
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    def _order_for(self, sender_id: str) -> list[str]:
        """Preferred server first (stable hash), the others as failover."""
        start = zlib.crc32(sender_id.encode()) % len(self._base_urls)
        return self._base_urls[start:] + self._base_urls[:start]

    def _params(self) -> dict[str, str]:
        return {"token": self._token} if self._token else {}

    async def _request(
        self, sender_id: str, method: str, path: str, json: Any = None
    ) -> Any:
        """One call; the next server is tried only when this one could not be reached.

        A timeout, a dropped connection or a 5xx may come after the server took the
        message: retrying elsewhere could process it twice, so those are final.
        """
        session = await self._http()
        last_error: BaseException | None = None
        for base in self._order_for(sender_id):
            try:
                async with session.request(
                    method, base + path, json=json, params=self._params()
                ) as response:
                    if response.status >= 500:
                        raise RasaUnavailable(f"{base} answered {response.status}")
                    response.raise_for_status()
                    return await response.json(content_type=None)
            except aiohttp.ClientConnectorError as error:  # never reached: safe to fail over
                last_error = error
            except (TimeoutError, aiohttp.ClientError) as error:
                raise RasaUnavailable(str(error) or type(error).__name__) from error
        raise RasaUnavailable(str(last_error)) from last_error

    async def send(
        self, sender_id: str, text: str, metadata: dict[str, Any] | None = None
    ) -> list[Reply]:
        """Send a citizen message through the REST channel; return bot replies (and signals)."""
        body = {"sender": sender_id, "message": text, "metadata": metadata or {}}
        payload = await self._request(sender_id, "POST", "/webhooks/rest/webhook", body)
        return replies_from_rasa(payload, signals=True)

    async def tracker(self, sender_id: str) -> dict[str, Any]:
        """The conversation tracker (slots, events, latest message)."""
        return await self._request(sender_id, "GET", f"/conversations/{sender_id}/tracker")

    async def append_events(self, sender_id: str, events: list[dict[str, Any]]) -> None:
        """Append events (e.g. pause/resume) to a conversation."""
        await self._request(
            sender_id, "POST", f"/conversations/{sender_id}/tracker/events", events
        )

    async def trigger_intent(
        self, sender_id: str, intent: str, entities: dict[str, Any] | None = None
    ) -> list[Reply]:
        """Inject an intent (e.g. after an officer hands back); return bot replies."""
        body = {"name": intent, "entities": entities or {}}
        payload = await self._request(
            sender_id,
            "POST",
            f"/conversations/{sender_id}/trigger_intent",
            body,
        )
        return replies_from_rasa((payload or {}).get("messages", []))

    async def execute_action(self, sender_id: str, action: str) -> list[Reply]:
        """Run one action in a conversation (e.g. after a handoff); return its messages."""
        payload = await self._request(
            sender_id, "POST", f"/conversations/{sender_id}/execute", {"name": action}
        )
        return replies_from_rasa((payload or {}).get("messages", []))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
