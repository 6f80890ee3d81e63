"""A small HTTP server for the relay and each consumer: /metrics, /healthz and /readyz.

/healthz answers 200 while the process runs; /readyz answers 200 once the process reached
its database and the broker and knows its lag, 503 (with the reason) otherwise.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client.registry import Collector

from adapters.metrics import CONTENT_TYPE, exposition

STALE = 60.0  # s without a successful loop: not ready


@dataclass
class Readiness:
    """What the process's loop last saw; the probe reads it (one writer, plain attributes)."""

    connected: bool = False
    lag: dict[str, int] | None = None
    problem: str | None = "starting"
    at: float = field(default_factory=time.monotonic)

    def ok(self, lag: dict[str, int] | None) -> None:
        self.connected, self.lag, self.problem, self.at = True, lag, None, time.monotonic()

    def failed(self, problem: str) -> None:
        self.connected, self.problem = False, problem

    def report(self) -> tuple[bool, dict[str, Any]]:
        stale = time.monotonic() - self.at > STALE
        ready = self.connected and self.lag is not None and not stale
        body: dict[str, Any] = {"status": "ready" if ready else "not ready",
                                "connected": self.connected, "lag": self.lag}
        if not ready:
            body["problem"] = self.problem or ("lag unknown" if self.lag is None else "stale")
        return ready, body


def serve_probes(port: int, readiness: Readiness, state: Collector | None = None,
                 host: str = "0.0.0.0") -> ThreadingHTTPServer:  # a container port
    """Start the server in a daemon thread; returns it (shutdown() to stop)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._send(200, exposition(state), CONTENT_TYPE)
            elif path == "/healthz":
                self._json(200, {"status": "ok"})
            elif path == "/readyz":
                ready, body = readiness.report()
                self._json(200 if ready else 503, body)
            else:
                self._json(404, {"detail": "not found"})

        def _json(self, status: int, body: dict[str, Any]) -> None:
            self._send(status, json.dumps(body).encode(), "application/json")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # scrapes every few seconds would drown the log

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="probes", daemon=True).start()
    return server
