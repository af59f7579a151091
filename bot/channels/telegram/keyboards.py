"""Rasa buttons as inline keyboards, within Telegram's 64-byte callback_data limit."""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from typing import Generic, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.replies import Button

CALLBACK_DATA_BYTES = 64
KEY_PREFIX = "k:"
SHORT_TITLE = 6

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedMap(Generic[K, V]):
    """A small LRU map: the oldest entries go when it is full."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[K, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def get(self, key: K) -> V | None:
        if key not in self._items:
            return None
        self._items.move_to_end(key)
        return self._items[key]


class CallbackPayloads:
    """Maps Rasa payloads to callback_data and back (long payloads get a short key)."""

    def __init__(self, capacity: int = 4096) -> None:
        self._long: BoundedMap[str, str] = BoundedMap(capacity)

    def __len__(self) -> int:
        return len(self._long)

    def data_for(self, payload: str) -> str:
        fits = len(payload.encode("utf-8")) <= CALLBACK_DATA_BYTES
        if fits and not payload.startswith(KEY_PREFIX):
            return payload
        key = KEY_PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]
        self._long.put(key, payload)
        return key

    def payload_for(self, data: str) -> str | None:
        """The payload behind callback_data; None when a short key has expired."""
        return self._long.get(data) if data.startswith(KEY_PREFIX) else data


def _rows(
    buttons: list[InlineKeyboardButton], titles: Sequence[str]
) -> list[list[InlineKeyboardButton]]:
    """Two short titles per row, otherwise one per row."""
    width = 2 if all(len(title) <= SHORT_TITLE for title in titles) else 1
    return [buttons[i:i + width] for i in range(0, len(buttons), width)]


def keyboard_for(
    buttons: Sequence[Button], payloads: CallbackPayloads
) -> InlineKeyboardMarkup | None:
    """An inline keyboard for Rasa buttons (None when there are none)."""
    if not buttons:
        return None
    inline = [InlineKeyboardButton(b.title or b.payload,
                                   callback_data=payloads.data_for(b.payload))
              for b in buttons]
    return InlineKeyboardMarkup(_rows(inline, [b.title for b in buttons]))


def pressed_title(message: Message, data: str) -> str | None:
    """Title of the button with this callback_data in the message's keyboard."""
    markup = message.reply_markup
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if button.callback_data == data:
                return button.text
    return None
