"""`python -m bot.launch.rasa_server run …` — `rasa run` that never serves without a token.

The launcher starts every Rasa server through this module. It reads the token from
``RASA_AUTH_TOKEN`` (the launcher sets it; it never appears on a command line, where
other local users could read it), refuses to start without one, and hands over to
Rasa's own command line. The token protects Rasa's HTTP API (``--auth-token``) and
the REST channel (``bot.launch.rest_channel``, configured in credentials.yml).
"""
from __future__ import annotations

import sys
from typing import List, Optional

from bot.settings import get_settings


def rasa_command_line(argv: List[str], token: str) -> List[str]:
    """Rasa's argv with the token added (``--auth-token`` may not be given by the caller)."""
    if "--auth-token" in argv or "-t" in argv:
        raise SystemExit("pass the token in RASA_AUTH_TOKEN, not on the command line")
    return ["rasa", *argv, "--auth-token", token]


def main(argv: Optional[List[str]] = None) -> int:
    token = get_settings().rasa_auth_token
    if not token:
        print("RASA_AUTH_TOKEN is not set: Rasa's HTTP API is never started without a token "
              "(python -m bot.launch generates one in local mode).", file=sys.stderr)
        return 2
    sys.argv = rasa_command_line(list(sys.argv[1:] if argv is None else argv), token)
    from rasa.__main__ import main as rasa_main

    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
