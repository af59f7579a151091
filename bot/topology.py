"""Where the Rasa servers listen: one place for the launcher and the admin deploy.

With ``RASA_INSTANCES=N`` N Rasa servers listen on consecutive ports from ``RASA_PORT``
on this machine; ``RASA_URLS`` overrides the list (servers elsewhere).
"""
from __future__ import annotations

from bot.settings import Settings

__all__ = ["rasa_ports", "rasa_urls"]


def rasa_ports(settings: Settings) -> list[int]:
    """The local Rasa instances' ports: ``RASA_PORT``, ``RASA_PORT + 1`` and so on."""
    return [settings.rasa_port + i for i in range(settings.rasa_instances)]


def rasa_urls(settings: Settings) -> list[str]:
    """What the gateway talks to: RASA_URLS if set, else the local instances."""
    if settings.rasa_urls:
        return list(settings.rasa_urls)
    if settings.rasa_instances > 1:
        return [f"http://127.0.0.1:{port}" for port in rasa_ports(settings)]
    return [settings.rasa_url]
