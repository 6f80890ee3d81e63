"""Liaison pages in a real browser: filing, the other agency's queue, acknowledgement, validation."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from adapters.web.i18n import TZ
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from tests.e2e.ui_support import UiServer, expect, sign_in
from tests.support import credit_code


def fill_notice(page: Any, employer: str, code: str, **figures: str) -> None:
    occurred = (datetime.now(UTC) - timedelta(hours=3)).astimezone(TZ).strftime("%Y-%m-%dT%H:%M")
    page.fill("#f-employer-name", employer)
    page.fill("#f-employer-credit_code", code)
    page.fill("#f-employer-industry", "建筑业")
    page.select_option("#f-employer-risk_class", "5")
    page.fill("#f-district", "鼓楼区")
    page.fill("#f-occurred_at", occurred)
    page.fill("#f-location", "在建工地三号楼")
    page.select_option("#f-cause", "collapse")
    page.fill("#f-summary", "脚手架坍塌，两人受伤")
    for name, value in {"deaths": "0", "serious_injuries": "2", "missing": "0",
                        "direct_loss_cny": "800000", **figures}.items():
        page.fill(f"#f-{name}", value)


def file_direct(ui: UiServer, employer: str, n: int, agency: str = "hrss") -> str:
    """A notice filed through the service itself (what another agency's liaison did)."""
    actor = Actor(id=f"seed-{agency}", name=f"{agency} 联络员", agency=agency, role="liaison")
    now = ui.clock()
    result = ui.container.notices.file(
        actor, Employer(employer, credit_code(n), "制造业", 4),
        Incident("台江区", now - timedelta(hours=1), "车间", "机械伤害", "mechanical"),
        Casualties(0, 0, 0, Decimal("5000")))
    return str(result["id"])


def test_liaison_files_a_notice_with_its_grade_shown_and_the_other_agency_sees_it(
        ui: UiServer, new_page: Any) -> None:
    safety = new_page()
    sign_in(safety, ui, ui.token("safety", name="王敏"))
    expect(safety.get_by_test_id("user")).to_contain_text("王敏")
    expect(safety.get_by_test_id("user")).to_contain_text("应急管理局")
    safety.get_by_role("link", name="填报事故通报").click()
    expect(safety).to_have_title(re.compile("填报事故通报"))
    fill_notice(safety, "闽江建工集团有限公司", credit_code(101), deaths="3")
    # The grade the domain gives these figures, before anything is submitted.
    expect(safety.get_by_test_id("grade-preview")).to_have_text("较大")
    expect(safety.locator("#required-preview")).to_contain_text("财政局")
    safety.fill("#f-deaths", "0")
    expect(safety.get_by_test_id("grade-preview")).to_have_text("一般")
    safety.get_by_role("button", name="提交通报").click()
    expect(safety.get_by_role("status")).to_have_text("通报已提交。")
    expect(safety.get_by_test_id("grade")).to_have_text("一般")
    expect(safety.get_by_test_id("timeline")).to_contain_text("王敏")
    notice_id = safety.url.rsplit("/", 1)[-1].split("?")[0]

    hrss = new_page()
    sign_in(hrss, ui, ui.token("hrss", name="李华"))
    expect(hrss).to_have_url(re.compile("/ui/queue"))
    item = hrss.locator(f"[data-notice='{notice_id}']")
    expect(item).to_contain_text("闽江建工集团有限公司")
    expect(item.locator(".countdown")).to_have_text(re.compile(r"剩余 23:5\d:\d\d"))


def test_acknowledgement_updates_the_countdown_and_overdue_comes_first(
        ui: UiServer, new_page: Any) -> None:
    ui.clock.offset = timedelta(hours=-2)  # filed two hours ago: safety's 1-hour deadline passed
    try:
        late_id = file_direct(ui, "逾期未确认有限公司", 201)
    finally:
        ui.clock.offset = timedelta(0)
    fresh_id = file_direct(ui, "按时确认有限公司", 202)
    page = new_page()
    sign_in(page, ui, ui.token("safety", name="王敏"))
    page.goto(f"{ui.url}/ui/queue")
    late = page.locator(f"[data-notice='{late_id}']")
    expect(late).to_have_class(re.compile("overdue"))
    expect(late).to_contain_text("已逾期")
    expect(late.locator(".countdown")).to_have_text(re.compile(r"已逾期 01:0\d:\d\d"))
    ids = page.locator("[data-testid=queue-item]").evaluate_all("els => els.map(e => e.dataset.notice)")
    assert ids.index(late_id) < ids.index(fresh_id)
    assert "overdue" in (late.get_attribute("class") or "")

    page.goto(f"{ui.url}/ui/notices/{fresh_id}")
    row = page.get_by_test_id("ack-safety")
    countdown = row.locator(".countdown")
    expect(countdown).to_have_text(re.compile(r"剩余 00:5\d:\d\d"))
    first = countdown.text_content()
    expect(countdown).not_to_have_text(first or "")  # it runs live
    page.get_by_role("button", name=re.compile("确认收到")).click()
    expect(page.get_by_role("status")).to_have_text("已确认收到该通报。")
    expect(row).to_contain_text("已确认")
    expect(row).to_contain_text("王敏")
    expect(row.locator(".countdown")).to_have_count(0)
    expect(page.get_by_test_id("ack-hrss").locator(".countdown")).to_have_count(1)
    page.goto(f"{ui.url}/ui/queue")
    expect(page.locator(f"[data-notice='{fresh_id}']")).to_have_count(0)
    expect(page.locator(f"[data-notice='{late_id}']")).to_have_count(1)


def count_notices(ui: UiServer) -> int:
    ui.container.index.catch_up()
    with ui.container.index.consumer.store.transaction() as tx:
        return len(list(tx.scan("notices")))


def test_bad_credit_code_shows_the_fields_message_and_stores_nothing(
        ui: UiServer, new_page: Any) -> None:
    page = new_page()
    sign_in(page, ui, ui.token("safety", name="王敏"))
    page.goto(f"{ui.url}/ui/notices/new")
    good = credit_code(301)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    fill_notice(page, "校验码错误有限公司", bad)
    before = count_notices(ui)
    message = re.compile(r"^统一社会信用代码校验位为 \w，按 GB 32100-2015 应为 \w$")
    # Live, as the liaison leaves the field: the API's own wording, in the page's language.
    page.focus("#f-employer-credit_code")
    page.keyboard.press("Tab")
    expect(page.locator("#e-employer-credit_code")).to_have_text(message)
    page.get_by_role("button", name="提交通报").click()
    expect(page.locator("#error-summary")).to_contain_text("统一社会信用代码")
    expect(page.locator("#e-employer-credit_code")).to_have_text(message)
    expect(page.locator("#f-employer-credit_code")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-employer-name")).to_have_value("校验码错误有限公司")  # kept as typed
    assert count_notices(ui) == before
    api = page.request.post(f"{ui.url}/api/v1/accident-notices", headers={
        "Authorization": f"Bearer {ui.token('safety', name='王敏')}"}, data={})
    assert api.status == 422  # the same model answers the API


def test_language_switch_changes_labels_and_dates_and_sign_out_ends_the_session(
        ui: UiServer, new_page: Any) -> None:
    notice_id = file_direct(ui, "语言切换有限公司", 401)
    page = new_page()
    sign_in(page, ui, ui.token("hrss", name="李华"))
    page.goto(f"{ui.url}/ui/notices/{notice_id}")
    expect(page.get_by_role("heading", name="处理经过")).to_be_visible()
    expect(page.locator("main")).to_contain_text("年")
    cookie = next(c for c in page.context.cookies() if c["name"] == "linkage_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(f"/ui/notices/{notice_id}"))
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_test_id("user")).to_contain_text("HRSS")
    expect(page.get_by_test_id("ack-hrss")).to_contain_text("Pending")
    expect(page.locator(".timeline time").first).to_have_text(
        re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d:\d\d$"))
    expect(page.locator("main")).to_contain_text("语言切换有限公司")  # free text as typed
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="简体中文").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("status")).to_have_text("您已退出。")
    page.goto(f"{ui.url}/ui/queue")
    expect(page).to_have_url(re.compile("/ui/login"))
