"""`python -m bot.launch` — start Rasa, the action server and the gateway (with Telegram)."""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import List

from bot.launch.endpoints import write_endpoints
from bot.launch.supervisor import Service, start_service, stop_services, supervise
from bot.settings import REPO_ROOT, VAR_DIR, Settings, get_settings
from bot.store.migrate import upgrade

logger = logging.getLogger("launch")


def venv_bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def rasa_argv(settings: Settings, endpoints: Path, port: int) -> List[str]:
    argv = [venv_bin("rasa"), "run", "--enable-api", "-i", "127.0.0.1", "--port", str(port),
            "--endpoints", str(endpoints), "--credentials", str(REPO_ROOT / "credentials.yml"),
            "--model", str(settings.model_dir / "current.tar.gz")]
    if settings.rasa_auth_token:
        argv += ["--auth-token", settings.rasa_auth_token]
    return argv


def services(settings: Settings, with_gateway: bool = True) -> List[Service]:
    VAR_DIR.mkdir(exist_ok=True)
    endpoints = write_endpoints(settings, VAR_DIR / "endpoints.yml")
    result = [
        Service("rasa", rasa_argv(settings, endpoints, settings.rasa_port)),
        Service("actions", [sys.executable, "-m", "rasa_sdk", "--actions", "actions",
                            "-p", str(settings.action_port)]),
    ]
    if with_gateway:
        # The gateway also runs the Telegram bridge (bot/channels/telegram).
        result.append(Service("gateway", [sys.executable, "-m", "bot.gateway.app"]))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description="Start the whole assistant locally.")
    parser.add_argument("--shell", action="store_true", help="open `rasa shell` against the stack")
    args = parser.parse_args()
    settings = get_settings()
    if not (settings.model_dir / "current.tar.gz").exists():
        print("No trained model in models/: run `make train` (or `make run`).", file=sys.stderr)
        return 2
    upgrade(settings.database_url)
    if args.shell:
        return asyncio.run(_shell(settings))
    print("Starting: Rasa on 127.0.0.1:%d, actions on 127.0.0.1:%d, web chat on http://%s:%d/"
          % (settings.rasa_port, settings.action_port, settings.gateway_host, settings.gateway_port))
    return asyncio.run(supervise(services(settings)))


async def _shell(settings: Settings) -> int:
    """Actions in the background, `rasa shell` in the foreground."""
    background = services(settings, with_gateway=False)[1:]
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
