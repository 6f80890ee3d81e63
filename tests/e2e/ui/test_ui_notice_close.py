"""Issue 15 in a real browser, in Chinese and in English: closing a notice with the
investigation's conclusion, withdrawing one filed in error, each offered only to whom the policy
allows and when the notice's state allows, a short reason where the button would be expected;
and the printed notice form (通报单) on A4."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from tests.e2e.ui_support import UiServer, expect, sign_in
from tests.support import acknowledge_pending, credit_code

HRSS = Actor(id="seed-hrss", name="李华", agency="hrss", role="liaison")
T = {  # what each language shows
    "zh-CN": {"waiting": "等待应急管理局、人社局签收后方可结案。",
              "not_yours": "结案由负责事故调查的应急管理局办理。",
              "withdraw_not_yours": "只有填报部门（人社局）或应急管理局可以撤回此通报。",
              "conclusion": "调查结论", "close": "结案", "closed": "通报已结案。",
              "status_closed": "已结案", "withdraw": "撤回通报", "reason": "撤回原因",
              "withdrawn": "通报已撤回。", "status_withdrawn": "已撤回",
              "title": "工伤事故通报单", "employer_label": "单位名称", "grade": "较大",
              "print": "打印通报单"},
    "en": {"waiting": "The notice can be closed once Work Safety, HRSS acknowledged it.",
           "not_yours": "The safety agency, which leads the investigation, closes the notice.",
           "withdraw_not_yours": "Only the filing agency (HRSS) or the safety agency may "
                                 "withdraw this notice.",
           "conclusion": "Investigation conclusion", "close": "Close the notice",
           "closed": "The notice is closed.", "status_closed": "closed",
           "withdraw": "Withdraw the notice", "reason": "Why it is withdrawn",
           "withdrawn": "The notice is withdrawn.", "status_withdrawn": "withdrawn",
           "title": "Work-accident notice form", "employer_label": "Employer name",
           "grade": "large", "print": "Print the notice form"},
}
LANGS = pytest.mark.parametrize("lang", ["zh-CN", "en"])


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiServer]:
    server = UiServer(tmp_path_factory.mktemp("ui-close") / "var").start()
    yield server
    server.stop()
    server.container.close()


def file(ui: UiServer, n: int, deaths: int = 0) -> str:
    result = ui.container.notices.file(
        HRSS, Employer(f"闽侯结案测试{n}号有限公司", credit_code(700 + n), "建筑业", 5),
        Incident("闽侯县", ui.clock() - timedelta(hours=1), "在建工地", "脚手架坍塌", "collapse",
                 "已停工整改"),
        Casualties(deaths, 0, 0, Decimal("120000")))
    ui.container.drain()
    return str(result["id"])


def open_as(ui: UiServer, new_page: Any, agency: str, lang: str, role: str = "liaison") -> Any:
    page = new_page()
    sign_in(page, ui, ui.token(agency, role, name=f"{agency}-{role}-{lang}"), lang=lang)
    return page


@LANGS
def test_close_is_refused_with_a_reason_until_acknowledged_then_closed_with_the_conclusion(
        ui: UiServer, new_page: Any, lang: str) -> None:
    say = T[lang]
    nid = file(ui, 1 if lang == "zh-CN" else 2)
    safety = open_as(ui, new_page, "safety", lang)
    safety.goto(f"{ui.url}/ui/notices/{nid}")
    expect(safety.get_by_test_id("close-refusal")).to_have_text(say["waiting"])
    expect(safety.locator("#close-form")).to_have_count(0)
    hrss = open_as(ui, new_page, "hrss", lang)  # the filing agency: may withdraw, not close
    hrss.goto(f"{ui.url}/ui/notices/{nid}")
    expect(hrss.get_by_test_id("close-refusal")).to_have_text(say["not_yours"])
    expect(hrss.locator("#withdraw-form")).to_have_count(1)
    health = open_as(ui, new_page, "health", lang)  # neither filing nor safety
    health.goto(f"{ui.url}/ui/notices/{nid}")
    expect(health.get_by_test_id("withdraw-refusal")).to_have_text(say["withdraw_not_yours"])
    expect(health.locator("#withdraw-form")).to_have_count(0)
    auditor = open_as(ui, new_page, "safety", lang, role="auditor")  # expects no button
    auditor.goto(f"{ui.url}/ui/notices/{nid}")
    expect(auditor.get_by_test_id("ending")).to_have_count(0)

    acknowledge_pending(ui.container, UUID(nid))
    ui.container.drain()
    safety.reload()
    expect(safety.get_by_test_id("close-refusal")).to_have_count(0)
    safety.get_by_role("button", name=say["close"], exact=True).click()  # no conclusion yet
    expect(safety.locator("#c-error")).not_to_be_empty()
    expect(safety.get_by_label(say["conclusion"])).to_have_attribute("aria-invalid", "true")
    safety.get_by_label(say["conclusion"]).fill("脚手架连墙件缺失，责任已认定")
    safety.get_by_role("button", name=say["close"], exact=True).click()
    expect(safety.get_by_role("status")).to_have_text(say["closed"])
    expect(safety.get_by_test_id("status")).to_have_text(say["status_closed"])
    expect(safety.get_by_test_id("ended")).to_contain_text(say["status_closed"])
    expect(safety.get_by_test_id("ending")).to_contain_text("脚手架连墙件缺失，责任已认定")
    expect(safety.locator("#close-form, #withdraw-form")).to_have_count(0)
    assert ui.container.notices.get(UUID(nid))["closure"]["reason"] == "脚手架连墙件缺失，责任已认定"


@LANGS
def test_the_filing_agency_withdraws_a_notice_filed_in_error(
        ui: UiServer, new_page: Any, lang: str) -> None:
    say = T[lang]
    nid = file(ui, 3 if lang == "zh-CN" else 4)
    hrss = open_as(ui, new_page, "hrss", lang)
    hrss.goto(f"{ui.url}/ui/notices/{nid}")
    hrss.get_by_text(say["withdraw"], exact=True).first.click()  # opens the details
    hrss.get_by_role("button", name=say["withdraw"]).click()  # no reason
    expect(hrss.locator("#w-error")).not_to_be_empty()
    hrss.get_by_label(say["reason"]).fill("重复填报")
    hrss.get_by_role("button", name=say["withdraw"]).click()
    expect(hrss.get_by_role("status")).to_have_text(say["withdrawn"])
    expect(hrss.get_by_test_id("status")).to_have_text(say["status_withdrawn"])
    expect(hrss.get_by_test_id("ending")).to_contain_text("重复填报")
    n = ui.container.notices.get(UUID(nid))
    assert n["status"] == "withdrawn" and n["pending_agencies"] == []
    safety = open_as(ui, new_page, "safety", lang)  # nothing left to close or withdraw
    safety.goto(f"{ui.url}/ui/notices/{nid}")
    expect(safety.locator("#close-form, #withdraw-form, [data-testid=close-refusal]")
           ).to_have_count(0)


@LANGS
def test_the_printed_notice_form_holds_the_notice_and_prints_on_a4(
        ui: UiServer, new_page: Any, lang: str) -> None:
    say = T[lang]
    nid = file(ui, 5 if lang == "zh-CN" else 6, deaths=3)
    page = open_as(ui, new_page, "safety", lang)
    page.goto(f"{ui.url}/ui/notices/{nid}")
    page.get_by_role("link", name=say["print"]).click()
    expect(page).to_have_url(re.compile(f"/ui/notices/{nid}/print$"))
    sheet = page.get_by_test_id("notice-sheet")
    expect(sheet.get_by_role("heading", level=1)).to_have_text(say["title"])
    expect(page.get_by_test_id("notice-no")).to_have_text(nid)
    expect(sheet).to_contain_text(say["employer_label"])
    expect(page.get_by_test_id("sheet-employer")).to_have_text(
        f"闽侯结案测试{5 if lang == 'zh-CN' else 6}号有限公司")
    expect(page.get_by_test_id("sheet-grade")).to_have_text(say["grade"])
    expect(page.get_by_test_id("sheet-deaths")).to_have_text("3")
    expect(sheet).to_contain_text("脚手架坍塌")
    expect(page.get_by_test_id("sheet-acks").locator("tbody tr")).to_have_count(3)  # safety, hrss, finance
    expect(page.locator("button[data-print]")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()  # no navigation, no buttons on paper
    expect(page.locator("button[data-print]")).to_be_hidden()
    expect(sheet).to_be_visible()
    pdf = page.pdf(prefer_css_page_size=True)
    sizes = {(round(float(w)), round(float(h))) for w, h in re.findall(
        rb"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]", pdf)}
    assert sizes == {(595, 842)}, sizes  # A4 in points, every page


@LANGS
def test_proposals_for_one_employer_are_grouped_with_one_joint_inspection_action(
        ui: UiServer, new_page: Any, lang: str) -> None:
    code = credit_code(900 if lang == "zh-CN" else 901)
    name = f"重复事故{lang}有限公司"
    for deaths in (3, 4):  # 较大 twice: safety proposes an inspection for each notice
        ui.container.notices.file(
            HRSS, Employer(name, code, "建筑业", 5),
            Incident("闽侯县", ui.clock() - timedelta(hours=2), "工地", "坍塌", "collapse"),
            Casualties(deaths, 0, 0, Decimal("1000")))
    ui.container.drain()
    page = open_as(ui, new_page, "safety", lang, role="inspector")
    page.goto(f"{ui.url}/ui/inspections")
    group = page.locator(f"[data-testid=proposal-group][data-employer='{code}']")
    expect(group).to_contain_text("2 条检查建议" if lang == "zh-CN" else "2 proposal(s)")
    expect(group.locator("li")).to_have_count(2)
    group.get_by_role("link", name="安排联合检查" if lang == "zh-CN" else
                      "Schedule a joint inspection").click()
    expect(page).to_have_url(re.compile(r"/ui/inspections/new\?proposal="))
    theme = f"{name}事故后联合执法检查" if lang == "zh-CN" else \
        f"Joint inspection of {name} after its accidents"
    expect(page.get_by_label("检查主题" if lang == "zh-CN" else "Theme")).to_have_value(theme)
    expect(page.locator("main")).to_contain_text(name)


@LANGS
def test_the_new_pages_fit_a_phone_without_sideways_scrolling(
        ui: UiServer, new_page: Any, lang: str) -> None:
    nid = file(ui, 7 if lang == "zh-CN" else 8, deaths=3)
    page = new_page(width=390, height=800)
    sign_in(page, ui, ui.token("safety", name=f"safety-phone-{lang}"), lang=lang)
    for path in (f"/ui/notices/{nid}", f"/ui/notices/{nid}/print", "/ui/notices?overdue=1",
                 "/ui/queue"):
        page.goto(ui.url + path)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 390, (path, wide)
