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
from typing import Any

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
          offset: int) -> tuple[list[Any], str | None]:
    rows = tx.page(coll, tags, decode_cursor(cursor), limit + 1, offset)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1][0], rows[-1][1]) if more and rows else None


def notice_page(tx: Tx, *, status: str | None = None, grade: str | None = None,
                pending_for: str | None = None, district: str | None = None,
                cursor: str | None = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """A page of notice summaries (SummaryView) matching every filter given."""
    tags = [ALL] if status is None else [f"status:{status}"]
    tags += [f"{name}:{value}" for name, value in
             (("grade", grade), ("pending", pending_for), ("district", district)) if value]
    rows, next_cursor = _page(tx, "notices", tags, cursor, limit, offset)
    return {"total": tx.count("notices", tags), "offset": offset, "limit": limit,
            "next_cursor": next_cursor, "items": [summary_view(doc) for _, _, doc in rows]}


def queue_page(tx: Tx, *, kind: str | None = None, cursor: str | None = None,
               limit: int = 500) -> dict[str, Any]:
    """A page of an agency's work queue, the most urgent first."""
    tags = [ALL] if kind is None else [f"kind:{kind}"]
    rows, next_cursor = _page(tx, "queue", tags, cursor, limit, 0)
    return {"items": [doc for _, _, doc in rows], "next_cursor": next_cursor,
            "total": tx.count("queue", tags)}
