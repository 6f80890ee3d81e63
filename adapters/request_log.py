"""The event store's recorders, keeping each keyed request's answer in the events' transaction.

`Settings.event_store_env` names these classes (APPLICATION_RECORDER_TOPIC). `save(...,
request=StoredRequest)` inserts the request row and the events in one transaction: a second
try of the same key collides on the row's primary key and stores nothing (IntegrityError,
which LinkageApp turns into ConcurrentWrite, and run_once into the first try's answer).
Rows are kept for RETENTION at least; `purge_requests` removes older ones.

`save(..., writer=Writer)` (a signed-in user's request) also keeps, in the same transaction,
the user's mark of each aggregate written (`linkage_last_writes`: its version and the position
of the save's last event): what that user's next read waits for (services/freshness.py). One
more statement in the events' transaction, where a separate write cost a connection, two round
trips and a commit per POST. `purge_requests` also removes marks older than RECENT.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    Notification,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Composed, Identifier

from adapters.pg_reach import fail_fast, reach_of
from services.freshness import RECENT, Mark, Writer, marks_of
from services.request_scope import StoredRequest

TABLE = "linkage_requests"
WRITES = "linkage_last_writes"
WRITES_DDL = ("CREATE TABLE IF NOT EXISTS {t} (actor_id TEXT NOT NULL, aggregate_id TEXT "
              "NOT NULL, version BIGINT NOT NULL, mechanism TEXT NOT NULL, position BIGINT NOT "
              "NULL, at TEXT NOT NULL, PRIMARY KEY (actor_id, aggregate_id))")
UPSERT = ("INSERT INTO {t} (actor_id, aggregate_id, version, mechanism, position, at) {rows} "
          "ON CONFLICT (actor_id, aggregate_id) DO UPDATE SET version = excluded.version, "
          "mechanism = excluded.mechanism, position = excluded.position, at = excluded.at")
LAST = ("SELECT aggregate_id, version, mechanism FROM {t} WHERE actor_id = {p} AND at >= {p} "
        "ORDER BY position DESC LIMIT {p}")
RETENTION = timedelta(days=7)  # the API promises at least 24 hours


def _row(r: StoredRequest) -> tuple[str, str, int, str, str]:
    return (r.key, r.digest, r.status, json.dumps(r.body, separators=(",", ":"), default=str),
            datetime.now(UTC).isoformat())


def _writer_rows(writer: Writer | None, stored_events: Sequence[StoredEvent],
                 ids: Sequence[int] | None) -> list[tuple[str, str, int, str, int, str]]:
    if writer is None or not ids:
        return []
    position = max(ids)
    return [(writer.actor_id, agg, version, mechanism, position, writer.at)
            for agg, version, mechanism in marks_of(stored_events)]


def _request(key: str, digest: str, status: int, body: str) -> StoredRequest:
    return StoredRequest(key, digest, status, json.loads(body))


class SqliteRequestRecorder(SQLiteApplicationRecorder):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(),
                f"CREATE TABLE IF NOT EXISTS {TABLE} (key TEXT PRIMARY KEY, digest TEXT NOT NULL, "
                "status INTEGER NOT NULL, body TEXT NOT NULL, stored_at TEXT NOT NULL)",
                WRITES_DDL.format(t=WRITES)]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        request: StoredRequest | None = kwargs.get("request")
        if request is not None:
            c.execute(f"INSERT INTO {TABLE} VALUES (?,?,?,?,?)", _row(request))
        ids = super()._insert_events(c, stored_events, **kwargs)
        rows = _writer_rows(kwargs.get("writer"), stored_events, ids)
        if rows:
            c.executemany(UPSERT.format(t=WRITES, rows="VALUES (?,?,?,?,?,?)"), rows)
        return ids

    def select_last_writes(self, actor_id: str, since: str, limit: int) -> list[Mark]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(LAST.format(t=WRITES, p="?"), (actor_id, since, limit))
            return [(a, int(v), m) for a, v, m in c.fetchall()]

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
            c.execute(f"DELETE FROM {WRITES} WHERE at < ?", (_stale_marks(),))


class PostgresRequestRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *,
                 events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        # 503 at once while PostgreSQL is away (adapters/pg_reach.py)
        fail_fast(datastore.pool, reach_of(datastore.pool.kwargs, datastore.pool.timeout))
        self.sql_create_statements.append(self._sql(
            "CREATE TABLE IF NOT EXISTS {t} (key text PRIMARY KEY, digest text NOT NULL, "
            "status integer NOT NULL, body text NOT NULL, stored_at text NOT NULL)"))
        writes = SQL("{}.{}").format(Identifier(self.datastore.schema), Identifier(WRITES))
        self.sql_create_statements.append(SQL(WRITES_DDL).format(t=writes))
        # One statement whatever the number of marks: one array per column. The position is
        # the last notification id this session's insert took, so the statement needs no
        # answer from the insert and goes in the same round trip.
        self._upsert = SQL(UPSERT).format(t=writes, rows=SQL(
            "SELECT u.a, u.g, u.v, u.m, currval(pg_get_serial_sequence(%s, 'notification_id')), "
            "u.at FROM unnest(%s::text[], %s::text[], %s::bigint[], %s::text[], %s::text[]) "
            "AS u(a, g, v, m, at)"))
        self._events_table = (f'"{self.datastore.schema}".'
                              f'"{self.events_table_name}"')
        self._last = SQL(LAST).format(t=writes, p=SQL("%s"))
        self._purge_writes = SQL("DELETE FROM {} WHERE at < %s").format(writes)
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

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent],
                      **kwargs: Any) -> Sequence[int] | None:
        """The library's insert in ONE round trip: the request row, the table lock, the events,
        the user's marks and the commit are sent together and run back to back. The library
        waits for the insert's answer before it sends the commit, so the table lock, which
        serialises every save, was held across two round trips and the Python in between
        (a thread that had to wait for the GIL meanwhile held up every other save). A refused
        insert still raises IntegrityError (at the sync), and nothing of it is committed."""
        if self.datastore.enable_db_functions or not stored_events:
            ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return ids
        writer: Writer | None = kwargs.get("writer")
        with self.datastore.get_connection() as conn, conn.cursor() as curs, \
                conn.cursor() as ins:
            with conn.pipeline(), conn.transaction():
                self._insert_events(curs, stored_events, **kwargs)
                self._insert_stored_events(ins, stored_events, **kwargs)
                if writer is not None:
                    marks = marks_of(stored_events)
                    curs.execute(self._upsert, (
                        self._events_table, [writer.actor_id] * len(marks),
                        [m[0] for m in marks], [m[1] for m in marks], [m[2] for m in marks],
                        [writer.at] * len(marks)), prepare=True)
            return self._fetch_ids_after_insert_events(ins, stored_events, **kwargs)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_notifications(self, start: int | None, limit: int, stop: int | None = None,
                             topics: Sequence[str] = (), *, inclusive_of_start: bool = True
                             ) -> Sequence[Notification]:
        """The library's query, with its columns named and read as tuples, each notification
        made without the frozen dataclass's check per field: a rebuild reads every event, and
        the dictionary per row and the checks were half of the reading thread's time."""
        where: list[str] = []
        params: list[Any] = []
        if start is not None:
            where.append("notification_id >= %s" if inclusive_of_start else "notification_id > %s")
            params.append(start)
        if stop is not None:
            where.append("notification_id <= %s")
            params.append(stop)
        if topics:
            where.append("topic = ANY(%s)")
            params.append(list(topics))
        query = SQL("SELECT notification_id, originator_id, originator_version, topic, state "
                    "FROM {}.{} {} ORDER BY notification_id LIMIT %s").format(
            Identifier(self.datastore.schema), Identifier(self.events_table_name),
            SQL("WHERE " + " AND ".join(where) if where else ""))  # fixed texts only
        params.append(limit)
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(query, params, prepare=True)
            return [_notification(*row) for row in curs.fetchall()]

    def select_last_writes(self, actor_id: str, since: str, limit: int) -> list[Mark]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._last, (actor_id, since, limit), prepare=True)
            return [(r["aggregate_id"], int(r["version"]), r["mechanism"])
                    for r in curs.fetchall()]

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
            curs.execute(self._purge_writes, (_stale_marks(),))


# The same rows as the library's query (tests/integration/test_notification_select.py): the
# audit replay's own reader of the log (services/log_rows.py) may still be used with it.
PostgresRequestRecorder.select_notifications.reproduces = (  # type: ignore[attr-defined]
    PostgresApplicationRecorder.select_notifications)
_NEW = object.__new__
_SET = object.__setattr__


def _notification(nid: int, originator_id: Any, version: int, topic: str, state: bytes
                  ) -> Notification:
    """`Notification(...)`: the same object, its fields set at once (frozen: `__init__` sets
    each through `object.__setattr__`)."""
    n = _NEW(Notification)
    _SET(n, "__dict__", {"originator_id": originator_id, "originator_version": version,
                         "topic": topic, "state": bytes(state), "id": nid})
    return n


def _stale_marks() -> str:
    """Marks older than this no read waits for (freshness.RECENT)."""
    return (datetime.now(UTC) - RECENT).isoformat(timespec="microseconds")
