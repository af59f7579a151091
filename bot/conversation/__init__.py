"""Routing of citizen messages between channels, Rasa and (later) officers."""
from bot.conversation.rasa_client import RasaClient, RasaUnavailable
from bot.conversation.router import BUSY_REPLY, ConversationRouter

__all__ = ["BUSY_REPLY", "ConversationRouter", "RasaClient", "RasaUnavailable"]
