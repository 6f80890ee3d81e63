"""The prevention fee and the registers in a real browser, in Chinese and in English: hrss opens
a fund year and proposes, finance approves within the cap or rejects and pays, hrss reports,
requests, assesses and closes; an admin keeps the registers. Each refusal a user meets is shown
as a short explanation, not a button."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain.common import Actor
from tests.e2e.ui_support import UiServer, expect, sign_in
from tests.support import credit_code

HRSS = Actor(id="hrss-seed", name="人社联络员", agency="hrss", role="liaison")
FINANCE = Actor(id="finance-seed", name="财政联络员", agency="finance", role="liaison")


def fits_phone(page: Any) -> None:
    """At 390 px nothing scrolls sideways and every button is at least 40 px tall."""
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    heights = page.eval_on_selector_all(
        "main button", "els => els.filter(e => e.offsetParent).map(e => e.getBoundingClientRect().height)")
    assert all(h >= 40 for h in heights), heights
    page.set_viewport_size({"width": 1280, "height": 900})


def test_hrss_opens_a_year_and_proposes_a_caravan_finance_approves_within_the_cap(
        ui: UiServer, new_page: Any) -> None:
    hrss = new_page()
    sign_in(hrss, ui, ui.token("hrss", "liaison", name="人社王敏"))
    hrss.goto(f"{ui.url}/ui/prevention")
    expect(hrss).to_have_title(re.compile("工伤预防费"))
    form = hrss.locator("form[action='/ui/fund-years']")
    form.get_by_label("年度", exact=True).fill("2031")
    form.get_by_label("上年工伤保险基金收入（元）").fill("2000000")
    form.get_by_label("上限比例（%）").fill("4")
    hrss.get_by_role("button", name="设立基金年度").click()
    expect(hrss.get_by_role("alert")).to_contain_text("比例超过 3% 须填写批准文号")
    form.get_by_label("上限比例（%）").fill("3")
    hrss.get_by_role("button", name="设立基金年度").click()
    year = hrss.get_by_test_id("fund-year-2031")
    expect(year.get_by_test_id("cap")).to_have_text("¥60,000.00")

    hrss.get_by_role("link", name="申报预防项目").click()
    hrss.get_by_label("宣传", exact=True).check()
    expect(hrss.get_by_label("巡回天数")).to_be_visible()
    expect(hrss.get_by_label("培训场次")).to_be_hidden()  # the category's own fields only
    hrss.get_by_label("项目名称").fill("安全生产宣传大篷车")
    hrss.get_by_label("预算（元）").fill("45000")
    hrss.get_by_label("巡回天数").fill("0")
    hrss.get_by_label("站点数").fill("12")
    hrss.get_by_label("预计受众人数").fill("8000")
    hrss.get_by_role("button", name="提交申报").click()
    expect(hrss.get_by_role("alert")).to_contain_text("宣传类项目必须计划 days_on_tour")
    hrss.get_by_label("巡回天数").fill("10")
    hrss.get_by_label("覆盖区县（逗号分隔）").fill("鼓楼区，台江区")
    hrss.get_by_role("button", name="提交申报").click()
    expect(hrss.get_by_test_id("project-status")).to_have_text("待审批")
    expect(hrss.get_by_test_id("budget")).to_have_text("¥45,000.00")
    expect(hrss.get_by_test_id("waiting")).to_have_text("等待财政局审批。")  # no button for hrss
    caravan = hrss.url.split("?")[0]
    fits_phone(hrss)
    over = ui.container.projects.propose(HRSS, 2031, "training", "企业培训", Decimal("20000"),
                                         {"sessions": 4, "trainees": 200})

    finance = new_page()
    sign_in(finance, ui, ui.token("finance", "liaison", name="财政李华"))
    finance.goto(caravan)
    expect(finance.get_by_test_id("within-cap")).to_contain_text("¥15,000.00")
    finance.get_by_role("button", name="批准项目").click()
    expect(finance.get_by_test_id("project-status")).to_have_text("已批准")
    finance.goto(f"{ui.url}/ui/projects/{over['id']}")
    refusal = finance.get_by_test_id("cap-refusal")
    expect(refusal).to_contain_text("¥20,000.00")
    expect(refusal).to_contain_text("¥15,000.00")
    expect(finance.get_by_role("button", name="批准项目")).to_have_count(0)
    finance.get_by_role("button", name="不予批准").click()
    expect(finance.get_by_role("alert")).to_contain_text("不能为空")
    finance.get_by_label("原因").fill("超出年度上限")
    finance.get_by_role("button", name="不予批准").click()
    expect(finance.get_by_test_id("project-status")).to_have_text("未批准")
    finance.goto(f"{ui.url}/ui/prevention?year=2031")
    rows = finance.get_by_test_id("projects")
    expect(rows).to_contain_text("安全生产宣传大篷车")
    expect(rows).to_contain_text("已批准")
    expect(rows).to_contain_text("未批准")
    expect(finance.get_by_test_id("fund-year-2031").get_by_test_id("remaining")).to_have_text(
        "¥15,000.00")
    expect(finance.get_by_role("button", name="设立基金年度")).to_have_count(0)


def test_a_training_project_runs_to_closure_in_english(ui: UiServer, new_page: Any) -> None:
    ui.container.fund_years.open(HRSS, 2032, Decimal("10000000"))
    made = ui.container.projects.propose(HRSS, 2032, "training", "Site managers' training",
                                         Decimal("120000"), {"sessions": 4, "trainees": 300})
    url = f"{ui.url}/ui/projects/{made['id']}"
    finance = new_page()
    sign_in(finance, ui, ui.token("finance", "liaison", name="Li Hua"), lang="en")
    finance.goto(url)
    expect(finance).to_have_title(re.compile("Project"))
    finance.get_by_role("button", name="Approve the project").click()
    expect(finance.get_by_test_id("project-status")).to_have_text("approved")

    hrss = new_page()
    sign_in(hrss, ui, ui.token("hrss", "liaison", name="Wang Min"), lang="en")
    hrss.goto(url)
    expect(hrss.get_by_label("Days toured")).to_have_count(0)  # a training project's figures
    hrss.get_by_role("button", name="Report a milestone").click()
    expect(hrss.get_by_role("alert")).to_contain_text("report at least one figure above zero")
    hrss.get_by_label("Sessions held").fill("3")
    hrss.get_by_label("Trainees trained").fill("240")
    hrss.get_by_role("button", name="Report a milestone").click()
    expect(hrss.get_by_test_id("comparison")).to_contain_text("75.0%")
    hrss.get_by_label("Amount (CNY)").fill("120000.01")
    hrss.get_by_label("Purpose").fill("Venue and trainers")
    hrss.get_by_role("button", name="Request a disbursement").click()
    expect(hrss.get_by_role("alert")).to_contain_text("over its approved budget of 120000.00 CNY")
    hrss.get_by_label("Amount (CNY)").fill("120000")
    hrss.get_by_label("Purpose").fill("Venue and trainers")
    hrss.get_by_role("button", name="Request a disbursement").click()
    expect(hrss.get_by_test_id("budget-refusal")).to_contain_text("¥120,000.00")
    expect(hrss.get_by_test_id("disbursement")).to_contain_text("requested")
    hrss.get_by_label("Conclusion").fill("Three of four sessions held; targets mostly met")
    hrss.get_by_role("button", name="Record the assessment").click()
    expect(hrss.get_by_test_id("project-status")).to_have_text("assessed")
    expect(hrss.get_by_test_id("close-refusal")).to_contain_text("¥120,000.00 requested is still unpaid")
    expect(hrss.get_by_role("button", name="Close the project")).to_have_count(0)
    fits_phone(hrss)

    finance.reload()
    expect(finance.get_by_role("button", name="Record the assessment")).to_have_count(0)
    finance.get_by_role("button", name=re.compile("^Pay")).click()
    expect(finance.get_by_test_id("paid")).to_have_text("¥120,000.00")
    hrss.reload()
    hrss.get_by_role("button", name="Close the project").click()
    expect(hrss.get_by_test_id("project-status")).to_have_text("closed")
    hrss.goto(f"{ui.url}/ui/prevention?status=closed")
    expect(hrss.get_by_test_id("projects")).to_contain_text("Site managers' training")
    expect(hrss.get_by_test_id("projects")).to_contain_text("¥120,000.00")


def test_hrss_raises_the_cap_ratio_with_its_reference(ui: UiServer, new_page: Any) -> None:
    ui.container.fund_years.open(HRSS, 2033, Decimal("1000000"))
    page = new_page()
    sign_in(page, ui, ui.token("hrss", "liaison", name="Wang Min"), lang="en")
    page.goto(f"{ui.url}/ui/prevention")
    year = page.get_by_test_id("fund-year-2033")
    expect(year.get_by_test_id("cap")).to_have_text("¥30,000.00")
    year.get_by_label("Cap ratio (%)").fill("3")
    year.get_by_label("Approval reference for a higher ratio").fill("HRSS [2033] 1")
    year.get_by_role("button", name="Raise the cap ratio · 2033").click()
    expect(page.get_by_role("alert")).to_contain_text("greater than 3")
    year = page.get_by_test_id("fund-year-2033")
    year.get_by_label("Cap ratio (%)").fill("3.5")
    year.get_by_label("Approval reference for a higher ratio").fill("HRSS [2033] 1")
    year.get_by_role("button", name="Raise the cap ratio · 2033").click()
    expect(page.get_by_test_id("fund-year-2033").get_by_test_id("cap")).to_have_text("¥35,000.00")
    expect(page.get_by_test_id("fund-year-2033").get_by_test_id("earlier-ratio")).to_contain_text(
        "3% · Cap ¥30,000.00")


def test_an_admin_keeps_the_registers_and_an_inspector_reads_them(
        ui: UiServer, new_page: Any) -> None:
    admin = new_page()
    sign_in(admin, ui, ui.token("health", "admin", name="Admin Zhou"), lang="en")
    admin.goto(f"{ui.url}/ui/registers/employers")
    expect(admin).to_have_title(re.compile("Employer register"))
    code = credit_code(881)
    admin.get_by_label("Unified social credit code").fill(code[:-1] + ("0" if code[-1] != "0" else "1"))
    admin.get_by_label("Employer name").fill("Minjiang Machinery Co.")
    admin.get_by_role("button", name="Add or change an entry").click()
    expect(admin.get_by_role("alert")).to_contain_text("Unified social credit code")
    admin.get_by_label("Unified social credit code").fill(code)
    admin.get_by_role("button", name="Add or change an entry").click()
    expect(admin.get_by_test_id(f"entry-{code}")).to_contain_text("Minjiang Machinery Co.")

    made = ui.container.accounts.add(Actor("adm-h", "Admin Zhou", "health", "admin"),
                                     name="Chen Wei", agency="health", role="inspector")
    admin.get_by_role("link", name="Inspector register").click()
    admin.get_by_label("Register id").fill("ui-h-77")
    admin.get_by_label("Name", exact=True).fill("Chen Wei")
    admin.get_by_label("Agency", exact=True).select_option("health")
    admin.get_by_role("button", name="Add or change an entry").click()
    row = admin.get_by_test_id("entry-ui-h-77")
    expect(row).to_contain_text("Health")
    row.get_by_label("Inspector account").select_option(made["id"])
    row.get_by_role("button", name="Link the account").click()
    expect(admin.get_by_test_id("entry-ui-h-77")).to_contain_text("Chen Wei")
    admin.get_by_test_id("entry-ui-h-77").get_by_role("button", name="Deactivate").click()
    expect(admin.get_by_role("alert")).to_contain_text("at least 1 character")
    row = admin.get_by_test_id("entry-ui-h-77")
    row.get_by_label("Reason").fill("Transferred")
    row.get_by_role("button", name="Deactivate").click()
    expect(admin.get_by_test_id("entry-ui-h-77")).to_contain_text("inactive")
    fits_phone(admin)

    inspector = new_page()
    sign_in(inspector, ui, ui.token("safety", "inspector", name="张安"))
    inspector.goto(f"{ui.url}/ui/registers/inspectors")
    expect(inspector).to_have_title(re.compile("检查人员名录"))
    expect(inspector.get_by_test_id("entry-ui-h-77")).to_contain_text("已停用")
    expect(inspector.locator("main")).to_contain_text("名录由管理员维护。")
    expect(inspector.get_by_role("button", name="新增或修改名录")).to_have_count(0)
    liaison = new_page()
    sign_in(liaison, ui, ui.token("hrss", "liaison", name="人社王敏"))
    response = liaison.goto(f"{ui.url}/ui/registers/inspectors")
    assert response is not None and response.status == 403
    expect(liaison.get_by_role("alert")).to_have_text("您没有权限执行此操作。")


CJK = re.compile(r"[\u4e00-\u9fff]")
RAW_KEY = re.compile(r"\b(?:pf|plan|planned|achieved|step|register)\.[a-z_]+|\b[a-z]+_[a-z_]+\b")


def no_raw_keys(page: Any) -> None:
    """The page's main text shows no catalogue key (a message missing from the catalogue)."""
    text: str = page.locator("main").inner_text()
    assert not RAW_KEY.search(text), RAW_KEY.search(text)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_each_refusal_is_explained_in_both_languages(
        ui: UiServer, new_page: Any, lang: str) -> None:
    year = 2034 if lang == "en" else 2035
    ui.container.fund_years.open(HRSS, year, Decimal("1000000"))  # cap 30,000.00
    fee = ui.container.projects
    over = fee.propose(HRSS, year, "publicity", "Caravan", Decimal("30000.01"),
                       {"days_on_tour": 2, "stops": 3}, districts=["Gulou"])
    spent = fee.propose(HRSS, year, "training", "Training", Decimal("5000"),
                        {"sessions": 1, "trainees": 20})
    pid = UUID(str(spent["id"]))
    fee.approve(pid, FINANCE)
    fee.request_disbursement(pid, HRSS, Decimal("5000"), "Venue")
    fee.assess(pid, HRSS, "Done")
    zh = lang == "zh-CN"

    finance = new_page()
    sign_in(finance, ui, ui.token("finance", "liaison", name="财政李华"), lang=lang)
    finance.goto(f"{ui.url}/ui/projects/{over['id']}")
    refusal = finance.get_by_test_id("cap-refusal")
    expect(refusal).to_contain_text("¥30,000.01")
    expect(refusal).to_contain_text("¥25,000.00")  # the cap less the 5,000 approved
    assert bool(CJK.search(refusal.inner_text())) == zh
    no_raw_keys(finance)
    expect(finance.get_by_role("button", name="批准项目" if zh else "Approve the project")
           ).to_have_count(0)
    response = finance.goto(f"{ui.url}/ui/projects/new")
    assert response is not None and response.status == 403  # hrss proposes

    hrss = new_page()
    sign_in(hrss, ui, ui.token("hrss", "liaison", name="人社王敏"), lang=lang)
    hrss.goto(f"{ui.url}/ui/projects/{over['id']}")
    expect(hrss.get_by_test_id("waiting")).to_have_text(
        "等待财政局审批。" if zh else "Awaits Finance's decision.")
    hrss.goto(f"{ui.url}/ui/projects/{spent['id']}")
    close = hrss.get_by_test_id("close-refusal")
    expect(close).to_contain_text("¥5,000.00")
    assert bool(CJK.search(close.inner_text())) == zh
    no_raw_keys(hrss)
    for path in ("/ui/prevention", "/ui/projects/new"):
        hrss.goto(ui.url + path)
        no_raw_keys(hrss)
    expect(hrss.get_by_test_id("plan-publicity")).to_contain_text(
        "宣传大篷车" if zh else "Publicity caravan")
