"""The auditor's pages in a real browser, in both languages: the history filtered by a labelled
event type, an aggregate's timeline (who with role, Beijing time, field changes, the raw event
behind a disclosure), the state and a read model as of a log position, the CSV download, and no
horizontal scrolling on a 390 px phone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from tests.e2e.ui_support import UiServer, expect, sign_in
from tests.support import credit_code

ADMIN = Actor(id="admin-audit-ui", name="账号管理员", agency="hrss", role="admin")


def scenario(ui: UiServer, n: int) -> str:
    """A notice filed and acknowledged by two accounts (an employer of its own: a second notice
    of one employer within 12 months would make safety propose an inspection)."""
    c = ui.container
    people = {}
    for agency, name in (("safety", "郑晓"), ("hrss", "高远")):
        acc = c.accounts.add(ADMIN, name=name, agency=agency, role="liaison")
        people[agency] = Actor(id=acc["id"], name=name, agency=agency, role="liaison")
    filed = c.notices.file(
        people["safety"], Employer("审计时间线有限公司", credit_code(610 + n), "制造业", 3),
        Incident("晋安区", datetime.now(UTC) - timedelta(hours=1), "车间", "机械伤害", "mechanical"),
        Casualties(0, 1, 0, Decimal("20000")))
    c.notices.acknowledge(filed["id"], people["hrss"])
    c.drain()
    return str(filed["id"])


def no_horizontal_scroll(page: Any) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{page.url} scrolls sideways by {wide}px at 390px"


def test_auditor_reads_a_timeline_filters_and_looks_back(ui: UiServer, new_page: Any) -> None:
    notice = scenario(ui, 1)
    page = new_page()
    sign_in(page, ui, ui.token("finance", "auditor", name="审计员乙"))
    page.goto(f"{ui.url}/ui/audit?aggregate={notice}")
    events = page.get_by_test_id("events")
    expect(events.locator("tbody tr")).to_have_count(2)
    expect(events).to_contain_text("填报事故通报")
    first_position = int(events.locator("tbody tr").first.locator("td").first.inner_text())
    page.get_by_label("事件类型").select_option(label="确认收到通报")
    page.get_by_role("button", name="筛选").click()
    expect(events.locator("tbody tr")).to_have_count(1)
    expect(events).to_contain_text("确认收到通报")
    with page.expect_download() as info:
        page.get_by_role("link", name="下载审计日志（CSV）").click()
    assert info.value.suggested_filename.endswith(".csv")
    with open(info.value.path(), encoding="utf-8-sig") as f:
        assert "确认收到通报" in f.read()

    events.get_by_role("link", name=re.compile("v2")).click()
    timeline = page.get_by_test_id("timeline")
    acked = timeline.locator("li[data-version='2']")
    expect(acked).to_contain_text("确认收到通报")
    expect(acked.get_by_test_id("who")).to_have_text("高远 · 人社局 · 联络员")
    expect(acked.locator("time")).to_have_text(re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}$"))
    expect(acked.locator("tr[data-field='acknowledgements'] td.after")).to_contain_text("人社局")
    filed = timeline.locator("li[data-version='1']")
    expect(filed.locator("tr[data-field='grade'] td.after")).to_have_text("→ 一般")
    raw = acked.locator("details pre")
    expect(raw).to_be_hidden()
    acked.get_by_text("原始事件数据（JSON）").click()
    expect(raw).to_be_visible()
    expect(raw).to_contain_text('"event_type": "AccidentNotice.Acknowledged"')

    page.get_by_label("日志序号").fill(str(first_position))
    page.get_by_role("button", name="查看该时点状态").click()
    expect(page.get_by_test_id("state-heading")).to_contain_text("第 1 版，共 2 版")
    expect(timeline.locator("li[data-version='2']")).to_contain_text("该时点之后")

    page.goto(f"{ui.url}/ui/audit/as-of")
    page.get_by_label("部门").select_option("hrss")
    page.get_by_label("日志序号").fill(str(first_position))
    page.get_by_role("button", name="重建并查看").click()
    expect(page.get_by_test_id("asof-queue").locator(f"tr[data-notice='{notice}']")).to_contain_text(
        "审计时间线有限公司")


def test_the_auditor_pages_in_english_and_on_a_phone(ui: UiServer, new_page: Any) -> None:
    notice = scenario(ui, 2)
    page = new_page()
    sign_in(page, ui, ui.token("finance", "auditor", name="Auditor B"), lang="en")
    page.goto(f"{ui.url}/ui/audit/aggregates/{notice}")
    acked = page.get_by_test_id("timeline").locator("li[data-version='2']")
    expect(acked).to_contain_text("Notice acknowledged")
    expect(acked.get_by_test_id("who")).to_have_text("高远 · HRSS · liaison")
    expect(acked.locator("time")).to_have_text(re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$"))
    acked.get_by_text("Raw event (JSON)").click()
    expect(acked.locator("details pre")).to_be_visible()
    expect(acked.locator("table.changes")).to_contain_text("Acknowledgements")

    phone = new_page(width=390, height=844)
    sign_in(phone, ui, ui.token("finance", "auditor", name="审计员乙"))
    for path in ("/ui/audit", f"/ui/audit/aggregates/{notice}",
                 "/ui/audit/as-of?agency=hrss&position=1", "/ui/inspections"):
        phone.goto(ui.url + path)
        no_horizontal_scroll(phone)
    button = phone.get_by_role("button", name="筛选")
    phone.goto(f"{ui.url}/ui/audit")
    box = button.bounding_box()
    assert box and box["height"] >= 40
    summary = phone.locator("details summary").first
    box = summary.bounding_box()
    assert box and box["height"] >= 40
