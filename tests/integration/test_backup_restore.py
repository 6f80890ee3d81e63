"""Backup and restore: the embedded default (`linkage backup`/`restore`) and PostgreSQL
(pg_dump/pg_restore of the event store and users, then `linkage rebuild` of every agency), each
restored into a fresh place and compared with the original: every read model and the hash chain."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import pytest
from psycopg import sql
from typer.testing import CliRunner

from adapters.accounts import Accounts
from adapters.audit_wiring import verify
from adapters.bootstrap import Container, bootstrap
from adapters.cli import app as cli
from adapters.settings import Settings
from domain.vocabulary import AGENCIES
from tests.conftest import sqlite_settings
from tests.integration.kafka_support import docs
from tests.integration.test_rebuild_agencies import make_mixed_history
from tests.support import ManualClock

READ_MODELS = [*AGENCIES, "index", "api"]


def original(c: Container, clock: ManualClock) -> tuple[dict[str, object], str]:
    make_mixed_history(c, clock, notices=30, projects=6, seed=7)
    c.drain()
    Accounts(c.store("api")).add("王敏", "safety", "liaison")
    result = verify(c, consumers=False)
    assert result["ok"], result
    return {name: docs(c, name) for name in READ_MODELS}, str(result["head"])


def compare(restored: Container, models: dict[str, object], head: str) -> None:
    restored.drain()
    for name in READ_MODELS:
        assert docs(restored, name) == models[name], f"read model {name} differs"
    result = verify(restored, consumers=False)
    assert result["ok"] and result["head"] == head


def test_sqlite_backup_restores_into_a_fresh_folder(tmp_path: Path, clock: ManualClock,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    settings = sqlite_settings(tmp_path / "a")
    c = bootstrap(settings, clock)
    try:
        models, head = original(c, clock)
        runner = CliRunner()
        monkeypatch.setenv("LINKAGE_DATA_DIR", str(settings.data_dir))
        monkeypatch.delenv("LINKAGE_DATABASE_URL", raising=False)
        monkeypatch.delenv("LINKAGE_KAFKA_BOOTSTRAP", raising=False)
        done = runner.invoke(cli, ["backup", str(tmp_path / "backup")])  # while c is open
        assert done.exit_code == 0, done.output
        assert "backed up" in done.output
    finally:
        c.close()
    fresh = sqlite_settings(tmp_path / "b")
    monkeypatch.setenv("LINKAGE_DATA_DIR", str(fresh.data_dir))
    done = CliRunner().invoke(cli, ["restore", str(tmp_path / "backup")])
    assert done.exit_code == 0, done.output
    again = CliRunner().invoke(cli, ["restore", str(tmp_path / "backup")])
    assert again.exit_code == 1 and "already holds data" in again.output  # never over data
    restored = bootstrap(fresh, clock)
    try:
        compare(restored, models, head)
    finally:
        restored.close()


def test_sqlite_restore_refuses_a_damaged_backup(tmp_path: Path, clock: ManualClock) -> None:
    from adapters.backup import BackupError, backup, restore

    settings = sqlite_settings(tmp_path / "a")
    c = bootstrap(settings, clock)
    try:
        original(c, clock)
        backup(settings, tmp_path / "backup")
    finally:
        c.close()
    with (tmp_path / "backup" / "events.db").open("r+b") as f:
        f.seek(200)
        f.write(b"\x00damaged")
    with pytest.raises(BackupError, match="damaged"):
        restore(sqlite_settings(tmp_path / "b"), tmp_path / "backup")


def test_postgres_dump_restore_then_rebuild(pg_url: str, pg_schema: str, tmp_path: Path,
                                            clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    if not shutil.which("pg_dump"):
        pytest.fail("pg_dump is needed for the PostgreSQL backup procedure")
    settings = Settings(database_url=pg_url, database_schema=pg_schema, kafka_bootstrap=None,
                        data_dir=tmp_path / "a")
    c = bootstrap(settings, clock)
    try:
        models, head = original(c, clock)
        events = c.app.recorder.events_table_name  # type: ignore[attr-defined]
    finally:
        c.close()
    dump = tmp_path / "linkage.dump"
    # The procedure of docs/OPERATIONS.md: the event store and the users (rm_api_*), nothing else.
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", f"--schema={pg_schema}",
                    f"--table={pg_schema}.{events}", f"--table={pg_schema}.rm_api_*", pg_url],
                   check=True, timeout=120)
    fresh_db = "linkage_restore_" + uuid.uuid4().hex[:8]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(fresh_db)))
    fresh_url = urlparse(pg_url)._replace(path=f"/{fresh_db}").geturl()
    try:
        with psycopg.connect(fresh_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(pg_schema)))
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={fresh_url}", str(dump)],
                       check=True, timeout=120)
        monkeypatch.setenv("LINKAGE_DATABASE_URL", fresh_url)
        monkeypatch.setenv("LINKAGE_DATABASE_SCHEMA", pg_schema)
        monkeypatch.delenv("LINKAGE_KAFKA_BOOTSTRAP", raising=False)
        for agency in AGENCIES:
            done = CliRunner().invoke(cli, ["rebuild", "--agency", agency])
            assert done.exit_code == 0, done.output
        restored = bootstrap(Settings(database_url=fresh_url, database_schema=pg_schema,
                                      kafka_bootstrap=None, data_dir=tmp_path / "b"), clock)
        try:
            compare(restored, models, head)
        finally:
            restored.close()
    finally:
        drop_database(pg_url, fresh_db)


def drop_database(pg_url: str, name: str) -> None:
    """Clean up; an autovacuum worker busy on the fresh copy belongs to the server, which our
    role may not terminate (FORCE then refuses): wait for it a little."""
    for attempt in range(20):
        try:
            with psycopg.connect(pg_url, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)))
            return
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectInUse):
            if attempt == 19:
                raise
            time.sleep(0.5)
