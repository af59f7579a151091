"""Rasa's REST output → replies: texts and buttons kept, internal signals only on request."""
from bot.conversation.rasa_client import replies_from_rasa
from bot.replies import HANDOFF_SIGNAL, Button, Reply

OUTPUT = [
    {"recipient_id": "web-1", "text": "正在为您转接民警",
     "buttons": [{"title": "在线信访", "payload": "/file_petition"}, {"title": "坏的"}]},
    {"recipient_id": "web-1", "custom": {"signal": HANDOFF_SIGNAL}},
    {"recipient_id": "web-1", "custom": {"something": "else"}},
    {"recipient_id": "web-1", "text": "   "},
]


def test_signals_are_kept_only_when_asked_for() -> None:
    shown = Reply("正在为您转接民警", [Button("在线信访", "/file_petition")])
    assert replies_from_rasa(OUTPUT) == [shown]
    assert replies_from_rasa(OUTPUT, signals=True) == [shown, Reply("", signal=HANDOFF_SIGNAL)]


def test_action_payload_round_trips() -> None:
    payload = Reply.signal_payload(HANDOFF_SIGNAL)["json_message"]
    assert replies_from_rasa([{"custom": payload}], signals=True)[0].signal == HANDOFF_SIGNAL


def test_not_a_list_gives_no_replies() -> None:
    assert replies_from_rasa({"error": "x"}) == [] and replies_from_rasa(None) == []
