"""The lists' filters as the pages take them (`?grade=major&overdue=1&cursor=…`): read from the
query (unknown values dropped, so a hand-edited address never errors), handed to
services/notice_list.py, and offered back with a count per value ("重大 (3)")."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from domain.vocabulary import CAUSES, GRADES, NOTICE_STATUSES

# filter -> the values it takes (None: any short text, e.g. a district or a queue item's kind)
KNOWN: dict[str, tuple[str, ...] | None] = {
    "status": NOTICE_STATUSES, "grade": GRADES, "cause": CAUSES, "district": None, "kind": None,
}
PAGE = 100  # items per page unless `limit` says otherwise (1 to 500)


def read(request: Request, names: tuple[str, ...]) -> dict[str, str | None]:
    """The chosen value of each filter (None: all)."""
    out: dict[str, str | None] = {}
    for name in names:
        value = (request.query_params.get(name) or "").strip()
        allowed = KNOWN.get(name)
        ok = value and len(value) <= 100 and (allowed is None or value in allowed)
        out[name] = value if ok else None
    return out


def overdue(request: Request) -> bool:
    return request.query_params.get("overdue") in ("1", "true", "on")


def limit(request: Request) -> int:
    raw = request.query_params.get("limit", "")
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= 500 else PAGE


def query(chosen: dict[str, str | None], is_overdue: bool, **more: Any) -> str:
    """The query string of these filters (what a download or the next page keeps)."""
    pairs = [(k, v) for k, v in chosen.items() if v]
    if is_overdue:
        pairs.append(("overdue", "1"))
    pairs += [(k, str(v)) for k, v in more.items() if v]
    return urlencode(pairs)


def choices(chosen: dict[str, str | None], counts: dict[str, dict[str, int]]
            ) -> list[dict[str, Any]]:
    """Each filter's options for the page: its value, count and whether chosen. A fixed value
    set lists every value (zero counts too); a free one what the index holds, plus the chosen."""
    out = []
    for name, value in chosen.items():
        found = counts.get(name, {})
        values = list(KNOWN.get(name) or found)
        if value and value not in values:
            values.append(value)
        out.append({"name": name, "chosen": value,
                    "options": [{"value": v, "count": found.get(v, 0)} for v in values]})
    return out
