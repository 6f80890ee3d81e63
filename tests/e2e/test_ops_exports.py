"""?format=csv|xlsx (or Accept) on the lists: opened with csv and openpyxl, compared with the JSON."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from adapters.export import XLSX, flatten, header, text
from tests.e2e.conftest import Api
from tests.e2e.test_inspection_api import URL as INSPECTIONS
from tests.e2e.test_inspection_api import body as inspection_body
from tests.e2e.test_inspection_api import seed_register
from tests.integration.test_rebuild_agencies import make_mixed_history
from tests.support import ManualClock, credit_code

AUDITOR = ("hrss", "auditor")


@pytest.fixture
def filled(api: Api, clock: ManualClock) -> dict[str, Any]:
    make_mixed_history(api.container, clock, notices=12, projects=4, seed=5)
    seed_register(api)  # hand-chosen inspectors come from the register; the account is booked
    h = api.auth("safety", "inspector")
    iid = api.client.post(INSPECTIONS, json=inspection_body(clock), headers=h).json()["id"]
    assert api.client.post(f"{INSPECTIONS}/{iid}/start", headers=h).status_code == 200
    for hazard in ("有限空间未设置警示标识", "配电箱无防护"):
        assert api.client.post(f"{INSPECTIONS}/{iid}/findings", headers=h, json={
            "employer_credit_code": credit_code(1), "hazard": hazard, "severity": "major",
            "legal_basis": "《安全生产法》第三十五条"}).status_code == 201
    api.container.drain()
    return {"inspection": iid}


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the file as UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def flat_rows(items: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    rows = [flatten(i) for i in items]
    cols: dict[str, None] = {}
    for r in rows:
        cols.update(dict.fromkeys(r))
    return list(cols), rows


def same_cell(json_value: Any, value: Any) -> bool:
    if json_value is None or json_value == "":
        return value is None or value == ""
    if isinstance(json_value, bool):
        return value == ("是" if json_value else "否")
    if isinstance(value, datetime) and len(json_value) == 10:  # a date: Excel has no date-only cell
        return value.date().isoformat() == json_value and value.time().hour == 0
    if isinstance(value, datetime):
        expected = datetime.fromisoformat(json_value).astimezone(ZoneInfo("Asia/Shanghai"))
        return abs(value - expected.replace(tzinfo=None)) < timedelta(milliseconds=1)  # Excel: ms
    if isinstance(value, int | float | Decimal) and not isinstance(json_value, int | float):
        return Decimal(str(value)) == Decimal(json_value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat()) == json_value
    return bool(value == json_value)


EXPORTS = [
    ("/api/v1/agencies/safety/queue", ("safety", "liaison"), "items", "用人单位名称"),
    ("/api/v1/agencies/finance/queue", ("finance", "liaison"), "items", "截止时间"),
    ("/api/v1/accident-notices", ("safety", "liaison"), "items", "事故等级"),
    ("/api/v1/agencies/hrss/statistics", ("hrss", "liaison"), "by_month", "同比变化（%）"),
    ("/api/v1/agencies/finance/ledger", ("finance", "liaison"), "fund_years", "剩余额度（元）"),
    ("/api/v1/agencies/hrss/rate-proposals", ("hrss", "liaison"), "proposals", "建议费率（%）"),
    ("/api/v1/agencies/health/follow-ups", ("health", "liaison"), "items", "随访结果"),
    ("/api/v1/joint-inspections", ("safety", "inspector"), "items", "检查主题"),
    ("/api/v1/joint-inspections/{inspection}", ("safety", "inspector"), "findings", "隐患"),
    ("/api/v1/audit/events", AUDITOR, "items", "事件类型"),
]


def test_csv_and_xlsx_equal_the_json(api: Api, filled: dict[str, Any]) -> None:
    for path, who, key, a_header in EXPORTS:  # one scenario for all: it takes a while to make
        check(api, path.format(**filled), who, key, a_header)


def check(api: Api, path: str, who: tuple[str, str], key: str, a_header: str) -> None:
    h = api.auth(*who)
    body = api.client.get(path, headers=h).json()
    items = body[key] if isinstance(body[key], list) else [body[key]]
    assert items, f"{path} has nothing to export in this scenario"
    cols, rows = flat_rows(items)
    assert a_header in [header(c) for c in cols]

    got = api.client.get(path, params={"format": "csv"}, headers=h)
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("text/csv")
    assert "attachment" in got.headers["content-disposition"]
    table = csv_rows(got.content)
    if table[0][0].startswith("【"):  # several tables in one file: take this one
        start = table.index([f"【{_sheet(key)}】"]) + 1
        end = table.index([], start)
        table = table[start:end]
    assert table[0] == [header(c) for c in cols]
    assert table[1:] == [[text(r.get(c)) for c in cols] for r in rows]

    got = api.client.get(path, headers={**h, "Accept": XLSX})  # the Accept type works too
    assert got.status_code == 200 and got.headers["content-type"] == XLSX
    book = load_workbook(io.BytesIO(got.content))
    sheet = book[_sheet(key)]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == [header(c) for c in cols]
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"
    assert len(values) == len(rows) + 1
    for r, row in zip(values[1:], rows, strict=True):
        for c, value in zip(cols, r, strict=True):
            assert same_cell(row.get(c), value), (path, c, row.get(c), value)
    for i, c in enumerate(cols):
        letter = sheet.cell(row=1, column=i + 1).column_letter
        assert (sheet.column_dimensions[letter].width or 0) >= 4
        if c.endswith("_cny") and rows[0].get(c):
            assert sheet.cell(row=2, column=i + 1).number_format == "#,##0.00"


def _sheet(key: str) -> str:
    from adapters.export_headers import SHEETS

    return SHEETS.get(key, key)


def test_a_resource_without_a_table_is_406_and_errors_stay_json(api: Api, filled: dict[str, Any]) -> None:
    h = api.auth("safety", "liaison")
    en = {**h, "Accept-Language": "en"}
    no = api.client.get("/api/v1/transport/status", params={"format": "csv"}, headers=en)
    assert no.status_code == 406 and "cannot be exported" in no.json()["detail"]
    assert no.json()["code"] == "not_exportable"
    zh = api.client.get("/api/v1/transport/status", params={"format": "csv"}, headers=h)
    assert zh.json() == {"detail": "此资源不能导出为 csv", "code": "not_exportable"}
    denied = api.client.get("/api/v1/agencies/hrss/statistics", params={"format": "xlsx"},
                            headers=en)
    assert denied.status_code == 403 and "hrss" in denied.json()["detail"]
    unauthenticated = api.client.get("/api/v1/agencies/safety/queue", params={"format": "csv"})
    assert unauthenticated.status_code == 401
    plain = api.client.get("/api/v1/audit/events", params={"format": "ndjson", "limit": 2},
                           headers=api.auth(*AUDITOR))
    assert plain.status_code == 200 and plain.headers["content-type"] == "application/x-ndjson"
