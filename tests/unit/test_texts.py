"""Citizen-facing texts live in YAML under ``data/`` and are read by one loader (``bot.common.texts``)."""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.channels.telegram import texts as telegram
from bot.channels.telegram.officers import UNKNOWN_OFFICER
from bot.channels.wechat import texts as wechat
from bot.common.text import MAX_MESSAGE_CHARS
from bot.common.texts import DATA_DIR, GATEWAY_TEXTS_PATH, block_text, load_text, load_texts, read_document
from bot.conversation.router import TOO_LONG_REPLY
from bot.followup import texts as followup
from bot.handoff import texts as handoff
from bot.knowledge import texts as knowledge
from bot.knowledge.decide import LOW_CONFIDENCE_QUESTION
from bot.knowledge.render import LEGAL_BASIS_MORE
from bot.notify import texts as notify

GATEWAY_KEYS = ("empty_reply", "too_long_reply", "busy_reply", "no_answer_reply", "too_fast", "not_allowed")

#: Every texts file and the package loader that reads (and validates) it.
PACKAGE_LOADERS: dict[Path, Callable[[Path], object]] = {
    notify.TEXTS_PATH: notify.load_texts,
    followup.TEXTS_PATH: followup.load_texts,
    handoff.TEXTS_PATH: handoff.load_texts,
    telegram.TEXTS_PATH: telegram.load_texts,
    wechat.TEXTS_PATH: wechat.load_texts,
    knowledge.TEXTS_PATH: lambda path: load_texts(path, knowledge.KEYS),
    GATEWAY_TEXTS_PATH: lambda path: load_texts(path, GATEWAY_KEYS),
}


def _write(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_every_texts_file_is_known() -> None:
    """A new ``texts.yml`` must be added here, so that its keys are checked too."""
    found = {*DATA_DIR.rglob("texts.yml"), DATA_DIR / "channels" / "telegram.yml",
             DATA_DIR / "channels" / "wechat.yml"}
    assert {path.resolve() for path in found} == {path.resolve() for path in PACKAGE_LOADERS}


@pytest.mark.parametrize("path", sorted(PACKAGE_LOADERS), ids=lambda path: str(path.relative_to(DATA_DIR)))
def test_every_texts_file_loads_with_its_required_keys(path: Path) -> None:
    assert PACKAGE_LOADERS[path](path)
    assert all(text == text.strip() for text in load_texts(path, ()).values())


def test_moved_constants_keep_their_names_and_wording() -> None:
    assert LOW_CONFIDENCE_QUESTION == "我想确认一下，您想咨询的是下面哪件事？"
    assert LEGAL_BASIS_MORE.format(cites="X") == "这次回答还引用了：X。想看哪一条，可以点下面的按钮。"
    assert TOO_LONG_REPLY.startswith(f"您的消息超过了{MAX_MESSAGE_CHARS}字，")
    assert UNKNOWN_OFFICER == "您的 Telegram 账号还没有绑定民警账号，请联系管理员绑定后再操作。"


def test_a_missing_key_names_the_file_and_every_missing_key(tmp_path: Path) -> None:
    path = _write(tmp_path / "texts.yml", {"a": "甲", "c": "", "d": ["not", "text"]})
    with pytest.raises(ValueError, match=r"texts\.yml: missing texts b, c, d$"):
        load_texts(path, ("a", "b", "c", "d"))


def test_a_missing_section_and_a_missing_key_in_a_section(tmp_path: Path) -> None:
    path = _write(tmp_path / "texts.yml", {"buttons": {"yes": "是"}})
    assert load_texts(path, ("yes",), section="buttons") == {"yes": "是"}
    with pytest.raises(ValueError, match=r"\(section 'buttons'\): missing texts no$"):
        load_texts(path, ("yes", "no"), section="buttons")
    with pytest.raises(ValueError, match="missing section 'replies'"):
        load_texts(path, (), section="replies")


def test_a_package_loader_reports_the_missing_key(tmp_path: Path) -> None:
    data = dict(read_document(notify.TEXTS_PATH))
    del data["footer"]
    with pytest.raises(ValueError, match="missing texts footer"):
        notify.load_texts(_write(tmp_path / "texts.yml", data))


def test_block_scalars_become_chat_text() -> None:
    assert block_text("  第一行  \n\n  第二段\n\n") == "第一行\n\n第二段"
    assert block_text(12345) == "12345"


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    path = _write(tmp_path / "texts.yml", {"a": "旧"})
    assert load_text(path, "a") == "旧"
    _write(path, {"a": "新的说法"})
    later = path.stat().st_mtime_ns + 1_000_000_000
    os.utime(path, ns=(later, later))
    assert load_text(path, "a") == "新的说法"
