"""The notification log as plain rows, read in pages straight from the recorder's own table.

`chain.notifications` gives the same events as library `Notification`s, one object and one UUID
per row; the verified audit replay reads a million rows and needs neither: a row here is the
tuple (id, originator id as stored, version, topic, state), and each page comes with the 16 bytes
and the text of every originator id in it (`Ids`), worked out once per id and page.

The same statement as the recorder's `select_notifications` (the same pages, the same order),
and the same originator ids: an id the recorder would refuse raises its error before any row of
its page is given, as `select_notifications` does. None: no raw reader for this recorder (another
persistence module, or text originator ids); the caller then takes the general path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.utils import retry

Row = tuple[int, str, int, str, bytes]
Ids = dict[str, tuple[bytes, str]]  # stored originator id -> (its 16 bytes, its UUID text)
Pages = Callable[[int | None, int], Sequence[Row]]  # (after, limit) -> rows, after None: all


def _tuples(cursor: Any) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """psycopg's `tuple_row`, without importing the driver into the services."""
    return tuple


def _sqlite(recorder: Any) -> Pages:
    table = recorder.events_table_name
    first = (f"SELECT rowid, originator_id, originator_version, topic, state FROM {table} "
             "ORDER BY rowid LIMIT ?")
    then = (f"SELECT rowid, originator_id, originator_version, topic, state FROM {table} "
            "WHERE rowid>? ORDER BY rowid LIMIT ?")

    def page(after: int | None, limit: int) -> Sequence[Row]:
        with recorder.datastore.transaction(commit=False) as c:
            cur = c.sqlite_cursor
            cur.row_factory = None  # tuples, not sqlite3.Row
            cur.execute(first if after is None else then,
                        (limit,) if after is None else (after, limit))
            rows: list[Row] = cur.fetchall()
            return rows

    return page


def _postgres(recorder: Any) -> Pages:
    table = f'"{recorder.datastore.schema}"."{recorder.events_table_name}"'
    cols = "notification_id, originator_id::text, originator_version, topic, state"
    first = f"SELECT {cols} FROM {table} ORDER BY notification_id LIMIT %s"
    then = f"SELECT {cols} FROM {table} WHERE notification_id>%s ORDER BY notification_id LIMIT %s"

    def page(after: int | None, limit: int) -> Sequence[Row]:
        with recorder.datastore.get_connection() as conn, \
                conn.cursor(row_factory=_tuples, binary=True) as cur:
            cur.execute(first if after is None else then,
                        (limit,) if after is None else (after, limit), prepare=True)
            rows: list[Row] = cur.fetchall()
            return rows

    # As the recorder's own select_notifications, which a passing outage does not stop.
    again: Pages = retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)(page)
    return again


def reader(recorder: Any) -> tuple[Pages, Callable[[str], UUID]] | None:
    """(page reader, the recorder's own reading of a stored originator id), or None."""
    datastore = getattr(recorder, "datastore", None)
    if getattr(datastore, "originator_id_type", None) != "uuid":
        return None
    cls = type(recorder)
    for base in cls.__mro__:  # the library's recorder, its reading of the log not overridden
        name = f"{base.__module__}.{base.__qualname__}"
        if name not in _LIBRARY or not all(_same(getattr(cls, m, None), getattr(base, m, None))
                                            for m in ("select_notifications", "convert_originator_id")):
            continue
        if name == "eventsourcing.sqlite.SQLiteApplicationRecorder":
            return _sqlite(recorder), recorder.convert_originator_id  # type: ignore[no-any-return]
        return _postgres(recorder), UUID
    return None


def _same(method: Any, library: Any) -> bool:
    """The library's method, or one that declares it reads the same rows (`reproduces`, set by
    adapters/request_log.py, whose faster query a test compares with the library's)."""
    return method is library or getattr(method, "reproduces", None) is library


_LIBRARY = ("eventsourcing.sqlite.SQLiteApplicationRecorder",
            "eventsourcing.postgres.PostgresApplicationRecorder")


def _ids(rows: Sequence[Row], convert: Callable[[str], UUID]) -> Ids:
    """Each originator id of a page, in the order of first use (so the first one the recorder
    refuses raises first): 32 hex digits as SQLite stores them, else as the recorder reads it."""
    ids: Ids = {}
    for text in dict.fromkeys([r[1] for r in rows]):
        raw = b""
        if type(text) is str and len(text) == 32:
            try:
                raw = bytes.fromhex(text)
            except ValueError:
                raw = b""
        if len(raw) == 16:
            h = raw.hex()
            ids[text] = raw, f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
        else:
            u = convert(text)
            ids[text] = u.bytes, str(u)
    return ids


def pages(page: Pages, convert: Callable[[str], UUID], ids: Ids,
          batch: int) -> Iterator[Sequence[Row]]:
    """The whole log, page by page; `ids` is refilled with each page's ids as it is given."""
    after: int | None = None
    while True:
        rows = page(after, batch)
        found = _ids(rows, convert)
        ids.clear()
        ids.update(found)
        yield rows
        if len(rows) < batch:
            return
        after = rows[-1][0]
