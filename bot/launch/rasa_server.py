"""`python -m bot.launch.rasa_server run …` — `rasa run` that never serves without a token.

The launcher starts every Rasa server through this module. It reads the token from
``RASA_AUTH_TOKEN`` (the launcher sets it; it never appears on a command line, where
other local users could read it), refuses to start without one, and hands over to
Rasa's own command line. The token protects Rasa's HTTP API (``--auth-token``) and
the REST channel (``bot.launch.rest_channel``, configured in credentials.yml).

It is also the one place that applies our patches of Rasa internals
(:func:`bot.launch.rasa_patches.apply`, before Rasa loads a model): checked against
the installed Rasa, and left out — stock Rasa, one error in the log — on a mismatch.
"""
from __future__ import annotations

import logging
import os
import sys

from bot.launch import rasa_patches
from bot.logging_setup import configure_logging
from bot.settings import get_settings


def rasa_command_line(argv: list[str], token: str) -> list[str]:
    """Rasa's argv with the token added (``--auth-token`` may not be given by the caller)."""
    if "--auth-token" in argv or "-t" in argv:
        raise SystemExit("pass the token in RASA_AUTH_TOKEN, not on the command line")
    return ["rasa", *argv, "--auth-token", token]


def apply_patches() -> bool:
    """:func:`bot.launch.rasa_patches.apply`, logged like the rest of the process."""
    # Checking the patches imports TensorFlow before Rasa would: quiet it as Rasa does.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("rasa")  # masked, JSON with LOG_JSON=1, until Rasa sets up its own
    try:
        return rasa_patches.apply()
    finally:
        root.handlers[:], root.level = handlers, level


def main(argv: list[str] | None = None) -> int:
    token = get_settings().rasa_auth_token
    if not token:
        print("RASA_AUTH_TOKEN is not set: Rasa's HTTP API is never started without a token "
              "(python -m bot.launch generates one in local mode).", file=sys.stderr)
        return 2
    sys.argv = rasa_command_line(list(sys.argv[1:] if argv is None else argv), token)
    apply_patches()
    from rasa.__main__ import main as rasa_main

    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
