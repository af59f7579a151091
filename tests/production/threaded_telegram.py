"""The fake Telegram Bot API (tests/fake_telegram.py) on its own event-loop thread,
so processes started by a synchronous, session-wide fixture can poll it."""
from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from tests.fake_telegram import TOKEN, FakeTelegram

T = TypeVar("T")

__all__ = ["TOKEN", "ThreadedTelegram"]


class ThreadedTelegram:
    """Start/stop from any thread; every access to the fake runs on its loop."""

    def __init__(self) -> None:
        self.fake = FakeTelegram()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-telegram",
                                        daemon=True)

    @property
    def base_url(self) -> str:
        return self.fake.base_url

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.fake.start(), self._loop).result(10)

    def stop(self) -> None:
        async def shutdown() -> None:
            await self.fake.stop()
            pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in pending:  # e.g. a long poll the bridge left open
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def run(self, function: Callable[..., T], *args: Any) -> T:
        """Call ``function(*args)`` on the fake's loop and return its result."""
        async def call() -> T:
            return function(*args)

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(10)

    def send_text(self, chat_id: int, text: str) -> None:
        self.run(self.fake.send_text, chat_id, text)

    def sent_texts(self, chat_id: int) -> list[str]:
        return self.run(self.fake.sent_texts, chat_id)

    def wait_sent(self, chat_id: int, count: int, timeout: float = 60.0) -> list[str]:
        """Block until the bot sent ``count`` messages to the chat; return their texts."""
        deadline = time.monotonic() + timeout
        while True:
            texts = self.sent_texts(chat_id)
            if len(texts) >= count:
                return texts
            if time.monotonic() > deadline:
                raise AssertionError(f"chat {chat_id}: {len(texts)}/{count} messages: {texts}")
            time.sleep(0.1)
