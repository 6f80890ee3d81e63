"""The event store's recorders, keeping each keyed request's answer in the events' transaction.

`Settings.event_store_env` names these classes (APPLICATION_RECORDER_TOPIC). `save(...,
request=StoredRequest)` inserts the request row and the events in one transaction: a second
try of the same key collides on the row's primary key and stores nothing (IntegrityError,
which LinkageApp turns into ConcurrentWrite, and run_once into the first try's answer).
Rows are kept for RETENTION at least; `purge_requests` removes older ones.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from services.request_scope import StoredRequest

TABLE = "linkage_requests"
RETENTION = timedelta(days=7)  # the API promises at least 24 hours


def _row(r: StoredRequest) -> tuple[str, str, int, str, str]:
    return (r.key, r.digest, r.status, json.dumps(r.body, separators=(",", ":"), default=str),
            datetime.now(UTC).isoformat())


def _request(key: str, digest: str, status: int, body: str) -> StoredRequest:
    return StoredRequest(key, digest, status, json.loads(body))


class SqliteRequestRecorder(SQLiteApplicationRecorder):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(),
                f"CREATE TABLE IF NOT EXISTS {TABLE} (key TEXT PRIMARY KEY, digest TEXT NOT NULL, "
                "status INTEGER NOT NULL, body TEXT NOT NULL, stored_at TEXT NOT NULL)"]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        request: StoredRequest | None = kwargs.get("request")
        if request is not None:
            c.execute(f"INSERT INTO {TABLE} VALUES (?,?,?,?,?)", _row(request))
        return super()._insert_events(c, stored_events, **kwargs)

    def select_request(self, key: str) -> StoredRequest | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT key, digest, status, body FROM {TABLE} WHERE key=?", (key,))
            row = c.fetchone()
        return None if row is None else _request(row[0], row[1], row[2], row[3])

    def insert_request(self, request: StoredRequest) -> bool:
        try:
            with self.datastore.transaction(commit=True) as c:
                c.execute(f"INSERT INTO {TABLE} VALUES (?,?,?,?,?)", _row(request))
        except IntegrityError:
            return False
        return True

    def purge_requests(self, before: datetime) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"DELETE FROM {TABLE} WHERE stored_at < ?", (before.isoformat(),))


class PostgresRequestRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *,
                 events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.sql_create_statements.append(self._sql(
            "CREATE TABLE IF NOT EXISTS {t} (key text PRIMARY KEY, digest text NOT NULL, "
            "status integer NOT NULL, body text NOT NULL, stored_at text NOT NULL)"))
        self._insert = self._sql("INSERT INTO {t} VALUES (%s, %s, %s, %s, %s)")
        self._insert_new = self._sql(
            "INSERT INTO {t} VALUES (%s, %s, %s, %s, %s) ON CONFLICT (key) DO NOTHING")
        self._select = self._sql("SELECT key, digest, status, body FROM {t} WHERE key = %s")
        self._purge = self._sql("DELETE FROM {t} WHERE stored_at < %s")

    def _sql(self, text: str) -> Composed:
        return SQL(text).format(t=SQL("{}.{}").format(Identifier(self.datastore.schema),
                                                      Identifier(TABLE)))

    def _insert_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> None:
        request: StoredRequest | None = kwargs.get("request")
        if request is not None:
            curs.execute(self._insert, _row(request), prepare=True)
        super()._insert_events(curs, stored_events, **kwargs)

    def select_request(self, key: str) -> StoredRequest | None:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._select, (key,), prepare=True)
            row = curs.fetchone()
        return None if row is None else _request(row["key"], row["digest"], row["status"],
                                                 row["body"])

    def insert_request(self, request: StoredRequest) -> bool:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._insert_new, _row(request), prepare=True)
            return curs.rowcount == 1

    def purge_requests(self, before: datetime) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._purge, (before.isoformat(),))
