"""The nginx template: request limits, X-Forwarded-For set at the edge, console allow-list."""
from __future__ import annotations

import re

from bot.settings import REPO_ROOT

TEMPLATE = (REPO_ROOT / "deploy" / "nginx" / "jiaojing.conf.template").read_text(encoding="utf-8")


def _location(name: str) -> str:
    match = re.search(r"location " + re.escape(name) + r" \{(.*?)\n    \}", TEMPLATE, re.S)
    assert match, f"no location {name}"
    return match.group(1)


def test_limit_req_on_login_and_api() -> None:
    assert re.search(r"limit_req_zone \$jiaojing_login_key zone=jiaojing_login:\S+ rate=\d+r/m;",
                     TEMPLATE)
    assert "limit_req_zone $binary_remote_addr zone=jiaojing_api" in TEMPLATE
    assert "limit_req zone=jiaojing_login" in _location("= /console/login")
    assert "limit_req zone=jiaojing_api" in _location("/api/")
    assert "limit_req_status 429;" in TEMPLATE
    assert "请求过于频繁" in TEMPLATE and "请一分钟后再试" in TEMPLATE


def test_forwarded_for_is_set_not_appended() -> None:
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in TEMPLATE
    assert "$proxy_add_x_forwarded_for" not in TEMPLATE


def test_console_paths_include_the_optional_allow_list() -> None:
    include = "include /etc/nginx/jiaojing/console-allow*.conf;"  # a glob: may match nothing
    for name in ("= /console/login", "= /console/ws", "/console", "/admin"):
        assert include in _location(name), name
