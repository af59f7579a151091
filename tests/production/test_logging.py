"""Structured logs with personal data masked (LOG_JSON=1)."""
from __future__ import annotations

import io
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from bot.logging_setup import JsonFormatter, MaskingFilter, install_record_masking
from bot.settings import REPO_ROOT
from tests.production.cluster import free_port

PHONE, ID_NUMBER = "13912345678", "110101199003071234"
CITIZEN = f"我叫王小明，电话{PHONE}，身份证号{ID_NUMBER}，事故认定书一直没出"


def handler_output(record_exception: bool) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskingFilter())
    handler.setFormatter(JsonFormatter("test"))
    logger = logging.getLogger("test.masking")
    logger.handlers[:] = [handler]
    logger.propagate = False
    try:
        if record_exception:
            try:
                raise ValueError(f"could not handle {CITIZEN}")
            except ValueError:
                logger.exception("failed for %s", CITIZEN)
        else:
            logger.warning("citizen wrote %s", CITIZEN)
    finally:
        logger.handlers.clear()
    return stream.getvalue()


def test_messages_and_tracebacks_are_masked_json() -> None:
    for with_exception in (False, True):
        line = handler_output(with_exception).strip()
        data = json.loads(line)
        assert data["process"] == "test" and data["level"] in ("WARNING", "ERROR")
        assert PHONE not in line and ID_NUMBER not in line and "王小明" not in line
        assert "139****5678" in data["msg"]
        if with_exception:
            assert "ValueError" in data["exc"] and PHONE not in data["exc"]


def test_record_masking_survives_handlers_installed_later() -> None:
    """Rasa replaces our handler with coloredlogs' one; records are masked at creation."""
    previous = logging.getLogRecordFactory()
    install_record_masking()
    stream = io.StringIO()
    logger = logging.getLogger("test.foreign")
    logger.handlers[:] = [logging.StreamHandler(stream)]  # no filter of ours
    logger.propagate = False
    try:
        logger.error("tracker: %s", {"petitioner_phone": PHONE})
    finally:
        logger.handlers.clear()
        logging.setLogRecordFactory(previous)  # other tests inspect raw records
    assert PHONE not in stream.getvalue() and "139****5678" in stream.getvalue()


def test_gateway_logs_never_show_a_citizen_phone_or_id_number(tmp_path: Path) -> None:
    """The real gateway with LOG_JSON=1 and Rasa down: the message is journaled and
    logged — masked — and every line is JSON."""
    port = free_port()
    env = {**os.environ, "LOG_JSON": "1", "GATEWAY_PORT": str(port), "VAR_DIR": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
           "RASA_URL": f"http://127.0.0.1:{free_port()}", "RASA_URLS": "",
           "TELEGRAM_BOT_TOKEN": "", "RASA_TIMEOUT_SECONDS": "2"}
    log_path = tmp_path / "gateway.log"
    with open(log_path, "wb") as log:
        gateway = subprocess.Popen([sys.executable, "-m", "bot.gateway.app"], cwd=REPO_ROOT,
                                   env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.3)
        reply = requests.post(f"{url}/api/chat", json={"sender": "web-privacy01",
                                                       "message": CITIZEN}, timeout=30).json()
        assert "系统繁忙" in reply["messages"][0]["text"]
    finally:
        gateway.send_signal(signal.SIGTERM)
        gateway.wait(30)
    text = log_path.read_text(encoding="utf-8")
    assert PHONE not in text and ID_NUMBER not in text
    assert "139****5678" in text  # the message was logged, masked
    records = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert records and all(r["process"] == "gateway" for r in records)
    assert [line for line in text.splitlines() if line.strip() and not line.startswith("{")] == []
