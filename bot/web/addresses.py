"""Client addresses behind a reverse proxy, and the optional allow-list for ``/console``.

``client_ip(request)`` is the one place that decides who a request came from (the
console, the admin pages and the gateway use it).  ``X-Forwarded-For`` is believed
only when the direct peer is in ``TRUSTED_PROXIES``; the address is then the
right-most one in the header that is not itself a trusted proxy, so a value a client
wrote into the header can never be taken for its own address.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Iterable
from functools import lru_cache

from aiohttp import web

from bot.common.texts import GATEWAY_TEXTS_PATH, load_text
from bot.web.keys import SETTINGS_KEY

__all__ = ["CONSOLE_PREFIXES", "client_ip", "console_allow_middleware", "in_networks"]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CONSOLE_PREFIXES = ("/console", "/admin")
NOT_ALLOWED = load_text(GATEWAY_TEXTS_PATH, "not_allowed")
_MAX_LENGTH = 64


@lru_cache(maxsize=16)
def _networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def _address(text: str) -> Address | None:
    """An IP address (IPv4-mapped IPv6 folded to IPv4), or None for anything else."""
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _within(address: Address | None, networks: Iterable[Network]) -> bool:
    return address is not None and any(address in network for network in networks)


def in_networks(address: str, cidrs: tuple[str, ...]) -> bool:
    """Whether ``address`` lies in one of ``cidrs`` (False for anything not an IP)."""
    return _within(_address(address), _networks(tuple(cidrs)))


def _forwarded(request: web.Request) -> list[str]:
    header = ",".join(request.headers.getall("X-Forwarded-For", ()))
    return [hop.strip() for hop in header.split(",") if hop.strip()]


def _trusted(request: web.Request) -> tuple[Network, ...]:
    settings = request.config_dict.get(SETTINGS_KEY)
    return _networks(tuple(settings.trusted_proxies)) if settings is not None else ()


def client_ip(request: web.Request) -> str:
    """The client's address.

    The peer, or (behind a trusted proxy) the right-most ``X-Forwarded-For`` entry that
    is not a trusted proxy.
    """
    peer = request.remote or ""
    trusted = _trusted(request)
    current = _address(peer)
    if not trusted or not _within(current, trusted):
        return str(current or peer)[:_MAX_LENGTH]
    for hop in reversed(_forwarded(request)):
        address = _address(hop)
        if address is None:
            break  # garbage: stop at the last hop we can vouch for
        current = address
        if not _within(address, trusted):
            break
    return str(current)[:_MAX_LENGTH]


@web.middleware
async def console_allow_middleware(request: web.Request,
                                   handler: Handler) -> web.StreamResponse:
    """With ``CONSOLE_ALLOW`` set, ``/console`` (and ``/admin``) only for those networks."""
    allow = request.app[SETTINGS_KEY].console_allow
    if allow and request.path.startswith(CONSOLE_PREFIXES) and not in_networks(client_ip(request), allow):
        raise web.HTTPForbidden(text=NOT_ALLOWED)
    return await handler(request)
