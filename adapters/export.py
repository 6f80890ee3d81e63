"""CSV and Excel exports of the API's lists: `?format=csv|xlsx` or an `Accept` type.

An ASGI middleware: the route answers its JSON as usual, and for the routes in TABLES the
middleware turns the named list(s) of that JSON into a table — one row per item, nested
objects flattened (`actor.name`), lists joined — with Chinese headers. CSV is UTF-8 with a BOM
(Excel opens it as such) and keeps the JSON's text; Excel has a bold header row, widths, number
formats for amounts, percentages and counts, and times as dates in Beijing time.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from adapters.export_headers import HEADERS, SHEETS
from domain.messages import negotiate, render

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"csv": CSV, "xlsx": XLSX}
LOCAL = ZoneInfo("Asia/Shanghai")
AGENCY = "/api/v1/agencies"
# route template -> the JSON keys of the list(s) to export (each a sheet in Excel)
TABLES: dict[str, list[str]] = {
    f"{AGENCY}/{{agency}}/queue": ["items"],
    f"{AGENCY}/{{agency}}/dead-letters": ["items"],
    f"{AGENCY}/finance/ledger": ["fund_years", "approvals_waiting", "disbursements_waiting"],
    f"{AGENCY}/hrss/statistics": ["total", "by_month", "by_employer", "by_industry", "by_district"],
    f"{AGENCY}/hrss/rate-proposals": ["proposals"],
    f"{AGENCY}/hrss/action-items": ["items"],
    f"{AGENCY}/health/follow-ups": ["items"],
    f"{AGENCY}/safety/proposals": ["items"],
    f"{AGENCY}/safety/investigations": ["items"],
    "/api/v1/accident-notices": ["items"],
    "/api/v1/joint-inspections": ["items"],
    "/api/v1/joint-inspections/{inspection_id}": ["findings"],
    "/api/v1/joint-meetings": ["items"],
    "/api/v1/audit/events": ["items"],
    "/api/v1/audit/as-of/{agency}/queue": ["items"],
    "/api/v1/audit/sign-ins": ["items"],
    "/api/v1/audit/security-events": ["items"],
    "/api/v1/audit/access-log": ["items"],
}
AS_TEXT = {"payload", "done", "reinspection", "closed_on_spot"}  # nested objects kept whole, as JSON text


def flatten(item: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(item, dict):
        return {prefix or "value": item}
    out: dict[str, Any] = {}
    for key, value in item.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and key not in AS_TEXT:
            out.update(flatten(value, name))
        elif isinstance(value, dict):
            out[name] = json.dumps(value, ensure_ascii=False, sort_keys=True)
        elif isinstance(value, list):
            out[name] = "、".join(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                                  for v in value)
        else:
            out[name] = value
    return out


def tables(body: Any, keys: list[str]) -> list[tuple[str, list[dict[str, Any]]]]:
    """(sheet name, flat rows) for each exported list of the JSON body."""
    out = []
    for key in keys:
        value = body.get(key) if isinstance(body, dict) else None
        items = value if isinstance(value, list) else ([value] if isinstance(value, dict) else [])
        out.append((SHEETS.get(key, key), [flatten(i) for i in items]))
    return out


def columns(rows: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def header(column: str) -> str:
    """The Chinese header of a column (`actor.name` → 操作人姓名); the key itself if unknown."""
    if column in HEADERS:
        return HEADERS[column]
    head, _, tail = column.rpartition(".")
    if head:
        return f"{header(head)}·{HEADERS.get(tail, tail)}"
    return column


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_csv(sheets: list[tuple[str, list[dict[str, Any]]]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    several = len(sheets) > 1
    for name, rows in sheets:
        cols = columns(rows)
        if several:  # one file: each table after a line with its name
            writer.writerow([f"【{name}】"])
        writer.writerow([header(c) for c in cols])
        for row in rows:
            writer.writerow([text(row.get(c)) for c in cols])
        if several:
            writer.writerow([])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def cell(column: str, value: Any) -> tuple[Any, str | None]:
    """An Excel value and its number format."""
    if isinstance(value, bool) or value is None:
        return ("是" if value else "否") if isinstance(value, bool) else None, None
    if isinstance(value, int | float):
        return value, "0" if isinstance(value, int) else "0.00"
    if isinstance(value, str):
        last = column.rsplit(".", 1)[-1]
        if last.endswith(("_cny", "_pct")) or last in ("amount", "factor"):
            try:
                number = Decimal(value)
            except InvalidOperation:
                return value, None
            return number, "#,##0.00" if last.endswith("_cny") else "0.0##"
        if len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T":
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                return value, None
            if moment.tzinfo is not None:
                moment = moment.astimezone(LOCAL).replace(tzinfo=None)
            return moment, "yyyy-mm-dd hh:mm:ss"
        if len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
            try:
                return date.fromisoformat(value), "yyyy-mm-dd"
            except ValueError:
                return value, None
    return value, None


def _width(value: Any) -> int:
    s = text(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def to_xlsx(sheets: list[tuple[str, list[dict[str, Any]]]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for name, rows in sheets:
        sheet = book.create_sheet(name[:31])
        cols = columns(rows)
        sheet.append([header(c) for c in cols])
        for c in sheet[1]:
            c.font = Font(bold=True)
        widths = [_width(header(c)) for c in cols]
        for r, row in enumerate(rows, start=2):
            for i, col in enumerate(cols):
                value, fmt = cell(col, row.get(col))
                target = sheet.cell(row=r, column=i + 1, value=value)
                if fmt:
                    target.number_format = fmt
                widths[i] = max(widths[i], 19 if isinstance(value, datetime) else _width(value))
        for i, w in enumerate(widths):
            sheet.column_dimensions[get_column_letter(i + 1)].width = min(60, w + 2)
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
                   Awaitable[None]]


def wanted(scope: Scope) -> str | None:
    """csv or xlsx when the request asks for one (the query first, then Accept); else None."""
    raw: bytes = scope.get("query_string", b"")
    for key, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        if key == "format" and value in FORMATS:
            return str(value)
    accept = dict(scope.get("headers", [])).get(b"accept", b"").decode("latin-1")
    for fmt, mime in FORMATS.items():
        if mime in accept:
            return fmt
    return None


class Export:
    """ASGI middleware turning the JSON of the routes in TABLES into CSV or Excel on request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:
        fmt = wanted(scope) if scope["type"] == "http" and scope.get("method") == "GET" else None
        if fmt is None:
            await self.app(scope, receive, send)
            return
        query = [(k, v) for k, v in parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                                              keep_blank_values=True)
                 if not (k == "format" and v in FORMATS)]
        scope["query_string"] = urlencode(query).encode("latin-1")
        scope["headers"] = [(k, b"application/json" if k == b"accept" else v)
                            for k, v in scope.get("headers", [])]
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        keys = TABLES.get(getattr(scope.get("route"), "path", ""))
        status = start.get("status", 500)
        if status != 200:
            await self._send(send, status, [(k, v) for k, v in start.get("headers", [])
                                             if k.lower() != b"content-length"], body)
            return
        if keys is None:
            asked = dict(scope.get("headers") or []).get(b"accept-language", b"")
            lang = negotiate(asked.decode("latin-1"))
            await self._send(send, 406, [(b"content-type", b"application/json")], json.dumps({
                "detail": render("not_exportable", lang, {"format": fmt}),
                "code": "not_exportable"}, ensure_ascii=False).encode())
            return
        sheets = tables(json.loads(body), keys)
        data = to_csv(sheets) if fmt == "csv" else to_xlsx(sheets)
        name = scope["path"].removeprefix("/api/v1/").strip("/").replace("/", "-") or "export"
        mime = FORMATS[fmt] + ("; charset=utf-8" if fmt == "csv" else "")
        disposition = f'attachment; filename="{name}.{fmt}"'.encode("ascii", "replace")
        headers = [(b"content-type", mime.encode()), (b"content-disposition", disposition)]
        await self._send(send, 200, headers, data)

    @staticmethod
    async def _send(send: Callable[[Message], Awaitable[None]], status: int,
                    headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
