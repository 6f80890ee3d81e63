"""Logging: one JSON object per line (python-json-logger) or a plain human format, and the
request id of the HTTP request a line belongs to.

LINKAGE_LOG_FORMAT=json|plain; unset, a terminal gets plain lines and anything else (a
container, a file, a journal) JSON with time, level, process, logger, message and request_id.
The request id comes from the caller's X-Request-ID header (a safe one) or is made up, is sent
back in X-Request-ID, and is on every line logged while the request is handled; it is the
causation id of the events the request saves (the correlation id: X-Correlation-ID if given),
and a consumer's line for such an event carries it again.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from contextvars import ContextVar
from typing import Any

from services.correlation import caused_by

REQUEST_ID: ContextVar[str | None] = ContextVar("linkage_request_id", default=None)
ACCESS = logging.getLogger("linkage.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


class RequestIdFilter(logging.Filter):
    """The request a line belongs to; a consumer names the request an event came from."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get()
        return True


def log_format() -> str:
    chosen = os.environ.get("LINKAGE_LOG_FORMAT", "").strip().lower()
    if chosen in ("json", "plain"):
        return chosen
    return "plain" if sys.stderr.isatty() else "json"


def formatter(fmt: str) -> logging.Formatter:
    if fmt == "json":
        from pythonjsonlogger.json import JsonFormatter

        return JsonFormatter("%(levelname)s %(process)d %(name)s %(message)s %(request_id)s",
                             rename_fields={"levelname": "level", "name": "logger"},
                             timestamp="time", json_ensure_ascii=False)
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


def setup(level: str = "INFO", fmt: str | None = None, stream: Any = None) -> logging.Handler:
    """Configure the root logger (replacing its handlers); returns the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(fmt or log_format()))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class RequestIds:
    """ASGI middleware: the request id in a context variable, the response header and one
    access line per request (logger linkage.access, INFO)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        conversation = headers.get(b"x-correlation-id", b"").decode("latin-1")
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message["headers"] = [*message.get("headers", []),
                                      (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            # Events the request saves carry its ids (services/correlation.py).
            with caused_by(request_id, conversation if _SAFE_ID.match(conversation) else None):
                await self.app(scope, receive, sending)
        finally:
            if ACCESS.isEnabledFor(logging.INFO):
                route = getattr(scope.get("route"), "path", None)
                ACCESS.info("%s %s %s", scope.get("method"), scope.get("path"), status[0], extra={
                    "method": scope.get("method"), "path": scope.get("path"), "route": route,
                    "status": status[0], "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
            REQUEST_ID.reset(token)
