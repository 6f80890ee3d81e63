"""The database URL's query parameters (sslmode, application_name, …) reach every connection:
the event store's (through libpq's environment) and the read models' pool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from adapters.bootstrap import apply_libpq_env, bootstrap
from adapters.settings import Settings
from tests.conftest import sqlite_settings


def test_the_url_query_becomes_connection_parameters() -> None:
    s = Settings(database_url="postgresql://u:p%40ss@db.example:6432/city?sslmode=verify-full"
                              "&sslrootcert=/etc/linkage/ca.pem&application_name=linkage-api")
    p = s.postgres_params()
    assert p["sslmode"] == "verify-full" and p["sslrootcert"] == "/etc/linkage/ca.pem"
    assert (p["host"], p["port"], p["dbname"], p["password"]) == ("db.example", 6432, "city", "p@ss")
    assert s.libpq_env() == {"PGSSLMODE": "verify-full", "PGSSLROOTCERT": "/etc/linkage/ca.pem",
                             "PGAPPNAME": "linkage-api"}


def _ssl_and_name(conn: Any) -> tuple[bool, str]:
    row = conn.execute("SELECT s.ssl, a.application_name FROM pg_stat_ssl s JOIN pg_stat_activity a"
                       " USING (pid) WHERE pid = pg_backend_pid()").fetchone()
    ssl, name = row.values() if isinstance(row, dict) else row  # the event store's: dict rows
    return bool(ssl), str(name)


@pytest.mark.parametrize("mode", ["require", "disable"])
def test_sslmode_and_application_name_reach_both_pools(pg_url: str, pg_schema: str, tmp_path: Path,
                                                       mode: str) -> None:
    sep = "&" if "?" in pg_url else "?"
    url = f"{pg_url}{sep}sslmode={mode}&application_name=linkage-{mode}"
    c = bootstrap(Settings(database_url=url, database_schema=pg_schema, kafka_bootstrap=None,
                           data_dir=tmp_path))
    try:
        with c.app.recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
            assert _ssl_and_name(conn) == (mode == "require", f"linkage-{mode}")
        with c.pool().connection() as conn:
            assert _ssl_and_name(conn) == (mode == "require", f"linkage-{mode}")
    finally:
        c.close()
        apply_libpq_env(sqlite_settings(tmp_path))  # undone for the tests that follow
    import os

    assert "PGSSLMODE" not in os.environ


SERVER_CERT = Path("/etc/ssl/certs/ssl-cert-snakeoil.pem")  # Debian's PostgreSQL: CN=localhost


def test_verify_full_with_the_servers_ca(pg_url: str, pg_schema: str, tmp_path: Path) -> None:
    """sslmode=verify-full: a CA that signed the server's certificate connects both stores; any
    other CA is refused, so the parameters are really in force."""
    from urllib.parse import urlparse

    from adapters.bootstrap import Container

    if not SERVER_CERT.exists():
        pytest.skip(f"no {SERVER_CERT}: this PostgreSQL has no Debian snakeoil certificate")
    u = urlparse(pg_url)
    local = u._replace(netloc=f"{u.username}:{u.password}@localhost:{u.port or 5432}").geturl()

    def settings(ca: str) -> Settings:
        return Settings(database_url=f"{local}?sslmode=verify-full&sslrootcert={ca}",
                        database_schema=pg_schema, kafka_bootstrap=None, data_dir=tmp_path)

    try:
        c = Container(settings(str(SERVER_CERT)))
        try:
            with c.app.recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
                assert _ssl_and_name(conn)[0] is True
            with c.store("api").transaction() as tx:
                tx.put("users", "x", {"ok": True})
            with c.pool().connection() as conn:
                assert _ssl_and_name(conn)[0] is True
        finally:
            c.close()
        other_ca = tmp_path / "other-ca.pem"
        other_ca.write_text(Path("/etc/ssl/certs/ca-certificates.crt").read_text())
        refused = settings(str(other_ca))
        with pytest.raises(psycopg.OperationalError, match="certificate verify failed"):
            psycopg.connect(**refused.postgres_params(), connect_timeout=5).close()
        with pytest.raises(Exception):  # noqa: B017 (the event store's pool times out on it)
            Container(refused).close()
    finally:
        apply_libpq_env(sqlite_settings(tmp_path))
