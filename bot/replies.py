"""Channel-neutral reply objects shared by actions, the gateway and the channels."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Button:
    """A quick-reply button: Chinese title shown to the citizen, Rasa payload sent back."""

    title: str
    payload: str

    def to_rasa(self) -> dict[str, str]:
        return {"title": self.title, "payload": self.payload}


# Custom payload an action sends to tell the gateway (never the citizen) something.
HANDOFF_SIGNAL = "handoff"
# The fallback action did not understand the message (counted by the gateway's metrics).
FALLBACK_SIGNAL = "fallback"


@dataclass(frozen=True)
class Reply:
    """One bot message: text plus optional buttons; or an internal ``signal`` (no text)."""

    text: str
    buttons: list[Button] = field(default_factory=list)
    signal: str = ""
    #: sent by the system on its own (a case notification, the 回访 question): shown as the
    #: assistant's message, not as an officer's, where a channel tells the two apart
    notice: bool = False

    @staticmethod
    def signal_payload(signal: str) -> dict[str, Any]:
        """Keyword arguments for ``dispatcher.utter_message`` carrying ``signal``."""
        return {"json_message": {"signal": signal}}

    def to_rasa(self) -> dict[str, Any]:
        """Keyword arguments for ``dispatcher.utter_message``."""
        message: dict[str, Any] = {"text": self.text}
        if self.buttons:
            message["buttons"] = [button.to_rasa() for button in self.buttons]
        return message
