"""`python -m bot.launch` — start Rasa, the action server and the gateway (with Telegram).

``--only NAME`` runs one service in the foreground (systemd units, containers) and
``--migrate`` only upgrades the database: the production deploy in deploy/ uses both.
"""
from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import sys

from bot.launch.services import ConfigurationError, build_services, rasa_argv, venv_bin
from bot.launch.supervisor import Service, start_service, stop_services, supervise
from bot.settings import VAR_DIR, Settings, get_settings
from bot.store.migrate import upgrade
from bot.topology import rasa_urls

logger = logging.getLogger("launch")

__all__ = ["main", "rasa_argv", "services", "venv_bin"]


def services(settings: Settings, with_gateway: bool = True) -> list[Service]:
    VAR_DIR.mkdir(exist_ok=True)
    return build_services(settings, VAR_DIR / "endpoints.yml", with_gateway)


def main() -> int:
    parser = argparse.ArgumentParser(description="Start the whole assistant locally.")
    parser.add_argument("--shell", action="store_true", help="open `rasa shell` against the stack")
    parser.add_argument("--rasa-instances", type=int, default=None, metavar="N",
                        help="Rasa servers on consecutive ports from RASA_PORT "
                             "(default: RASA_INSTANCES or 1; needs LOCK_STORE_URL when > 1)")
    parser.add_argument("--only", metavar="NAME",
                        help="run one service in the foreground (models, rasa, rasa-N, "
                             "actions, gateway): for systemd units and containers")
    parser.add_argument("--migrate", action="store_true",
                        help="only upgrade DATABASE_URL to the latest migrations")
    args = parser.parse_args()
    # Databases, logs and token files under VAR_DIR hold personal data or secrets.
    os.umask(0o077)
    settings = get_settings()
    if args.rasa_instances:
        settings = dataclasses.replace(settings, rasa_instances=max(1, args.rasa_instances))
    if args.migrate:
        upgrade(settings.database_url)
        return 0
    if args.only:
        return _exec_only(settings, args.only)
    if not settings.model_server_url and not (settings.model_dir / "current.tar.gz").exists():
        print("No trained model in models/: run `make train` (or `make run`).", file=sys.stderr)
        return 2
    # The gateway and the action server share the application database: migrate it first.
    upgrade(settings.database_url)
    if args.shell:
        return asyncio.run(_shell(settings))
    try:
        processes = services(settings)
    except ConfigurationError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    print(f"Starting: Rasa on {', '.join(rasa_urls(settings))}, actions on "
          f"{settings.bind_host}:{settings.action_port:d}, web chat on "
          f"http://{settings.gateway_host}:{settings.gateway_port:d}/")
    return asyncio.run(supervise(processes))


def _exec_only(settings: Settings, name: str) -> int:
    """Replace this process by one service, so its supervisor (systemd, a container runtime) watches the real process.

    Migrations are a separate step (``--migrate``).
    """
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    try:
        chosen = {s.name: s for s in build_services(
            settings, VAR_DIR / "endpoints.yml", model_server=bool(settings.model_server_url))}
    except ConfigurationError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    if name not in chosen:
        print(f"unknown service {name!r}; one of: {', '.join(chosen)}", file=sys.stderr)
        return 2
    service = chosen[name]
    os.execve(service.argv[0], list(service.argv), {**os.environ, **service.env})  # noqa: S606 - our own argv
    return 0  # not reached: execve does not return


async def _shell(settings: Settings) -> int:
    """Actions in the background, `rasa shell` in the foreground."""
    background = [s for s in services(settings, with_gateway=False) if s.name == "actions"]
    for service in background:
        await start_service(service)
    endpoints = VAR_DIR / "endpoints.yml"
    shell = await asyncio.create_subprocess_exec(
        venv_bin("rasa"), "shell", "--endpoints", str(endpoints),
        "--model", str(settings.model_dir / "current.tar.gz"))
    code = await shell.wait()
    await stop_services(background)
    return code


if __name__ == "__main__":
    sys.exit(main())
