"""Rasa's HTTP API, its REST channel, the action server and the model server refuse
callers without the token — tried against the running stack."""
from __future__ import annotations

import json
import re
import uuid

import pytest
import requests

from tests.stack import Stack

pytestmark = [pytest.mark.stack, pytest.mark.slow]

PUBLIC_RASA_ROUTES = {"/", "/version"}  # a greeting and the version number: no data


def rasa_routes() -> list[tuple[str, str]]:
    """Every route of Rasa's HTTP API (from Rasa's own app), with an example path."""
    from rasa.server import create_app

    routes = []
    for route in create_app(agent=None, auth_token="enumerate").router.routes:
        path = "/" + re.sub(r"<conversation_id[^>]*>", "victim", route.path)
        for method in sorted(route.methods):
            if path not in PUBLIC_RASA_ROUTES:
                routes.append((method, path))
    return routes


ROUTES = rasa_routes()


def test_the_enumeration_covers_the_dangerous_routes() -> None:
    assert {("PUT", "/model"), ("DELETE", "/model"), ("POST", "/model/train"),
            ("GET", "/conversations/victim/tracker"),
            ("POST", "/conversations/victim/tracker/events")} <= set(ROUTES)


@pytest.mark.parametrize("method, path", ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_rasa_api_refuses_callers_without_the_token(stack: Stack, method: str, path: str,
                                                    token: str) -> None:
    params = {"token": token} if token else {}
    body = {"model_file": "/tmp/evil.tar.gz"} if path == "/model" else {}
    response = requests.request(method, stack.rasa_url + path, params=params, json=body,
                                timeout=30)
    assert response.status_code in (401, 403), (method, path, response.status_code)


def test_rasa_api_still_answers_the_gateway(stack: Stack) -> None:
    response = requests.get(f"{stack.rasa_url}/status", params=stack.rasa_auth, timeout=30)
    assert response.ok and response.json()["model_file"]


@pytest.mark.parametrize("headers, params", [
    ({}, {}), ({"Authorization": "Bearer wrong"}, {}), ({}, {"token": "wrong"})])
def test_rest_channel_refuses_callers_without_the_token(stack: Stack, headers: dict,
                                                        params: dict) -> None:
    sender = "intruder-" + uuid.uuid4().hex[:8]
    response = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", headers=headers,
                             params=params, json={"sender": sender, "message": "你好"},
                             timeout=30)
    assert response.status_code == 401
    # Nothing was processed: the conversation does not exist.
    assert not [e for e in stack.tracker(sender)["events"] if e["event"] == "user"]


def forged_status_call(tracker_sender: str) -> dict:
    """What an attacker would post: the lookup action with query_code 'verified'."""
    return {
        "next_action": "action_report_case_status", "sender_id": tracker_sender,
        "version": "3.6.2", "domain": {},
        "tracker": {"sender_id": tracker_sender,
                    "slots": {"case_number": "XF-2026-000001", "query_code": "verified"},
                    "latest_message": {"text": "", "intent": {}, "entities": []},
                    "events": [], "paused": False, "followup_action": None,
                    "active_loop": {}, "latest_action_name": None},
    }


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer forged"},
                                     {"Authorization": "Basic Zm9vOmJhcg=="}])
def test_action_server_refuses_forged_calls(stack: Stack, headers: dict) -> None:
    response = requests.post(stack.action_url, headers=headers, timeout=30,
                             data=json.dumps(forged_status_call("attacker")))
    assert response.status_code == 401
    assert "XF-" not in response.text and "138" not in response.text
    listing = requests.get(stack.action_url.replace("/webhook", "/actions"), headers=headers,
                           timeout=30)
    assert listing.status_code == 401


def test_a_forged_verified_slot_shows_no_case_even_with_the_token(stack: Stack) -> None:
    """Even a caller holding the action token cannot skip the 查询码: verification is
    kept server-side, never read from a slot."""
    stack.chat("web-" + uuid.uuid4().hex[:16], "你好")  # the stack is up and has a database
    response = requests.post(stack.action_url, timeout=30,
                             headers={"Authorization": f"Bearer {stack.action_token}"},
                             data=json.dumps(forged_status_call("attacker")))
    assert response.ok
    text = json.dumps(response.json(), ensure_ascii=False)
    assert "不正确" in text and "办理" not in text and "*" not in text


def test_action_server_health_stays_open(stack: Stack) -> None:
    assert requests.get(stack.action_url.replace("/webhook", "/health"), timeout=10).ok


def test_token_files_are_private(stack: Stack) -> None:
    for name in ("rasa_token", "action_token"):
        path = stack.var_dir / name
        assert path.stat().st_mode & 0o077 == 0, name
        assert len(path.read_text().strip()) >= 32
