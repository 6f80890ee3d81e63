"""Read-model stores (the Store port) on SQLite files or PostgreSQL tables."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool

from adapters.pg_tx import PgTx
from adapters.sql_tx import DDL, SqlTx
from services.ports import Store, StoreUnavailable, Tx


class SqliteStore(Store):
    """One SQLite file per read model, so consumers never queue behind the API's writes."""

    def __init__(self, path: Path, name: str) -> None:
        self.name = name
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.tables = {"docs": "docs", "positions": "positions", "dead": "dead_letters",
                       "blob": "BLOB", "idx": "doc_index", "idx_by_key": "doc_index_by_key",
                       "bytewise": ""}  # SQLite compares text bytewise already
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            for ddl in DDL:
                conn.execute(ddl.format(**self.tables))

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Tx]:
        conn = self._connect()  # one writer at a time (BEGIN IMMEDIATE)
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                tx = SqlTx(conn.cursor(), self.tables, "?")
                yield tx
                tx.flush()
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def reset(self) -> None:
        with self.transaction() as tx:
            assert isinstance(tx, SqlTx)
            for t in ("docs", "positions", "dead", "idx"):
                tx.cur.execute(f"DELETE FROM {self.tables[t]}")

    def close(self) -> None:
        pass


class PostgresStore(Store):
    """A read model's own tables (rm_<name>_*) in the shared PostgreSQL database."""

    def __init__(self, pool: ConnectionPool[Any], schema: str, name: str) -> None:
        self.name = name
        self.pool = pool

        def ident(suffix: str) -> str:
            return sql.Identifier(schema, f"rm_{name}_{suffix}").as_string(None)

        self.tables = {"docs": ident("docs"), "positions": ident("positions"),
                       "dead": ident("dead_letters"), "blob": "BYTEA",
                       "idx": ident("doc_index"),
                       "idx_by_key": sql.Identifier(f"rm_{name}_doc_index_by_key").as_string(None),
                       "bytewise": ' COLLATE "C"'}  # orders sort as strings, not as words
        with self._conn() as conn, conn.transaction():
            # Processes starting together would race on the catalog ("tuple concurrently
            # updated"): one at a time creates the tables.
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('linkage-ddl'))")
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            for ddl in DDL:
                conn.execute(ddl.format(**self.tables))  # type: ignore[arg-type]

    @contextmanager
    def _conn(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            with self.pool.connection(timeout=5) as conn:
                yield conn
        except (psycopg.OperationalError, psycopg.InterfaceError) as e:
            raise StoreUnavailable(str(e)) from e
        except Exception as e:
            if type(e).__name__ == "PoolTimeout":
                raise StoreUnavailable(str(e)) from e
            raise

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Tx]:
        with self._conn() as conn, conn.transaction(), conn.cursor() as cur:
            # One writer at a time per read model, as SQLite's BEGIN IMMEDIATE gives: instances
            # of one agency's consumer on different partitions update shared documents (an
            # employer's notices, a fund year's totals), and during a rebalance two may hold
            # the same partition. Without this, read-modify-write would lose updates.
            if write:
                cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.tables["docs"],))
            tx = PgTx(cur, self.tables, "%s")
            yield tx
            tx.flush()

    def reset(self) -> None:
        with self._conn() as conn:
            for t in ("docs", "positions", "dead", "idx"):
                conn.execute(f"TRUNCATE {self.tables[t]}")  # type: ignore[arg-type]

    def close(self) -> None:
        pass
