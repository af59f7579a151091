"""Fixed command phrases reach Rasa as their payload, whatever the channel."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.conversation import ConversationRouter
from bot.conversation.commands import command_name, load_commands
from bot.replies import Reply


class RecordingRasa:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[Reply]:
        self.sent.append((sender, text))
        return [Reply("好的")]


@pytest.mark.parametrize("text", ["退订通知", " 退订通知。", "“退订通知”", "退订"])
def test_unsubscribe_phrases(text: str) -> None:
    assert command_name(text) == "unsubscribe_notifications"


@pytest.mark.parametrize("text", ["我想退订通知但是先问个事", "通知", "恢复", ""])
def test_other_messages_are_not_commands(text: str) -> None:
    assert command_name(text) is None


def test_the_notice_text_names_a_command() -> None:
    notices = (Path(__file__).parents[2] / "data" / "notify" / "texts.yml").read_text(encoding="utf-8")
    assert "退订通知" in notices and command_name("退订通知")


def test_a_phrase_under_two_payloads_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "commands.yml"
    bad.write_text('a: [退订]\nb: [退订]\n', encoding="utf-8")
    with pytest.raises(ValueError):
        load_commands(bad)


async def test_the_router_answers_a_registered_command_and_passes_the_rest() -> None:
    rasa = RecordingRasa()
    router = ConversationRouter(rasa)  # type: ignore[arg-type]

    async def resubscribe(channel: str, sender: str) -> list:
        return [Reply(f"{channel}:{sender}")]

    router.add_command("resubscribe_notifications", resubscribe)
    [reply] = await router.handle("webchat", "web-0123456789abcdef", "恢复通知！")
    assert reply.text == "webchat:web-0123456789abcdef"
    await router.handle("webchat", "web-0123456789abcdef", "恢复通知以后会发什么")
    await router.handle("webchat", "web-0123456789abcdef", "退订通知")  # no handler: Rasa
    assert rasa.sent == [("web-0123456789abcdef", "恢复通知以后会发什么"),
                         ("web-0123456789abcdef", "退订通知")]
