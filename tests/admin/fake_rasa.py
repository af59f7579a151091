"""A stand-in for Rasa's model API (PUT /model, GET /status) on a local port, in a thread."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse


class FakeRasa:
    """Records model loads; ``fail_loads`` makes PUT /model answer 500."""

    def __init__(self, model_file: str = "current.tar.gz", token: str = "") -> None:
        self.model_file = model_file
        self.token = token
        self.fail_loads = False
        self.loads: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _authorised(self) -> bool:
                given = parse_qs(urlparse(self.path).query).get("token", [""])[0]
                if fake.token and given != fake.token:
                    self._reply(401, {"message": "unauthorised"})
                    return False
                return True

            def _reply(self, status: int, body: dict | None) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self._authorised():
                    self._reply(200, {"model_file": fake.model_file, "model_id": "x"})

            def do_PUT(self) -> None:
                if not self._authorised():
                    return
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if fake.fail_loads:
                    self._reply(500, {"message": "LoadingError"})
                    return
                fake.loads.append(body["model_file"])
                fake.model_file = Path(body["model_file"]).name
                self._reply(204, None)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
