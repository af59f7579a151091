"""Client addresses behind a proxy, the console allow-list and the security settings."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pytest
from multidict import CIMultiDict

from bot.settings import Settings, settings_from_env
from bot.web.addresses import client_ip, in_networks
from bot.web.keys import SETTINGS_KEY


@dataclass
class FakeRequest:
    """What ``client_ip`` reads of an aiohttp request."""

    remote: str
    headers: CIMultiDict
    config_dict: dict[Any, Any]


def request(peer: str, forwarded: list[str] | None = None,
            proxies: tuple[str, ...] = ()) -> Any:
    headers = CIMultiDict(("X-Forwarded-For", value) for value in forwarded or [])
    return FakeRequest(peer, headers,
                       {SETTINGS_KEY: dataclasses.replace(Settings(), trusted_proxies=proxies)})


@pytest.mark.parametrize("peer,forwarded,proxies,expected", [
    # no trusted proxy: the header is ignored, whatever it says
    ("203.0.113.5", ["10.9.9.9"], (), "203.0.113.5"),
    ("127.0.0.1", ["10.9.9.9"], (), "127.0.0.1"),
    # a peer that is not a trusted proxy cannot vouch for anyone
    ("203.0.113.5", ["10.9.9.9"], ("127.0.0.1/32",), "203.0.113.5"),
    # behind nginx: the address nginx set
    ("127.0.0.1", ["198.51.100.7"], ("127.0.0.1/32",), "198.51.100.7"),
    # a client-forged left part is skipped: right-most untrusted entry wins
    ("127.0.0.1", ["1.2.3.4, 198.51.100.7"], ("127.0.0.1/32",), "198.51.100.7"),
    ("127.0.0.1", ["1.2.3.4", "198.51.100.7"], ("127.0.0.1/32",), "198.51.100.7"),
    # two proxies in a row (load balancer, then nginx)
    ("10.0.0.2", ["8.8.8.8, 198.51.100.7, 10.0.0.1"], ("10.0.0.0/24",), "198.51.100.7"),
    # garbage stops the walk at the last address we can vouch for
    ("127.0.0.1", ["198.51.100.7, nonsense"], ("127.0.0.1/32",), "127.0.0.1"),
    ("127.0.0.1", [], ("127.0.0.1/32",), "127.0.0.1"),
    # IPv6 and IPv4-mapped peers
    ("::ffff:127.0.0.1", ["2001:db8::7"], ("127.0.0.1/32",), "2001:db8::7"),
    ("::1", ["[2001:db8::8]"], ("::1/128",), "2001:db8::8"),
])
def test_client_ip(peer: str, forwarded: list[str], proxies: tuple[str, ...],
                   expected: str) -> None:
    assert client_ip(request(peer, forwarded, proxies)) == expected


def test_in_networks() -> None:
    assert in_networks("10.1.2.3", ("10.0.0.0/8",))
    assert not in_networks("11.1.2.3", ("10.0.0.0/8",))
    assert not in_networks("not-an-ip", ("0.0.0.0/0",))
    assert not in_networks("10.1.2.3", ())


def test_trusted_proxies_and_console_allow_are_parsed_and_checked() -> None:
    settings = settings_from_env({"TRUSTED_PROXIES": " 127.0.0.1 , 10.0.0.0/8",
                                  "CONSOLE_ALLOW": "192.168.1.7,10.20.0.0/16"})
    assert settings.trusted_proxies == ("127.0.0.1/32", "10.0.0.0/8")
    assert settings.console_allow == ("192.168.1.7/32", "10.20.0.0/16")
    assert settings_from_env({}).trusted_proxies == () == settings_from_env({}).console_allow
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        settings_from_env({"TRUSTED_PROXIES": "nginx"})
    with pytest.raises(ValueError, match="CONSOLE_ALLOW"):
        settings_from_env({"CONSOLE_ALLOW": "10.0.0.0/33"})


@pytest.mark.parametrize("env,secure", [
    ({}, False),                                            # local development
    ({"GATEWAY_HOST": "localhost"}, False),
    ({"GATEWAY_HOST": "0.0.0.0"}, True),                    # containers, direct exposure
    ({"GATEWAY_HOST": "10.0.0.5"}, True),
    ({"TRUSTED_PROXIES": "127.0.0.1"}, True),               # loopback behind TLS nginx
    ({"GATEWAY_HOST": "0.0.0.0", "SECURE_COOKIES": "0"}, False),  # explicit override
    ({"SECURE_COOKIES": "1"}, True),
])
def test_secure_cookies_default_outside_loopback(env: dict, secure: bool) -> None:
    assert settings_from_env(env).secure_cookies is secure
