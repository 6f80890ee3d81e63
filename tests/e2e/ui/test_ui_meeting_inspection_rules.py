"""Issue 12's meeting and inspection rules as a user meets them in a real browser: nothing of a
meeting before its day, the quorum shown and applied, the absent member's queue, 已闭会; only
the booked inspectors act, no start before the window, severities and on-the-spot closure."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from uuid import UUID

from adapters.accounts import Accounts
from domain.common import Actor, beijing_date
from tests.e2e.ui_support import UiServer, expect, sign_in
from tests.support import credit_code

ADMIN = Actor(id="admin-mi", name="名录管理员", agency="safety", role="admin")


def test_a_meeting_waits_for_its_day_needs_a_quorum_and_binds_the_absent(
        ui: UiServer, new_page: Any) -> None:
    tomorrow = beijing_date(ui.clock()) + timedelta(days=1)
    page = new_page()
    sign_in(page, ui, ui.token("hrss", "liaison", name="召集人李强"))
    page.goto(f"{ui.url}/ui/meetings")
    page.get_by_label("会议名称").fill("第三季度工伤预防联席会议")
    page.get_by_label("会议日期").fill(tomorrow.isoformat())
    page.get_by_label("议程（每行一项）").fill("通报事故\n部署检查")
    page.get_by_label("财政局", exact=True).uncheck()
    page.get_by_label("人社局", exact=True).uncheck()  # the convener is a member all the same
    page.get_by_role("button", name="召开联席会议").click()
    expect(page.get_by_test_id("meeting-status")).to_have_text("已召开")
    quorum = page.get_by_test_id("quorum")
    expect(quorum).to_contain_text("决议须有过半数成员单位出席")
    expect(quorum).to_contain_text("成员 3 个，已出席 0 个，至少需 2 个")
    expect(page.get_by_test_id("not-before-day")).to_contain_text("会议当日")
    expect(page.get_by_role("button", name="登记出席")).to_have_count(0)
    expect(page.get_by_role("button", name="通过决议")).to_have_count(0)
    expect(page.get_by_role("button", name="发布纪要")).to_have_count(0)
    meeting_url = page.url.split("?")[0]

    ui.clock.offset = timedelta(days=1)  # the meeting's day
    try:
        sign_in(page, ui, ui.token("hrss", "liaison", name="召集人李强"))  # the session timed out
        page.goto(meeting_url)
        expect(page.get_by_test_id("not-before-day")).to_have_count(0)
        options = page.locator("#f-att-agency option")
        expect(options).to_have_text(["卫健委", "人社局", "应急管理局"])
        expect(page.locator("#f-i1-agency option")).to_have_text(["卫健委", "人社局", "应急管理局"])

        def attend(agency: str, present: bool, who: str = "") -> None:
            page.locator("#f-att-agency").select_option(agency)
            page.locator("#f-att-present").select_option("true" if present else "false")
            page.get_by_label("出席人（逗号分隔）").fill(who)
            page.get_by_role("button", name="登记出席").click()

        attend("hrss", True, "李强")
        attend("health", False)
        page.get_by_label("决议内容").fill("开展危化品专项整治")
        page.locator("#f-i1-agency").select_option("health")
        page.locator("#f-i1-desc").fill("组织职业健康检查")
        page.locator("#f-i1-due").fill((tomorrow + timedelta(days=20)).isoformat())
        page.get_by_role("button", name="通过决议").click()
        expect(page.get_by_role("alert")).to_contain_text("决议须达到法定人数")  # not English
        expect(page.get_by_role("alert")).not_to_contain_text("quorum")
        attend("safety", True, "王敏")
        expect(page.get_by_test_id("quorum")).to_contain_text("已达法定人数")
        page.get_by_label("决议内容").fill("开展危化品专项整治")
        page.locator("#f-i1-agency").select_option("health")
        page.locator("#f-i1-desc").fill("组织职业健康检查")
        page.locator("#f-i1-due").fill((tomorrow + timedelta(days=20)).isoformat())
        page.get_by_role("button", name="通过决议").click()
        expect(page.locator("article.resolution")).to_contain_text("组织职业健康检查")

        ui.container.drain()
        health = new_page()
        sign_in(health, ui, ui.token("health", "liaison", name="缺席的卫健委联络员"))
        health.goto(f"{ui.url}/ui/queue")
        items = health.get_by_test_id("queue-item")
        expect(items.filter(has_text="组织职业健康检查")).to_have_count(1)
        expect(items.filter(has_text="开展危化品专项整治")).to_have_count(1)
        expect(items.filter(has_text="组织职业健康检查")).to_contain_text("联席会议待办事项")

        page.locator("#f-min").fill("会议纪要：部署危化品专项整治。")
        page.get_by_role("button", name="发布纪要").click()
        page.get_by_role("button", name="闭会").click()
        expect(page.get_by_test_id("meeting-status")).to_have_text("已闭会")
        page.goto(f"{ui.url}/ui/meetings")
        expect(page.locator("main")).to_contain_text("已闭会")
        expect(page.locator("main")).not_to_contain_text("已结案")
    finally:
        ui.clock.offset = timedelta(0)


def _link(ui: UiServer, token: str, key: str) -> None:
    account = Accounts(ui.container.store("api")).authenticate(token)
    assert account is not None
    ui.container.registers.link_account(ADMIN, key, account)


def test_only_the_booked_inspectors_act_within_the_window_by_severity(
        ui: UiServer, new_page: Any) -> None:
    regs = ui.container.registers
    regs.put("inspectors", ADMIN, [{"id": "mi-s1", "name": "林检", "agency": "safety"},
                                   {"id": "mi-s2", "name": "郑检", "agency": "safety"},
                                   {"id": "mi-h1", "name": "黄检", "agency": "health"}])
    booked, other = ui.token("safety", "inspector", "林检"), ui.token("safety", "inspector", "郑检")
    _link(ui, booked, "mi-s1")
    _link(ui, other, "mi-s2")
    tomorrow = beijing_date(ui.clock()) + timedelta(days=1)
    lin = Accounts(ui.container.store("api")).authenticate(booked)
    assert lin is not None
    iid = ui.container.inspections.schedule(
        lin, theme="粉尘涉爆专项检查", starts_on=tomorrow, ends_on=tomorrow + timedelta(days=1),
        lead_agency="safety", agencies=["safety", "health"],
        inspectors=[{"id": "mi-s1", "name": "林检", "agency": "safety"},
                    {"id": "mi-h1", "name": "黄检", "agency": "health"}],
        targets=[{"credit_code": credit_code(700), "name": "榕城木业有限公司"}])["id"]

    stranger = new_page()
    sign_in(stranger, ui, other)
    stranger.goto(f"{ui.url}/ui/inspections/{iid}")
    expect(stranger.get_by_test_id("only-booked")).to_contain_text("只有本次检查安排的检查人员")
    expect(stranger.get_by_role("button", name="开始检查")).to_have_count(0)
    expect(stranger.get_by_role("button", name="取消检查")).to_have_count(0)

    page = new_page()
    sign_in(page, ui, booked)
    page.goto(f"{ui.url}/ui/inspections/{iid}")
    expect(page.get_by_test_id("only-booked")).to_have_count(0)
    expect(page.get_by_test_id("not-before-window")).to_contain_text("开始前不能开始检查")
    expect(page.get_by_role("button", name="开始检查")).to_have_count(0)

    ui.clock.offset = timedelta(days=1)  # the window's first day
    try:
        sign_in(page, ui, booked)  # a day on, the session has timed out
        page.goto(f"{ui.url}/ui/inspections/{iid}")
        page.get_by_role("button", name="开始检查").click()
        expect(page.get_by_test_id("status")).to_have_text("进行中")
        expect(page.get_by_test_id("severity-rule")).to_contain_text("重大隐患须责令限期整改并复查")
        expect(page.locator("#f-severity option")).to_have_text(["提示项", "一般隐患", "重大隐患"])

        def finding(hazard: str, severity: str) -> None:
            page.get_by_label("隐患").fill(hazard)
            page.get_by_label("严重程度").select_option(severity)
            page.get_by_label("法律依据").fill("《工贸企业粉尘防爆安全规定》")
            page.get_by_role("button", name="记录发现").click()

        finding("除尘器泄爆口朝向人员通道", "observation")
        finding("粉尘清扫记录不全", "minor")
        finding("除尘系统未采取防爆措施", "major")
        first, second, third = (page.get_by_test_id(f"finding-{n}") for n in (1, 2, 3))
        expect(first.get_by_role("button", name="责令整改")).to_have_count(0)  # observation
        expect(third.get_by_role("button", name="当场关闭")).to_have_count(0)  # major
        first.get_by_label("关闭说明").fill("已当场调整")
        first.get_by_role("button", name="当场关闭").click()
        expect(page.get_by_test_id("finding-1")).to_contain_text("已当场关闭")
        expect(second.get_by_role("button", name="责令整改")).to_have_count(1)  # minor: either
        second.get_by_label("关闭说明").fill("当场补齐记录")
        second.get_by_role("button", name="当场关闭").click()
        expect(page.get_by_test_id("unsettled")).to_contain_text("第 3 项须责令整改并复查")
        page.get_by_role("button", name="完成检查").click()
        expect(page.get_by_role("alert")).to_contain_text("第 3 项（重大隐患）须下达整改并复查")
        expect(page.get_by_role("alert")).not_to_contain_text("rectification")
        page.get_by_test_id("finding-3").get_by_role("button", name="责令整改").click()
        page.get_by_test_id("finding-3").get_by_role("button", name="记录复查").click()
        page.get_by_role("button", name="完成检查").click()
        expect(page.get_by_test_id("status")).to_have_text("已完成")
    finally:
        ui.clock.offset = timedelta(0)
    assert ui.container.inspections.get(UUID(iid))["status"] == "completed"
    expect(page).to_have_url(re.compile(f"/ui/inspections/{iid}"))
