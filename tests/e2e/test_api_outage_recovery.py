"""PostgreSQL going away while serving, now that tokens are cached and pooled connections are
not pinged before every use: 503 while it is away, recovery without a restart, and a restart
between requests goes unnoticed."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool

from adapters.accounts import Accounts
from adapters.bootstrap import Container, ReadModelPool, bootstrap
from adapters.http.app import create_app
from adapters.settings import Settings
from services.application import Unavailable
from tests.integration.test_postgres_outage import TcpProxy
from tests.support import ManualClock, notice_body

NOTICES = "/api/v1/accident-notices"


class Proxy(TcpProxy):
    def cut(self) -> None:
        # Shut the listening socket down first: closing it alone leaves the accept() blocked
        # in the proxy's thread, which then lets one more connection through.
        assert self.server is not None
        with contextlib.suppress(OSError):
            self.server.shutdown(socket.SHUT_RDWR)
        super().cut()


@pytest.fixture
def proxy(pg_url: str) -> Iterator[Proxy]:
    u = urlparse(pg_url)
    p = Proxy((u.hostname or "127.0.0.1", u.port or 5432))
    yield p
    p.cut()


@pytest.fixture
def proxied(pg_url: str, pg_schema: str, proxy: Proxy, tmp_path: Path,
            clock: ManualClock) -> Iterator[Container]:
    u = urlparse(pg_url)
    url = f"postgresql://{u.username}:{u.password}@127.0.0.1:{proxy.port}{u.path}"
    c = bootstrap(Settings(database_url=url, database_schema=pg_schema, kafka_bootstrap=None,
                           data_dir=tmp_path), clock)
    yield c
    c.close()


def bearer(c: Container, agency: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {Accounts(c.store('api')).add(agency, agency, 'liaison')}"}


def test_a_restart_between_requests_goes_unnoticed(proxied: Container, proxy: Proxy) -> None:
    seen, unseen = bearer(proxied, "safety"), bearer(proxied, "hrss")
    with TestClient(create_app(lambda: proxied, background=False)) as client:
        assert client.post(NOTICES, json=notice_body(), headers=seen).status_code == 201
        assert client.get(NOTICES, headers=seen).status_code == 200
        proxy.cut()  # every connection dies, as when PostgreSQL restarts ...
        proxy.open()  # ... and it is back at once, within a second of their last use
        listing = client.get(NOTICES, headers=seen)  # the read models' pool
        assert listing.status_code == 200 and listing.json()["total"] == 1, listing.text
        assert client.post(NOTICES, json=notice_body(), headers=unseen).status_code == 201
        assert client.post(NOTICES, json=notice_body(), headers=seen).status_code == 201
        assert client.get(NOTICES, headers=seen).json()["total"] == 3


def test_an_outage_is_503_even_for_a_remembered_token_and_then_recovers(
        proxied: Container, proxy: Proxy) -> None:
    seen, unseen = bearer(proxied, "safety"), bearer(proxied, "hrss")
    with TestClient(create_app(lambda: proxied, background=False)) as client:
        assert client.post(NOTICES, json=notice_body(), headers=seen).status_code == 201
        proxy.cut()
        down = client.post(NOTICES, json=notice_body(), headers={**seen, "Accept-Language": "en"})
        assert down.status_code == 503 and down.json()["code"] == "database_unavailable"
        assert "database is unavailable" in down.json()["detail"]
        proxy.open()
        back = client.post(NOTICES, json=notice_body(), headers=seen)
        assert back.status_code == 201, back.text
        assert client.post(NOTICES, json=notice_body(), headers=unseen).status_code == 201
        assert client.get(NOTICES, headers=seen).json()["total"] == 3


def test_the_read_model_pool_pings_only_a_connection_that_may_be_dead(
        pg_url: str, proxy: Proxy, monkeypatch: pytest.MonkeyPatch) -> None:
    pings: list[Any] = []
    real = ConnectionPool.check_connection
    monkeypatch.setattr(ConnectionPool, "check_connection",
                        staticmethod(lambda conn: (pings.append(conn), real(conn))))
    u = urlparse(pg_url)
    pool = ReadModelPool(kwargs={"host": "127.0.0.1", "port": proxy.port, "dbname": u.path[1:],
                                 "user": u.username, "password": u.password},
                         min_size=1, max_size=2, open=True)
    try:
        for _ in range(5):  # reused at once: no round trip before the work
            with pool.connection(timeout=5) as conn:
                conn.execute("SELECT 1")
        assert pings == []
        proxy.cut()
        proxy.open()
        with pool.connection(timeout=5) as conn:  # the dead one is pinged, dropped, replaced
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert len(pings) >= 1
    finally:
        pool.close()


def test_existence_checks_report_an_outage_rather_than_absence(
        proxied: Container, proxy: Proxy) -> None:
    """A retried create whose save lost the race asks whether the first try stored the aggregate;
    with the database away that answer is 'unavailable' (503), never 'not there' (then 409)."""
    with TestClient(create_app(lambda: proxied, background=False)) as client:
        filed = client.post(NOTICES, json=notice_body(), headers=bearer(proxied, "safety"))
        assert filed.status_code == 201
        notice_id = UUID(filed.json()["id"])
        assert proxied.notices.exists(notice_id)
        assert not proxied.notices.exists(uuid4())
        proxy.cut()
        # Each check retries the dead database for ~20 s before it gives up: run them at once.
        checks = (proxied.notices.exists, proxied.inspections.exists, proxied.projects.exists)
        with ThreadPoolExecutor(len(checks)) as pool:
            futures = [pool.submit(check, notice_id) for check in checks]
        for future in futures:
            assert isinstance(future.exception(), Unavailable)
