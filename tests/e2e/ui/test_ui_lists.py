"""Issue 15 ("working in volume") and 17 in a real browser, in Chinese and in English: the
notice list and the queue filtered by grade, status, district, cause and overdue only, with a
count per value, most urgent first, paged by cursor; and the download buttons, whose CSV and
Excel files hold the same rows as the API's JSON."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from openpyxl import load_workbook

from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from tests.e2e.ui_support import UiServer, expect, sign_in
from tests.support import credit_code

HRSS = Actor(id="seed-hrss", name="李华", agency="hrss", role="liaison")
A, B = "仓山区", "马尾区"


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiServer]:
    """A server of its own, with five notices: the counts below are of these alone."""
    server = UiServer(tmp_path_factory.mktemp("ui-lists") / "var").start()
    c = server.container

    def file(n: int, district: str, cause: str, deaths: int, minutes_ago: int) -> str:
        server.clock.offset = -timedelta(minutes=minutes_ago)
        try:
            return str(c.notices.file(
                HRSS, Employer(f"列表测试{n}号公司", credit_code(800 + n), "制造业", 3),
                Incident(district, server.clock() - timedelta(minutes=5), "车间", "事故经过",
                         cause), Casualties(deaths, 0, 0, Decimal("1000")))["id"])
        finally:
            server.clock.offset = timedelta(0)

    server.ids = {  # type: ignore[attr-defined]
        "late1": file(1, A, "fall", 0, 80),   # safety's hour has passed: overdue, the most
        "late2": file(2, A, "fire", 10, 70),  # overdue, 重大
        "now": file(3, A, "fall", 0, 0),
        "other": file(4, B, "fall", 3, 0),    # 较大, another district
        "gone": file(5, A, "fire", 0, 0),
    }
    c.notices.withdraw(UUID(server.ids["gone"]), HRSS, "重复填报")  # type: ignore[attr-defined]
    c.fund_years.open(Actor("f-1", "财务", "finance", "liaison"), 2026, Decimal("80000000"))
    c.drain()
    yield server
    server.stop()
    server.container.close()


def api(ui: UiServer, path: str, agency: str = "safety") -> httpx.Response:
    r = httpx.get(ui.url + path, headers={"Authorization": f"Bearer {ui.token(agency)}"})
    assert r.status_code == 200, r.text
    return r


def option(page: Any, name: str, value: str) -> Any:
    return page.locator(f"#filter-{name} option[value='{value}']")


def rows(page: Any) -> list[str]:
    found = page.get_by_test_id("notice-row")
    return [found.nth(i).get_attribute("data-notice") for i in range(found.count())]


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_notice_list_filters_with_a_count_per_value_urgent_first_and_pages(
        ui: UiServer, new_page: Any, lang: str) -> None:
    ids = ui.ids  # type: ignore[attr-defined]
    zh = lang == "zh-CN"
    page = new_page()
    sign_in(page, ui, ui.token("safety"), lang=lang)
    page.goto(f"{ui.url}/ui/notices")
    expect(option(page, "district", A)).to_have_text(f"{A} (4)")
    expect(option(page, "grade", "major")).to_have_text("重大 (1)" if zh else "major (1)")
    page.get_by_label("区县" if zh else "District").select_option(A)
    page.get_by_role("button", name="筛选" if zh else "Apply filters").click()
    expect(page.get_by_test_id("total")).to_contain_text("共 4 项" if zh else "4 item(s)")
    # each value's count among 仓山区's notices (a filter's own choice aside)
    expect(option(page, "grade", "ordinary")).to_have_text("一般 (3)" if zh else "ordinary (3)")
    expect(option(page, "grade", "large")).to_have_text("较大 (0)" if zh else "large (0)")
    expect(option(page, "status", "withdrawn")).to_have_text("已撤回 (1)" if zh else "withdrawn (1)")
    expect(option(page, "cause", "fire")).to_have_text("火灾 (2)" if zh else "fire (2)")
    expect(option(page, "district", B)).to_have_text(f"{B} (1)")
    expect(page.get_by_test_id("overdue-count")).to_have_text(
        "仅看逾期 (2)" if zh else "Overdue only (2)")
    assert rows(page) == [ids["late1"], ids["late2"], ids["now"], ids["gone"]]  # most urgent first
    page.get_by_label("仅看逾期" if zh else "Overdue only").check()
    page.get_by_role("button", name="筛选" if zh else "Apply filters").click()
    assert rows(page) == [ids["late1"], ids["late2"]]
    page.get_by_label("事故类别" if zh else "Cause").select_option("fire")
    page.get_by_role("button", name="筛选" if zh else "Apply filters").click()
    assert rows(page) == [ids["late2"]]
    page.goto(f"{ui.url}/ui/notices?district={A}&limit=3")  # paging keeps the filters
    first = rows(page)
    page.get_by_role("link", name="下一页" if zh else "Next page").click()
    assert first + rows(page) == [ids["late1"], ids["late2"], ids["now"], ids["gone"]]
    expect(page.get_by_role("link", name="下一页" if zh else "Next page")).to_have_count(0)
    page.get_by_role("link", name="回到第一页" if zh else "First page").click()
    assert rows(page) == first


def test_the_queue_filters_overdue_only_and_by_district(ui: UiServer, new_page: Any) -> None:
    ids = ui.ids  # type: ignore[attr-defined]
    page = new_page()
    sign_in(page, ui, ui.token("safety"))
    page.goto(f"{ui.url}/ui/queue")
    expect(page.get_by_test_id("overdue-count")).to_have_text("仅看逾期 (2)")
    expect(option(page, "district", B)).to_have_text(f"{B} (1)")
    page.get_by_label("仅看逾期").check()
    page.get_by_role("button", name="筛选").click()
    items = page.get_by_test_id("queue-item")
    expect(items).to_have_count(2)
    assert [items.nth(i).get_attribute("data-notice") for i in range(2)] == [ids["late1"],
                                                                             ids["late2"]]
    page.goto(f"{ui.url}/ui/queue?district={B}")
    expect(items).to_have_count(1)
    expect(items.first).to_have_attribute("data-notice", ids["other"])


def download(page: Any, name: str, tmp: Path) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=name).click()
    target = tmp / info.value.suggested_filename
    info.value.save_as(target)
    return target.read_bytes()


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_downloads_hold_the_same_rows_as_the_apis_json(
        ui: UiServer, new_page: Any, lang: str, tmp_path: Path) -> None:
    zh = lang == "zh-CN"
    csv_button, xlsx_button = ("下载 CSV", "下载 Excel") if zh else ("Download CSV",
                                                                   "Download Excel")
    page = new_page()
    sign_in(page, ui, ui.token("safety"), lang=lang)
    page.goto(f"{ui.url}/ui/notices?district={A}&overdue=1")
    json_items = api(ui, f"/api/v1/accident-notices?district={A}&overdue=true").json()["items"]
    assert len(json_items) == 2
    table = csv_rows(download(page, csv_button, tmp_path))
    col = table[0].index("编号")
    assert [r[col] for r in table[1:]] == [i["id"] for i in json_items]
    assert [r[table[0].index("用人单位名称")] for r in table[1:]] == [
        i["employer_name"] for i in json_items]
    assert download(page, csv_button, tmp_path) == api(
        ui, f"/api/v1/accident-notices?district={A}&overdue=true&format=csv").content
    sheet = load_workbook(io.BytesIO(download(page, xlsx_button, tmp_path))).active
    values = list(sheet.values)
    assert [r[values[0].index("编号")] for r in values[1:]] == [i["id"] for i in json_items]

    page.goto(f"{ui.url}/ui/queue?overdue=1")
    queue = api(ui, "/api/v1/agencies/safety/queue?overdue=true").json()["items"]
    table = csv_rows(download(page, csv_button, tmp_path))
    assert [r[table[0].index("通报编号")] for r in table[1:]] == [i["notice_id"] for i in queue]


def test_the_ledger_and_statistics_download_what_the_api_answers(
        ui: UiServer, new_page: Any, tmp_path: Path) -> None:
    finance = new_page()
    sign_in(finance, ui, ui.token("finance"))
    finance.goto(f"{ui.url}/ui/ledger")
    book = load_workbook(io.BytesIO(download(finance, "下载 Excel", tmp_path)))
    years = api(ui, "/api/v1/agencies/finance/ledger", "finance").json()["fund_years"]
    sheet = list(book.worksheets[0].values)
    assert len(sheet) == 1 + len(years) == 2
    assert sheet[1][sheet[0].index("年度")] == years[0]["year"] == 2026
    hrss = new_page()
    sign_in(hrss, ui, ui.token("hrss"))
    hrss.goto(f"{ui.url}/ui/statistics")
    year = api(ui, "/api/v1/agencies/hrss/statistics", "hrss").json()["year"]
    assert download(hrss, "下载 CSV", tmp_path) == api(
        ui, f"/api/v1/agencies/hrss/statistics?year={year}&format=csv", "hrss").content
    hrss.goto(f"{ui.url}/ui/rate-proposals")
    assert download(hrss, "下载 CSV", tmp_path) == api(
        ui, "/api/v1/agencies/hrss/rate-proposals?format=csv", "hrss").content


def test_inspections_proposals_and_meetings_download_what_the_api_answers(
        ui: UiServer, new_page: Any, tmp_path: Path) -> None:
    page = new_page()
    sign_in(page, ui, ui.token("safety", "inspector"))
    page.goto(f"{ui.url}/ui/inspections")
    served = api(ui, "/api/v1/agencies/safety/proposals?status=proposed&format=csv").content
    mine = download(page, "下载 CSV · 应急管理局的检查建议", tmp_path)
    assert mine == served
    table = csv_rows(mine)  # the proposals of the 重大 and the 较大 notice
    ids = ui.ids  # type: ignore[attr-defined]
    assert {r[table[0].index("通报编号")] for r in table[1:]} == {ids["late2"], ids["other"]}
    assert download(page, "下载 CSV · 联合检查", tmp_path) == api(
        ui, "/api/v1/joint-inspections?format=csv").content
    page.goto(f"{ui.url}/ui/meetings")
    assert download(page, "下载 CSV", tmp_path) == api(
        ui, "/api/v1/joint-meetings?format=csv").content
