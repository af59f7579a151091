"""Messaging channels other than the built-in web chat (Telegram)."""
