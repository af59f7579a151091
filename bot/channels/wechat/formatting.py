"""Bot replies as WeChat text messages.

WeChat limits a text message (passive reply and 客服消息) to 2048 bytes of UTF-8, so long
answers are split at sentence ends (else clause marks, else spaces), never inside a
character or a link. WeChat has no buttons in a text message: buttons become a numbered
list the citizen answers with the number (:func:`parse_choice`); a button whose payload
is a web address becomes a link instead.
"""
from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.common.text import CLAUSE_ENDS, GLUE, SENTENCE_ENDS, after_boundary, fitting_prefix
from bot.replies import Button, Reply

__all__ = ["MAX_MESSAGE_BYTES", "Formatted", "format_replies", "parse_choice", "split_text",
           "utf8_len"]

MAX_MESSAGE_BYTES = 2048
MAX_CHOICES = 20
_CHOICE = re.compile(r"^\s*[(（]?\s*(\d{1,2})\s*[)）.。、]?\s*$")


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))




def _outside_link(text: str, cut: int) -> int:
    """Move a cut that falls inside ``<a …>…</a>`` to before the link."""
    start = text.rfind("<a ", 0, cut)
    if start > 0 and start > text.rfind("</a>", 0, cut):
        return start
    return cut


def _cut_index(text: str, limit: int) -> int:
    hard = fitting_prefix(text, limit, utf8_len)
    window = text[:hard]
    for marks in (SENTENCE_ENDS, CLAUSE_ENDS, " \t"):
        cut = after_boundary(window, marks)
        if cut:
            return _outside_link(text, cut)
    cut = hard
    while cut > 1 and (unicodedata.combining(text[cut]) or text[cut] in GLUE
                       or text[cut - 1] == "\u200d"):
        cut -= 1
    return _outside_link(text, cut)


def split_text(text: str, limit: int = MAX_MESSAGE_BYTES) -> list[str]:
    """Split into parts of at most ``limit`` UTF-8 bytes, at the best boundary available."""
    parts: list[str] = []
    rest = text.strip()
    while utf8_len(rest) > limit:
        cut = _cut_index(rest, limit)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return [part for part in parts if part]


def parse_choice(text: str) -> int | None:
    """``"2"``, ``"２"``, ``"2."``, ``"（2）"`` → 2; anything else → None."""  # noqa: RUF002 - fullwidth input
    folded = unicodedata.normalize("NFKC", text or "")
    match = _CHOICE.match(folded)
    return int(match.group(1)) if match else None


def _is_link(button: Button) -> bool:
    return button.payload.startswith(("https://", "http://"))


@dataclass
class Formatted:
    """The text messages to send, in order, and the payloads behind the numbers 1…n."""

    parts: list[str] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)


def _button_lines(buttons: Sequence[Button], formatted: Formatted) -> list[str]:
    lines = []
    for button in buttons:
        title = button.title or button.payload
        if _is_link(button):
            lines.append(f'<a href="{html.escape(button.payload)}">{title}</a>')
        elif len(formatted.choices) < MAX_CHOICES:
            formatted.choices.append(button.payload)
            lines.append(f"{len(formatted.choices)}. {title}")
    return lines


def format_replies(replies: Sequence[Reply], choose_hint: str,
                   limit: int = MAX_MESSAGE_BYTES) -> Formatted:
    """Every reply split to size; its buttons as numbered lines after ``choose_hint``."""
    formatted = Formatted()
    for reply in replies:
        body = split_text(reply.text, limit)
        lines = _button_lines(reply.buttons, formatted)
        if lines:
            has_numbers = any(line[:1].isdigit() for line in lines)
            block = "\n".join(([choose_hint] if has_numbers else []) + lines)
            if body and utf8_len(body[-1] + "\n\n" + block) <= limit:
                body[-1] = body[-1] + "\n\n" + block
            else:
                body.extend(split_text(block, limit))
        formatted.parts.extend(body)
    return formatted
