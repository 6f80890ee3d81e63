"""Real receivers for the notifier's tests: an aiosmtpd SMTP server and an HTTP webhook
receiver, both in-process on 127.0.0.1 only."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mail:
    to: list[str]
    message: Message

    def part(self, subtype: str) -> str:
        for p in self.message.walk():
            if p.get_content_type() == f"text/{subtype}":
                return str(p.get_payload(decode=True).decode(p.get_content_charset() or "utf-8"))
        raise AssertionError(f"no text/{subtype} part")


class SmtpSink:
    """Collects every message the SMTP server accepts."""

    def __init__(self) -> None:
        self.mails: list[Mail] = []
        self.port = free_port()
        self.controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(Mail(list(envelope.rcpt_tos),
                               email.message_from_bytes(envelope.original_content,
                                                        policy=email.policy.default)))
        return "250 OK"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[Mail]:
        return [m for m in self.mails if address in m.to]


@dataclass
class Hit:
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each path with the scripted (status, body) answers in turn, the last one after."""

    hits: list[Hit] = field(default_factory=list)
    script: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)  # seconds before answering a path
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]

    def answer(self, path: str) -> tuple[int, str]:
        answers = self.script.get(path, [(200, '{"errcode": 0, "errmsg": "ok"}')])
        return answers.pop(0) if len(answers) > 1 else answers[0]


@contextmanager
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            path, _, query = self.path.partition("?")
            with lock:
                rec.hits.append(Hit(path, query, dict(self.headers.items()), body))
                status, text = rec.answer(path)
            time.sleep(rec.delays.get(path, 0.0))
            data = text.encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except BrokenPipeError:  # the sender gave up waiting (a timeout test)
                pass

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    rec.port = server.server_address[1]
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()
