"""Read-model stores (the Store port) on SQLite files or PostgreSQL tables."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool

from services.ports import Doc, Store, StoreUnavailable, Tx

_DDL = (
    "CREATE TABLE IF NOT EXISTS {docs} (coll TEXT NOT NULL, key TEXT NOT NULL, doc TEXT NOT NULL,"
    " PRIMARY KEY (coll, key))",
    "CREATE TABLE IF NOT EXISTS {positions} (source TEXT PRIMARY KEY, pos BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {dead} (source TEXT NOT NULL, pos BIGINT NOT NULL,"
    " reason TEXT NOT NULL, raw {blob} NOT NULL, at TEXT NOT NULL, PRIMARY KEY (source, pos))",
    # Lists: a document under each of its tags, in the order its projection gave it.
    "CREATE TABLE IF NOT EXISTS {idx} (coll TEXT NOT NULL, tag TEXT NOT NULL,"
    " ord TEXT{bytewise} NOT NULL, key TEXT NOT NULL, PRIMARY KEY (coll, tag, ord, key))",
    "CREATE INDEX IF NOT EXISTS {idx_by_key} ON {idx} (coll, key)",
)
_MEMBER = ("EXISTS (SELECT 1 FROM {idx} j WHERE j.coll = i.coll AND j.tag = ? AND j.ord = i.ord"
           " AND j.key = i.key)")


_ABSENT = ""  # cached marker: the row is known not to exist (a document is never "")


class _SqlTx(Tx):
    """The same SQL on both databases; only the placeholder and table names differ.

    Documents read or written are cached for the transaction and writes are sent in one batch
    at commit (`flush`): a consumer's event touches the same few documents several times, and
    each round trip to PostgreSQL cost more than the work itself.
    """

    def __init__(self, cur: Any, tables: dict[str, str], ph: str) -> None:
        self.cur = cur
        self.t = tables
        self.ph = ph
        self._docs: dict[tuple[str, str], str] = {}  # JSON text, or _ABSENT
        self._dirty: set[tuple[str, str]] = set()
        self._wanted: set[tuple[str, str]] = set()
        self._pos: dict[str, int | None] | None = None  # every position, read on first use
        self._pos_dirty: set[str] = set()
        self._idx: dict[tuple[str, str], tuple[str, tuple[str, ...]] | None] = {}

    def _q(self, text: str) -> str:
        return text.format(**self.t).replace("?", self.ph)

    def _load(self, coll: str, key: str) -> str:
        k = (coll, key)
        if k not in self._docs:  # read with whatever else is wanted, in the same query
            self._wanted.add(k)
            self._fetch_wanted()
        return self._docs[k]

    def prefetch(self, coll: str, keys: Iterable[str]) -> None:
        # Only noted here: every collection's keys are then read in one query on first use.
        self._wanted.update((coll, k) for k in keys if (coll, k) not in self._docs)

    def _fetch_wanted(self) -> None:
        wanted = sorted(k for k in self._wanted if k not in self._docs)  # not written since
        self._wanted.clear()
        found = {(c, k): d for c, k, d in self._rows(
            "SELECT coll, key, doc FROM {docs} WHERE (coll, key) IN ({rows})", wanted)}
        for pair in wanted:
            self._docs[pair] = found.get(pair, _ABSENT)

    def get(self, coll: str, key: str) -> Doc | None:
        text = self._load(coll, key)
        # A fresh copy each time: callers change what they get before putting it back.
        return json.loads(text) if text else None

    def put(self, coll: str, key: str, doc: Doc) -> None:
        self._docs[(coll, key)] = json.dumps(doc, ensure_ascii=False)
        self._dirty.add((coll, key))

    def put_new(self, coll: str, key: str, doc: Doc) -> bool:
        k = (coll, key)
        if k in self._docs:
            if self._docs[k]:
                return False
            self.put(coll, key, doc)
            return True
        text = json.dumps(doc, ensure_ascii=False)  # unknown here: one INSERT tells
        self.cur.execute(self._q("INSERT INTO {docs} (coll, key, doc) VALUES (?, ?, ?) "
                                 "ON CONFLICT (coll, key) DO NOTHING"), (coll, key, text))
        if self.cur.rowcount == 1:
            self._docs[k] = text
            return True
        return False

    def delete(self, coll: str, key: str) -> None:
        self._docs[(coll, key)] = _ABSENT
        self._dirty.add((coll, key))
        self._idx[(coll, key)] = None

    def index(self, coll: str, key: str, order: str, tags: Iterable[str]) -> None:
        self._idx[(coll, key)] = (order, tuple(sorted(set(tags))))

    def _where(self, coll: str, tags: Sequence[str]) -> tuple[str, list[Any]]:
        main, *rest = tags
        return (" AND ".join(["i.coll = ?", "i.tag = ?", *[_MEMBER] * len(rest)]),
                [coll, main, *rest])

    def page(self, coll: str, tags: Sequence[str], after: tuple[str, str] | None = None,
             limit: int = 50, offset: int = 0) -> list[tuple[str, str, Doc]]:
        self.flush()
        where, params = self._where(coll, tags)
        if after is not None:
            where += " AND (i.ord > ? OR (i.ord = ? AND i.key > ?))"
            params += [after[0], after[0], after[1]]
        self.cur.execute(self._q(
            "SELECT i.ord, i.key, d.doc FROM {idx} i JOIN {docs} d ON d.coll = i.coll AND "
            f"d.key = i.key WHERE {where} ORDER BY i.ord, i.key LIMIT ? OFFSET ?"),
            [*params, limit, offset])
        return [(o, k, json.loads(d)) for o, k, d in self.cur.fetchall()]

    def count(self, coll: str, tags: Sequence[str]) -> int:
        self.flush()
        where, params = self._where(coll, tags)
        self.cur.execute(self._q(f"SELECT COUNT(*) FROM {{idx}} i WHERE {where}"), params)
        return int(self.cur.fetchone()[0])

    def flush(self) -> None:
        """Send the buffered writes (at commit, and before any query that must see them)."""
        if self._dirty:
            dirty = sorted(self._dirty)
            self._dirty.clear()
            puts = [(c, k, self._docs[(c, k)]) for c, k in dirty if self._docs[(c, k)]]
            gone = [(c, k) for c, k in dirty if not self._docs[(c, k)]]
            self._rows("INSERT INTO {docs} (coll, key, doc) VALUES {rows} "
                       "ON CONFLICT (coll, key) DO UPDATE SET doc = excluded.doc", puts)
            self._rows("DELETE FROM {docs} WHERE (coll, key) IN ({rows})", gone)
        if self._idx:
            changed = sorted(self._idx.items())
            self._idx.clear()
            self._rows("DELETE FROM {idx} WHERE (coll, key) IN ({rows})", [k for k, _ in changed])
            self._rows("INSERT INTO {idx} (coll, tag, ord, key) VALUES {rows}",
                       [(c, tag, entry[0], k) for (c, k), entry in changed if entry
                        for tag in entry[1]])
        if self._pos_dirty:
            rows = [(s, self._positions()[s]) for s in sorted(self._pos_dirty)]
            self._pos_dirty.clear()
            self._rows("INSERT INTO {positions} (source, pos) VALUES {rows} "
                       "ON CONFLICT (source) DO UPDATE SET pos = excluded.pos", rows)

    def _rows(self, text: str, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """One statement for many rows (keys are unique here, as ON CONFLICT needs): a
        statement per row cost the server more than the rows themselves. Returns what a
        SELECT found."""
        found: list[tuple[Any, ...]] = []
        for i in range(0, len(rows), 300):
            chunk = rows[i:i + 300]
            one = "(" + ", ".join([self.ph] * len(chunk[0])) + ")"
            query = text.format(rows=", ".join([one] * len(chunk)), **self.t)
            self.cur.execute(query, [v for row in chunk for v in row])
            if self.cur.description is not None:
                found.extend(self.cur.fetchall())
        return found

    def scan(self, coll: str) -> Iterator[tuple[str, Doc]]:
        self.flush()
        self.cur.execute(self._q("SELECT key, doc FROM {docs} WHERE coll=? ORDER BY key"), (coll,))
        for key, doc in self.cur.fetchall():
            yield key, json.loads(doc)

    def collections(self) -> list[str]:
        self.flush()
        self.cur.execute(self._q("SELECT DISTINCT coll FROM {docs} ORDER BY coll"))
        return [row[0] for row in self.cur.fetchall()]

    def _positions(self) -> dict[str, int | None]:
        if self._pos is None:  # few rows (one per topic-partition): all in one query
            self.cur.execute(self._q("SELECT source, pos FROM {positions}"))
            self._pos = {s: int(p) for s, p in self.cur.fetchall()}
        return self._pos

    def position(self, source: str) -> int | None:
        return self._positions().get(source)

    def set_position(self, source: str, value: int) -> None:
        self._positions()[source] = value
        self._pos_dirty.add(source)

    def positions(self) -> dict[str, int]:
        return {s: p for s, p in sorted(self._positions().items()) if p is not None}

    def add_dead_letter(self, source: str, position: int, reason: str, raw: bytes) -> None:
        self.cur.execute(
            self._q("INSERT INTO {dead} (source, pos, reason, raw, at) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (source, pos) DO NOTHING"),
            (source, position, reason, raw, datetime.now(UTC).isoformat()),
        )

    def dead_letters(self) -> list[Doc]:
        self.cur.execute(self._q("SELECT source, pos, reason, raw, at FROM {dead} ORDER BY at"))
        return [{"source": s, "position": int(p), "reason": r,
                 "raw": bytes(raw).decode("utf-8", "replace"), "at": at}
                for s, p, r, raw, at in self.cur.fetchall()]


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
            for ddl in _DDL:
                conn.execute(ddl.format(**self.tables))

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Tx]:
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                tx = _SqlTx(conn.cursor(), self.tables, "?")
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
            assert isinstance(tx, _SqlTx)
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
            for ddl in _DDL:
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
            tx = _SqlTx(cur, self.tables, "%s")
            yield tx
            tx.flush()

    def reset(self) -> None:
        with self._conn() as conn:
            for t in ("docs", "positions", "dead", "idx"):
                conn.execute(f"TRUNCATE {self.tables[t]}")  # type: ignore[arg-type]

    def close(self) -> None:
        pass
