"""The prevention-fee and register pages over HTTP (no browser): the same services and rules as
the API, each form applied once, the refusals a user would meet, and labels on every input —
on SQLite and PostgreSQL like the other e2e tests."""

from __future__ import annotations

import re
from uuid import UUID

import pytest

from adapters.web import once
from domain.common import Actor
from tests.e2e.conftest import Api
from tests.e2e.test_ui_forms_once import Killed, form_key
from tests.e2e.test_ui_pages import Labels, sign_in
from tests.support import credit_code

FY = "/api/v1/fund-years"
PP = "/api/v1/prevention-projects"


def project_id(location: str) -> str:
    m = re.match(r"/ui/projects/([0-9a-f-]{36})\?done=proposed$", location)
    assert m, location
    return m.group(1)


def open_year(api: Api, year: int = 2026, income: str = "2000000") -> None:
    r = api.client.post("/ui/fund-years", data={"year": str(year),
                                                "previous_year_fund_income_cny": income},
                        follow_redirects=False)
    assert r.status_code == 303, r.text


def propose(api: Api, budget: str, **extra: str) -> str:
    form = {"fund_year": "2026", "category": "training", "title": "企业负责人培训",
            "budget_cny": budget, "planned.sessions": "4", "planned.trainees": "300", **extra}
    r = api.client.post("/ui/projects/new", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    return project_id(r.headers["location"])


def test_fund_year_and_proposal_forms_use_the_apis_rules(api: Api) -> None:
    sign_in(api, "finance")
    assert 'action="/ui/fund-years"' not in api.client.get("/ui/prevention").text  # hrss opens
    assert api.client.post("/ui/fund-years", data={"year": "2026"}).status_code == 403
    sign_in(api, "hrss")
    bad = api.client.post("/ui/fund-years", data={"year": "1999", "cap_ratio_pct": "4",
                                                  "previous_year_fund_income_cny": "-1"})
    assert bad.status_code == 422
    assert "不能小于 2000" in bad.text and "不能为负数" in bad.text  # the notices' money rule
    for income, words in (("1e3", "科学计数法"), ("1000.555", "最多两位小数")):
        bad = api.client.post("/ui/fund-years", data={"year": "2026",
                                                      "previous_year_fund_income_cny": income})
        assert bad.status_code == 422 and words in bad.text
    no_ref = api.client.post("/ui/fund-years", data={
        "year": "2026", "previous_year_fund_income_cny": "2000000", "cap_ratio_pct": "4"})
    assert no_ref.status_code == 422 and "须填写批准文号" in no_ref.text
    open_year(api)
    page = api.client.get("/ui/prevention").text
    assert "¥60,000.00" in page and "¥2,000,000.00" in page  # the cap: 3 % of the income
    again = api.client.post("/ui/fund-years", data={"year": "2026",
                                                    "previous_year_fund_income_cny": "1"})
    assert again.status_code == 409 and "2026 年度基金已开立" in again.text
    # a publicity caravan must plan its days on tour and stops and name its districts
    caravan = {"fund_year": "2026", "category": "publicity", "title": "宣传大篷车",
               "budget_cny": "10000", "planned.days_on_tour": "0", "planned.stops": "5",
               "planned.sessions": "9"}
    r = api.client.post("/ui/projects/new", data=caravan)
    assert r.status_code == 422 and "宣传类项目必须计划 days_on_tour" in r.text
    r = api.client.post("/ui/projects/new", data={**caravan, "planned.days_on_tour": "-2"})
    assert r.status_code == 422 and "不能小于 0" in r.text
    r = api.client.post("/ui/projects/new", data={**caravan, "budget_cny": "1e3"})
    assert r.status_code == 422 and "科学计数法" in r.text
    pid = propose(api, "8000", category="publicity", **{
        "planned.days_on_tour": "10", "planned.stops": "12", "planned.audience": "5000",
        "districts": "鼓楼区，台江区"})
    got = api.client.get(f"{PP}/{pid}", headers=api.auth("hrss")).json()
    assert got["planned"] == {"audience": 5000, "days_on_tour": 10, "stops": 12}  # not sessions
    assert got["districts"] == ["鼓楼区", "台江区"] and got["category"] == "publicity"
    listed = api.client.get("/ui/prevention?status=proposed").text
    assert f"/ui/projects/{pid}" in listed and "待审批" in listed and "宣传" in listed


def test_approval_refused_over_the_cap_and_the_project_runs_to_closure(api: Api) -> None:
    sign_in(api, "hrss")
    open_year(api)
    big = propose(api, "60000.01")
    small = propose(api, "40000")
    assert "批准项目" not in api.client.get(f"/ui/projects/{small}").text  # finance approves
    assert api.client.post(f"/ui/projects/{small}/approval").status_code == 403
    sign_in(api, "finance")
    api.container.drain()
    assert f'href="/ui/projects/{small}"' in api.client.get("/ui/queue").text  # to decide there
    page = api.client.get(f"/ui/projects/{big}").text
    assert 'data-testid="cap-refusal"' in page and "¥60,000.00" in page
    assert f"/ui/projects/{big}/approval" not in page  # no button the cap refuses
    refused = api.client.post(f"/ui/projects/{big}/approval")
    assert refused.status_code == 409 and "<li>批准: 批准 60000.01 元" in refused.text
    assert "超过上限 60000.00 元" in refused.text and "CNY" not in refused.text
    r = api.client.post(f"/ui/projects/{small}/approval", follow_redirects=False)
    assert r.status_code == 303
    bad = api.client.post(f"/ui/projects/{big}/rejection", data={"reason": " "})
    assert bad.status_code == 422 and "不能为空" in bad.text
    assert api.client.post(f"/ui/projects/{big}/rejection", data={"reason": "超出年度上限"},
                           follow_redirects=False).status_code == 303
    sign_in(api, "hrss")
    ms = api.client.post(f"/ui/projects/{small}/milestones",
                         data={"achieved.sessions_held": "0", "note": "x"})
    assert ms.status_code == 422 and "至少报告一项大于零的数字" in ms.text
    api.client.post(f"/ui/projects/{small}/milestones", data={
        "achieved.sessions_held": "2", "achieved.trainees_trained": "150"})
    over = api.client.post(f"/ui/projects/{small}/disbursements",
                           data={"amount_cny": "40000.01", "purpose": "场地"})
    assert over.status_code == 409 and "超过批准预算" in over.text
    odd = api.client.post(f"/ui/projects/{small}/disbursements",
                          data={"amount_cny": "4e3", "purpose": "场地"})
    assert odd.status_code == 422 and "科学计数法" in odd.text
    api.client.post(f"/ui/projects/{small}/disbursements",
                    data={"amount_cny": "40000", "purpose": "场地和讲师"})
    page = api.client.get(f"/ui/projects/{small}").text
    assert 'data-testid="budget-refusal"' in page and "50.0%" in page  # 2 of 4 sessions
    api.client.post(f"/ui/projects/{small}/assessment", data={"conclusion": "达到预期"})
    page = api.client.get(f"/ui/projects/{small}").text
    assert 'data-testid="close-refusal"' in page and "¥40,000.00" in page
    sign_in(api, "finance")
    did = api.client.get(f"{PP}/{small}", headers=api.auth("finance")).json()["disbursements"][0]
    r = api.client.post(f"/ui/projects/{small}/disbursements/{did['id']}/payment",
                        follow_redirects=False)
    assert r.status_code == 303
    sign_in(api, "hrss")
    assert api.client.post(f"/ui/projects/{small}/closure", data={"note": "结项"},
                           follow_redirects=False).status_code == 303
    got = api.client.get(f"{PP}/{small}", headers=api.auth("hrss")).json()
    assert got["status"] == "closed" and got["paid_cny"] == "40000.00"
    assert "已结项" in api.client.get("/ui/prevention").text


def test_a_resent_proposal_and_disbursement_request_are_applied_once(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in(api, "hrss")
    open_year(api)
    page = api.client.get("/ui/projects/new").text
    form = {"_key": form_key(page, "/ui/projects/new"), "fund_year": "2026",
            "category": "training", "title": "培训", "budget_cny": "1000",
            "planned.sessions": "1", "planned.trainees": "10"}

    def die(point: str) -> None:
        if point == "web-after-commit":
            raise Killed(point)

    with monkeypatch.context() as m:
        m.setattr(once, "maybe_crash", die)
        with pytest.raises(Killed):
            api.client.post("/ui/projects/new", data=form, follow_redirects=False)
    again = api.client.post("/ui/projects/new", data=form, follow_redirects=False)
    pid = project_id(again.headers["location"])
    api.container.project_index.catch_up()
    assert api.client.get("/ui/prevention").text.count("/ui/projects/") == 2  # one row + "new"
    api.container.projects.approve(UUID(pid), Actor("fin-1", "财政联络员", "finance", "liaison"))
    url = f"/ui/projects/{pid}/disbursements"
    body = {"_key": form_key(api.client.get(f"/ui/projects/{pid}").text, url),
            "amount_cny": "300", "purpose": "教材"}
    for _ in range(2):
        assert api.client.post(url, data=body, follow_redirects=False).status_code == 303
    got = api.client.get(f"{PP}/{pid}", headers=api.auth("hrss")).json()
    assert len(got["disbursements"]) == 1 and got["requested_unpaid_cny"] == "300.00"
    # a form from a page that was shown before the project changed is refused, not applied
    stale = api.client.post(url, data={"version": "2", "amount_cny": "100", "purpose": "再次"})
    assert stale.status_code == 412 and "版本 2 已过时，当前版本为 3" in stale.text
    assert api.client.get(f"{PP}/{pid}", headers=api.auth("hrss")).json()["version"] == 3


def test_registers_pages_for_admins_and_readers(api: Api) -> None:
    sign_in(api, "hrss")
    assert api.client.get("/ui/registers/inspectors").status_code == 403  # a liaison
    sign_in(api, "safety", "admin")
    code = credit_code(71)
    bad = api.client.post("/ui/registers/employers", data={"credit_code": code[:-1] + "X",
                                                           "name": "某公司"})
    assert bad.status_code == 422 and "统一社会信用代码" in bad.text
    r = api.client.post("/ui/registers/employers", data={"credit_code": code, "name": "某公司"},
                        follow_redirects=False)
    assert r.status_code == 303
    api.client.post("/ui/registers/inspectors", data={"id": "s-1", "name": "张安",
                                                      "agency": "safety"})
    api.client.post("/ui/registers/inspectors", data={"id": "s-1", "name": "张安平",
                                                      "agency": "health"})  # changed
    admin = Actor("adm-h", "卫健管理员", "health", "admin")
    made = api.container.accounts.add(admin, name="陈卫", agency="health", role="inspector")
    page = api.client.get("/ui/registers/inspectors").text
    assert f'<option value="{made["id"]}">陈卫</option>' in page
    unknown = api.client.post("/ui/registers/inspectors/s-1/account",
                              data={"account_id": "acct-nobody"})
    assert unknown.status_code == 422 and "没有账号 acct-nobody" in unknown.text
    api.client.post("/ui/registers/inspectors/s-1/account", data={"account_id": made["id"]})
    nobody = api.client.post("/ui/registers/inspectors/s-1/deactivation", data={"reason": ""})
    assert nobody.status_code == 422
    api.client.post("/ui/registers/inspectors/s-1/deactivation", data={"reason": "调离"})
    got = api.client.get("/api/v1/registers/inspectors", headers=api.auth("safety", "admin"))
    entry = got.json()["entries"][0]
    assert entry["name"] == "张安平" and entry["agency"] == "health" and not entry["active"]
    assert entry["account"]["name"] == "陈卫"
    api.client.post("/ui/registers/inspectors/s-1/reactivation")
    api.client.post(f"/ui/registers/employers/{code}/removal")
    assert api.client.get("/api/v1/registers/employers", headers=api.auth(
        "safety", "admin")).json()["entries"] == []
    sign_in(api, "safety", "inspector")
    page = api.client.get("/ui/registers/inspectors").text
    assert "张安平" in page and "/deactivation" not in page  # inspectors read, admins keep
    assert api.client.post("/ui/registers/inspectors", data={"id": "x"}).status_code == 403


def test_every_prevention_page_has_a_title_and_labels(api: Api) -> None:
    sign_in(api, "hrss")
    open_year(api)
    pid = propose(api, "1000")
    checked = []
    for agency, role, paths in (
            ("hrss", "liaison", ["/ui/prevention", "/ui/projects/new", f"/ui/projects/{pid}"]),
            ("finance", "liaison", ["/ui/prevention", f"/ui/projects/{pid}"]),
            ("safety", "admin", ["/ui/registers/inspectors", "/ui/registers/employers"])):
        sign_in(api, agency, role)
        for path in paths:
            r = api.client.get(path)
            assert r.status_code == 200, (path, r.text[:300])
            checked.append((path, r.text))
    for path, html in checked:
        p = Labels()
        p.feed(html)
        assert p.title.strip() and "·" in p.title, path
        for f in p.fields:
            labelled = f.get("id") in p.fors or f.get("aria-label") or f.get("type") in (
                "checkbox", "radio")
            assert labelled, (path, f)
