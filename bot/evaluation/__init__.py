"""Held-out evaluation of intents and matter scope (used by tests, bench and admin)."""
