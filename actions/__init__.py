"""Rasa custom actions: thin adapters from the tracker to the ``bot`` package."""
