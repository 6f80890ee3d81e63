"""The database URL's query parameters (sslmode, application_name, …) reach every connection:
the event store's (through libpq's environment) and the read models' pool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
