"""Inspector and auditor pages in a real browser: an inspection from draw to completion, and a
notice as it was at a past moment."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from adapters.accounts import Accounts
from adapters.web.i18n import TZ
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from tests.e2e.ui_support import UiServer, expect, sign_in
from tests.support import credit_code

ADMIN = Actor(id="admin-1", name="名录管理员", agency="safety", role="admin")


def seed_registers(ui: UiServer) -> None:
    regs = ui.container.registers
    regs.put("inspectors", ADMIN, [
        {"id": "insp-s1", "name": "张安", "agency": "safety"},
        {"id": "insp-s2", "name": "赵强", "agency": "safety"},
        {"id": "insp-h1", "name": "陈卫", "agency": "health"},
        {"id": "insp-h2", "name": "刘康", "agency": "health"}])
    regs.put("employers", ADMIN, [{"credit_code": credit_code(500 + n), "name": f"抽查单位{n}号"}
                                  for n in range(1, 6)])


def test_inspector_schedules_by_draw_records_findings_and_completes(
        ui: UiServer, new_page: Any) -> None:
    seed_registers(ui)
    page = new_page()
    token = ui.token("safety", "inspector", name="张安")
    sign_in(page, ui, token)
    expect(page).to_have_url(re.compile("/ui/inspections"))
    expect(page).to_have_title(re.compile("检查日历"))
    page.get_by_role("link", name="安排检查").click()
    page.get_by_label("检查主题").fill("有限空间作业专项检查")
    page.get_by_label("卫健委", exact=True).check()
    page.get_by_label("双随机抽取").check()
    page.get_by_label("抽取对象数").fill("2")
    page.get_by_label("抽取人员数").fill("2")
    page.get_by_label("随机种子（可留空）").fill("seed-2026")
    page.get_by_role("button", name="安排检查").click()
    expect(page.get_by_test_id("seed")).to_have_text("seed-2026")
    expect(page.locator("main")).to_contain_text("抽取可复核")
    expect(page.get_by_test_id("status")).to_have_text("已安排")
    # 张安's account acts for the safety inspector the draw booked (an admin linked them)
    inspection = ui.container.inspections.get(UUID(page.url.split("/")[-1].split("?")[0]))
    drawn = next(p["id"] for p in inspection["inspectors"] if p["agency"] == "safety")
    account = Accounts(ui.container.store("api")).authenticate(ui.token("safety", "inspector", "张安"))
    assert account is not None
    ui.container.registers.link_account(ADMIN, drawn, account)
    page.reload()

    page.get_by_role("button", name="开始检查").click()
    expect(page.get_by_test_id("status")).to_have_text("进行中")
    page.get_by_label("隐患").fill("受限空间未设置通风设备")
    page.get_by_label("严重程度").select_option("major")
    page.get_by_label("法律依据").fill("《安全生产法》第四十一条")
    page.get_by_role("button", name="记录发现").click()
    finding = page.get_by_test_id("finding-1")
    expect(finding).to_contain_text("受限空间未设置通风设备")
    finding.get_by_role("button", name="责令整改").click()
    expect(finding).to_contain_text(str((datetime.now(UTC) + timedelta(days=7)).astimezone(TZ).day))
    expect(finding).not_to_have_class(re.compile("overdue"))

    ui.clock.offset = timedelta(days=8)  # past the rectification deadline
    try:
        here = page.url
        sign_in(page, ui, token)  # eight days on, the session has timed out
        page.goto(here)
        expect(finding).to_have_class(re.compile("overdue-finding"))
        expect(finding).to_contain_text("整改逾期")
        page.goto(f"{ui.url}/ui/inspections")
        expect(page.get_by_test_id("overdue-rectifications")).to_contain_text("受限空间未设置通风设备")
        page.go_back()
    finally:
        ui.clock.offset = timedelta(0)
    page.reload()
    page.get_by_test_id("finding-1").get_by_role("button", name="记录复查").click()
    expect(page.get_by_test_id("finding-1")).to_contain_text("已整改")
    page.get_by_label("检查小结").fill("整改到位")
    page.get_by_role("button", name="完成检查").click()
    expect(page.get_by_test_id("status")).to_have_text("已完成")

    page.get_by_role("link", name="检查日历").click()
    today = datetime.now(UTC).astimezone(TZ).date().isoformat()
    cell = page.locator(f"td[data-day='{today}']")
    expect(cell).to_contain_text("有限空间作业专项检查")
    expect(cell.locator(".people li")).to_have_count(2)


def test_auditor_views_a_notice_as_of_a_past_moment_verifies_and_downloads(
        ui: UiServer, new_page: Any) -> None:
    liaison = Actor(id="hrss-aud", name="审计前的联络员", agency="hrss", role="liaison")
    now = datetime.now(UTC)
    filed = ui.container.notices.file(
        liaison, Employer("时点回看有限公司", credit_code(601), "制造业", 3),
        Incident("仓山区", now - timedelta(hours=1), "仓库", "货架倒塌", "struck_by"),
        Casualties(0, 0, 0, Decimal("1000")))
    notice_id = str(filed["id"])
    time.sleep(1.1)
    moment = datetime.now(UTC).replace(microsecond=0)
    time.sleep(0.2)
    ui.container.notices.acknowledge(filed["id"], liaison)

    page = new_page()
    sign_in(page, ui, ui.token("finance", "auditor", name="审计员甲"))
    expect(page).to_have_url(re.compile("/ui/audit"))
    page.get_by_label("对象编号").fill(notice_id)
    page.get_by_role("button", name="筛选").click()
    events = page.get_by_test_id("events")
    expect(events.locator("tbody tr")).to_have_count(2)
    expect(events).to_contain_text("AccidentNotice.Acknowledged")
    events.get_by_role("link", name=re.compile("v1")).click()

    page.get_by_label("查看时点").fill(moment.astimezone(TZ).strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_role("button", name="查看该时点状态").click()
    expect(page.get_by_test_id("state-heading")).to_contain_text("第 1 版，共 2 版")
    expect(page.get_by_test_id("state").locator("td[data-field='acknowledgements']")).to_have_text("—")
    after = page.get_by_test_id("timeline").locator("li[data-version='2']")
    expect(after).to_contain_text("该时点之后")
    expect(page.get_by_test_id("timeline").locator("li[data-version='1']")).not_to_contain_text("该时点之后")

    page.goto(f"{ui.url}/ui/audit")
    page.get_by_role("button", name="校验哈希链").click()
    expect(page.get_by_test_id("verification")).to_contain_text("校验通过")
    with page.expect_download() as info:
        page.get_by_role("link", name="下载审计报告（HTML）").click()
    download = info.value
    assert download.suggested_filename.endswith(".html")
    with open(download.path(), encoding="utf-8") as f:
        assert "<html" in f.read().lower()
