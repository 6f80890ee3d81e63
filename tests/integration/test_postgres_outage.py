"""PostgreSQL unreachable while serving: 503 with a message, and recovery without a restart."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient

from adapters.accounts import Accounts
from adapters.bootstrap import bootstrap
from adapters.http.app import create_app
from adapters.settings import Settings
from tests.support import ManualClock, notice_body


class TcpProxy:
    """Forwards a local port to PostgreSQL; `cut` drops every connection, as a network fault."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self.conns: list[socket.socket] = []
        self.server: socket.socket | None = None
        self.open()

    def open(self) -> None:
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", self.port))
        self.port = self.server.getsockname()[1]
        self.server.listen(50)
        threading.Thread(target=self._accept, args=(self.server,), daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        assert self.server is not None
        # close() alone does not wake the accept() blocked in the thread: one more
        # connection would still get through after the cut.
        with contextlib.suppress(OSError):
            self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()
        for s in self.conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self.conns.clear()


@pytest.fixture
def proxy(pg_url: str) -> Iterator[TcpProxy]:
    u = urlparse(pg_url)
    p = TcpProxy((u.hostname or "127.0.0.1", u.port or 5432))
    yield p
    p.cut()


def test_database_outage_is_503_and_recovers(
    pg_url: str, pg_schema: str, proxy: TcpProxy, tmp_path: Path, clock: ManualClock
) -> None:
    u = urlparse(pg_url)
    url = f"postgresql://{u.username}:{u.password}@127.0.0.1:{proxy.port}{u.path}"
    settings = Settings(database_url=url, database_schema=pg_schema, kafka_bootstrap=None,
                        data_dir=tmp_path)
    c = bootstrap(settings, clock)
    token = Accounts(c.store("api")).add("王敏", "safety", "liaison")
    h = {"Authorization": f"Bearer {token}"}
    try:
        with TestClient(create_app(lambda: c, background=False)) as client:
            assert client.post("/api/v1/accident-notices", json=notice_body(), headers=h).status_code == 201
            proxy.cut()
            down = client.post("/api/v1/accident-notices", json=notice_body(),
                               headers={**h, "Accept-Language": "en"})
            assert down.status_code == 503 and down.json()["code"] == "database_unavailable"
            assert "database is unavailable" in down.json()["detail"]
            assert client.get("/readyz").status_code == 503  # not ready: the database is down
            assert client.get("/healthz").status_code == 200  # but alive: no restart needed
            proxy.open()  # PostgreSQL is back, on the same address
            back = client.post("/api/v1/accident-notices", json=notice_body(), headers=h)
            assert back.status_code == 201, back.text
            assert client.get("/api/v1/accident-notices", headers=h).json()["total"] == 2
    finally:
        c.close()
