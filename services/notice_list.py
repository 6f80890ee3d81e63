"""Pages of notices and of work queues, in urgency order, from the stores' indexes.

The order (domain/notice_rules.py `urgency_key`): the nearest deadline still owed first, so
overdue items come first, most overdue first; then the higher grade; items owing nothing
last; ties by id. A cursor is the (order, id) of the last item of a page, opaque to clients:
the next page starts after it, so items added or changed meanwhile neither repeat nor shift
what was already read. No list reads every document to filter it in Python.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from domain.notice_rules import overdue_before
from services.notice_view import summary_view
from services.ports import Tx
from services.projections import ALL


class BadCursor(ValueError):
    """A cursor this server did not hand out."""


def encode_cursor(order: str, key: str) -> str:
    raw = json.dumps([order, key], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[str, str] | None:
    if not cursor:
        return None
    try:
        order, key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError) as e:
        raise BadCursor("not a cursor from a previous page") from e
    if not isinstance(order, str) or not isinstance(key, str):
        raise BadCursor("not a cursor from a previous page")
    return order, key


def _page(tx: Tx, coll: str, tags: list[str], cursor: str | None, limit: int,
          offset: int, before: str | None = None) -> tuple[list[Any], str | None]:
    rows = tx.page(coll, tags, decode_cursor(cursor), limit + 1, offset, before)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1][0], rows[-1][1]) if more and rows else None


def _tags(filters: dict[str, str | None]) -> list[str]:
    """The index tags of the filters given (the first one leads the query); all: ALL."""
    return [f"{name}:{value}" for name, value in filters.items() if value] or [ALL]


def _before(overdue_at: datetime | None) -> str | None:
    return None if overdue_at is None else overdue_before(overdue_at)


def facets(tx: Tx, coll: str, filters: dict[str, str | None],
           overdue_at: datetime | None, now: datetime) -> dict[str, dict[str, int]]:
    """How many items each value of each filter would list, the other filters applied (a
    value's count ignores the filter's own choice), and how many of them are overdue at
    `now`: a few indexed queries, whatever the list's length."""
    out: dict[str, dict[str, int]] = {}
    for name in filters:
        others = [t for t in _tags({k: v for k, v in filters.items() if k != name}) if t != ALL]
        found = tx.facets(coll, others, f"{name}:", _before(overdue_at))
        out[name] = {tag.split(":", 1)[1]: n for tag, n in sorted(found.items())}
    out["overdue"] = {"true": tx.count(coll, _tags(filters), overdue_before(now))}
    return out


NOTICE_FILTERS = ("status", "grade", "district", "cause")
QUEUE_FILTERS = ("kind", "grade", "district", "cause")


def notice_page(tx: Tx, *, status: str | None = None, grade: str | None = None,
                pending_for: str | None = None, district: str | None = None,
                cause: str | None = None, overdue_at: datetime | None = None,
                cursor: str | None = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """A page of notice summaries (SummaryView) matching every filter given; `overdue_at`:
    only the notices with a deadline still owed that has passed at that time."""
    tags = _tags({"status": status, "grade": grade, "pending": pending_for,
                  "district": district, "cause": cause})
    before = _before(overdue_at)
    rows, next_cursor = _page(tx, "notices", tags, cursor, limit, offset, before)
    return {"total": tx.count("notices", tags, before), "offset": offset, "limit": limit,
            "next_cursor": next_cursor, "items": [summary_view(doc) for _, _, doc in rows]}


def queue_page(tx: Tx, *, kind: str | None = None, grade: str | None = None,
               district: str | None = None, cause: str | None = None,
               overdue_at: datetime | None = None, cursor: str | None = None,
               limit: int = 500) -> dict[str, Any]:
    """A page of an agency's work queue, the most urgent first."""
    tags = _tags({"kind": kind, "grade": grade, "district": district, "cause": cause})
    before = _before(overdue_at)
    rows, next_cursor = _page(tx, "queue", tags, cursor, limit, 0, before)
    return {"items": [doc for _, _, doc in rows], "next_cursor": next_cursor,
            "total": tx.count("queue", tags, before)}
