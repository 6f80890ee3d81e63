"""Prevention fee and agency read routes over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.common import Actor, beijing_date
from domain.joint_meeting import JointMeeting
from tests.e2e.conftest import Api
from tests.support import ManualClock, notice_body

FY = "/api/v1/fund-years"
PP = "/api/v1/prevention-projects"


def post(api: Api, url: str, agency: str, body: Any = None, status: int = 200,
         role: str = "liaison", **headers: str) -> dict[str, Any]:
    r = api.client.post(url, json=body, headers={**api.auth(agency, role), **headers})
    assert r.status_code == status, r.text
    out: dict[str, Any] = r.json()
    return out


def project_body(budget: str = "40000.00", **kw: Any) -> dict[str, Any]:
    body = {"fund_year": 2026, "category": "training", "title": "企业负责人工伤预防培训",
            "budget_cny": budget, "planned": {"sessions": 4, "trainees": 300}}
    body.update(kw)
    return body


def test_cap_refusal_is_409_with_cap_total_and_request(api: Api) -> None:
    post(api, FY, "finance", {"year": 2026, "previous_year_fund_income_cny": "1000000"}, 403)
    fy = post(api, FY, "hrss", {"year": 2026, "previous_year_fund_income_cny": "2000000.00"}, 201)
    assert fy["cap_cny"] == "60000.00" and fy["cap_ratio_pct"] == "3"
    post(api, FY, "hrss", {"year": 2026, "previous_year_fund_income_cny": "1"}, 409)
    a = post(api, PP, "hrss", project_body(), 201)
    b = post(api, PP, "hrss", project_body("20000.01"), 201)
    post(api, f"{PP}/{a['id']}/approval", "hrss", status=403)  # finance approves
    ok = post(api, f"{PP}/{a['id']}/approval", "finance")
    assert ok["status"] == "approved" and ok["version"] == 2
    refused = post(api, f"{PP}/{b['id']}/approval", "finance", status=409)
    assert refused["cap_cny"] == "60000.00"
    assert refused["approved_total_cny"] == "40000.00"
    assert refused["requested_cny"] == "20000.01"
    # A higher ratio with its approval reference lifts the cap.
    raised = post(api, f"{FY}/2026/ratio", "hrss",
                  {"cap_ratio_pct": "3.5", "ratio_approval_ref": "榕人社〔2026〕8号"})
    assert raised["cap_cny"] == "70000.00"
    assert post(api, f"{PP}/{b['id']}/approval", "finance")["status"] == "approved"
    got = api.client.get(f"{FY}/2026", headers=api.auth("finance")).json()
    assert got["approved_total_cny"] == "60000.01" and got["remaining_cny"] == "9999.99"


def test_bad_input_is_422_naming_fields(api: Api) -> None:
    post(api, FY, "hrss", {"year": 2026, "previous_year_fund_income_cny": "100000"}, 201)
    r = api.client.post(PP, json=project_body("-5", category="party", planned={"sessions": -1}),
                        headers=api.auth("hrss"))
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["detail"]}
    assert {"budget_cny", "category", "planned.sessions"} <= fields
    r = api.client.post(PP, json=project_body(category="publicity", planned={"days_on_tour": 3}),
                        headers=api.auth("hrss"))
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "planned.stops"
    r = api.client.post(FY, json={"year": 2027, "previous_year_fund_income_cny": "1",
                                  "cap_ratio_pct": "4"}, headers=api.auth("hrss"))
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "ratio_approval_ref"


# The money rule of the accident notices (docs/notice-rules.md): a JSON fraction, an exponent,
# a third decimal place or a sign is 422 naming the field, with the rule's own code and words.
MONEY_REFUSALS = [(1000000.5, "money_wrong_type", "金额须写成文本", "written as text"),
                  (1000.5, "money_wrong_type", "金额须写成文本", "written as text"),
                  ("1e3", "money_exponent", "科学计数法", "exponent"),
                  ("1E3", "money_exponent", "科学计数法", "exponent"),
                  ("1.234", "money_places", "两位小数", "two decimal places"),
                  ("-0", "money_negative_zero", "-0", "-0"),
                  ("100000000000.01", "must_be_at_most", "100000000000.00", "100000000000.00")]


def refusal(api: Api, url: str, body: dict[str, Any], agency: str = "hrss") -> list[dict[str, Any]]:
    """The 422 detail, in Chinese (the default) and English, which must name the same fields."""
    zh = api.client.post(url, json=body, headers=api.auth(agency))
    en = api.client.post(url, json=body, headers={**api.auth(agency), "Accept-Language": "en"})
    assert zh.status_code == en.status_code == 422, zh.text
    both = list(zip(zh.json()["detail"], en.json()["detail"], strict=True))
    assert all(z["field"] == e["field"] and z["code"] == e["code"] for z, e in both)
    return [{**z, "message_en": e["message"]} for z, e in both]


@pytest.mark.parametrize(("value", "code", "zh", "en"), MONEY_REFUSALS)
def test_prevention_money_follows_the_notice_money_rule(api: Api, value: Any, code: str, zh: str,
                                                          en: str) -> None:
    """Fund years, proposals and disbursements: the same refusals as `direct_loss_cny`."""
    for url, body in ((FY, {"year": 2026, "previous_year_fund_income_cny": value}),
                      (PP, project_body(value))):
        [e] = refusal(api, url, body)
        assert e["field"] in body and e["code"] == code, e
        assert zh in e["message"] and en in e["message_en"], e
    post(api, FY, "hrss", {"year": 2026, "previous_year_fund_income_cny": "10000000"}, 201)
    p = post(api, PP, "hrss", project_body("50000"), 201)
    post(api, f"{PP}/{p['id']}/approval", "finance")
    [e] = refusal(api, f"{PP}/{p['id']}/disbursements", {"amount_cny": value, "purpose": "首期"})
    assert (e["field"], e["code"]) == ("amount_cny", code)
    assert zh in e["message"] and en in e["message_en"]
    got = api.client.get(f"{PP}/{p['id']}", headers=api.auth("hrss")).json()
    assert got["version"] == 2 and got["paid_cny"] == "0.00"  # nothing was stored


def test_prevention_money_refusals_name_every_field_at_once(api: Api) -> None:
    e = refusal(api, PP, project_body("1e3", title="  ", category="party"))
    assert {x["field"]: x["code"] for x in e}["budget_cny"] == "money_exponent"
    assert {"budget_cny", "category"} <= {x["field"] for x in e}
    assert refusal(api, PP, project_body("0"))[0]["code"] == "greater_than"  # a budget is > 0


def test_prevention_text_follows_the_notice_text_rule(api: Api) -> None:
    """Blank or control characters are refused in every text a project carries, all named."""
    e = refusal(api, PP, project_body(title="\u200b ", description="a\u0007b",
                                      districts=["鼓楼区", "\u0000"]))
    assert {x["field"]: x["code"] for x in e} == {
        "title": "must_not_be_empty", "description": "control_characters",
        "districts.1": "control_characters"}
    post(api, FY, "hrss", {"year": 2026, "previous_year_fund_income_cny": "10000000"}, 201)
    p = post(api, PP, "hrss", project_body(title="  培训  ", description="第一行\n第二行"), 201)
    got = api.client.get(f"{PP}/{p['id']}", headers=api.auth("hrss")).json()
    assert (got["title"], got["description"]) == ("培训", "第一行\n第二行")
    post(api, f"{PP}/{p['id']}/approval", "finance")
    [e] = refusal(api, f"{PP}/{p['id']}/disbursements", {"amount_cny": "1", "purpose": "\t"})
    assert (e["field"], e["code"]) == ("purpose", "must_not_be_empty")


@pytest.mark.parametrize(("value", "stored"), [("1000000.50", "1000000.50"), (1000000, "1000000.00"),
                                               (" 12.3 ", "12.30"), ("0", "0.00")])
def test_prevention_money_as_typed_is_accepted(api: Api, value: Any, stored: str) -> None:
    fy = post(api, FY, "hrss", {"year": 2026, "previous_year_fund_income_cny": value}, 201)
    got = api.client.get(f"{FY}/2026", headers=api.auth("finance")).json()
    assert fy["previous_year_fund_income_cny"] == got["previous_year_fund_income_cny"] == stored


def test_disbursements_milestones_assessment_and_the_ledger(api: Api) -> None:
    post(api, FY, "hrss", {"year": 2026, "previous_year_fund_income_cny": "10000000"}, 201)
    p = post(api, PP, "hrss", project_body("50000", category="publicity", title="宣传大篷车进园区",
                                           planned={"days_on_tour": 10, "stops": 30},
                                           districts=["鼓楼区", "晋安区"]), 201,
             **{"Idempotency-Key": "proposal-1"})
    again = post(api, PP, "hrss", project_body("50000", category="publicity", title="宣传大篷车进园区",
                                               planned={"days_on_tour": 10, "stops": 30},
                                               districts=["鼓楼区", "晋安区"]), 201,
                 **{"Idempotency-Key": "proposal-1"})
    assert again["id"] == p["id"]
    url = f"{PP}/{p['id']}"
    post(api, f"{url}/approval", "finance", **{"If-Match": '"7"'}, status=412)
    post(api, f"{url}/approval", "finance", **{"If-Match": '"1"'})
    post(api, f"{url}/milestones", "hrss", {"achieved": {"days_toured": 10, "stops": 27,
                                                         "audience_reached": 5100}})
    d = post(api, f"{url}/disbursements", "hrss", {"amount_cny": "45000", "purpose": "首期"}, 201)
    over = post(api, f"{url}/disbursements", "hrss", {"amount_cny": "5000.01", "purpose": "x"}, 409)
    assert over["budget_cny"] == "50000.00" and over["requested_unpaid_cny"] == "45000.00"
    api.container.drain()
    ledger = api.client.get("/api/v1/agencies/finance/ledger", headers=api.auth("finance")).json()
    assert [i["disbursement_id"] for i in ledger["disbursements_waiting"]] == [d["disbursement_id"]]
    post(api, f"{url}/disbursements/{d['disbursement_id']}/payment", "finance")
    assessed = post(api, f"{url}/assessment", "hrss", {"conclusion": "站点完成九成"})
    assert assessed["comparison"]["stops"]["achievement_pct"] == "90.0"
    assert post(api, f"{url}/closure", "hrss", {"note": "结项"})["status"] == "closed"
    api.container.drain()
    ledger = api.client.get("/api/v1/agencies/finance/ledger", headers=api.auth("finance", "auditor"))
    assert ledger.status_code == 200
    [row] = ledger.json()["fund_years"]
    assert (row["cap_cny"], row["approved_total_cny"], row["paid_cny"], row["remaining_cny"]) == (
        "300000.00", "50000.00", "45000.00", "250000.00")
    assert ledger.json()["disbursements_waiting"] == []


@pytest.mark.parametrize(("path", "owner"), [
    ("finance/ledger", "finance"), ("hrss/statistics", "hrss"), ("hrss/rate-proposals", "hrss"),
    ("health/follow-ups", "health"), ("safety/queue", "safety"), ("finance/queue", "finance"),
    ("hrss/action-items", "hrss"),
])
def test_an_agency_cannot_read_another_agencys_data(api: Api, path: str, owner: str) -> None:
    url = f"/api/v1/agencies/{path}"
    for agency in ("hrss", "safety", "health", "finance"):
        r = api.client.get(url, headers=api.auth(agency))
        assert r.status_code == (200 if agency == owner else 403), (agency, r.text)
        r = api.client.get(url, headers=api.auth(agency, "auditor"))
        assert r.status_code == 200
    assert api.client.get(url).status_code == 401


def test_statistics_rate_proposals_and_health_follow_up_done(api: Api) -> None:
    n = post(api, "/api/v1/accident-notices", "safety", notice_body(cause="poisoning", deaths=1), 201)
    url = f"/api/v1/agencies/health/follow-ups/{n['id']}/done"
    post(api, url, "safety", {"findings": "x"}, 403)
    post(api, url, "health", {"findings": " "}, 422)
    post(api, url, "health", {"findings": "已组织接触人员职业健康检查", "health_checks_given": 14}, 201)
    post(api, url, "health", {"findings": "again"}, 409)
    api.container.drain()
    items = api.client.get("/api/v1/agencies/health/follow-ups?status=done",
                           headers=api.auth("health")).json()["items"]
    assert [(i["notice_id"], i["done"]["health_checks_given"]) for i in items] == [(n["id"], 14)]
    stats = api.client.get("/api/v1/agencies/hrss/statistics", headers=api.auth("hrss")).json()
    assert stats["total"]["cases"] == 1 and stats["total"]["deaths"] == 1
    rates = api.client.get("/api/v1/agencies/hrss/rate-proposals", headers=api.auth("hrss")).json()
    [p] = rates["proposals"]
    assert p["factor"] == "1.2" and p["rate_pct"] == "1.080" and len(p["reasons"]) == 3
    assert p["reasons"][2] == "有死亡或多次通报：上浮一档至 120%"  # zh-CN, the default
    assert p["reason_codes"] == ["rate_base", "rate_record", "rate_up_one"]
    en = api.client.get("/api/v1/agencies/hrss/rate-proposals",
                        headers={**api.auth("hrss"), "Accept-Language": "en"}).json()
    assert en["proposals"][0]["reasons"][2] == "deaths or repeated notices: up one step to 120%"
    assert api.client.get("/api/v1/agencies/hrss/statistics?year=1999",
                          headers=api.auth("hrss")).status_code == 422


def meeting_with_an_item(api: Api, clock: ManualClock, due_in_days: int) -> tuple[JointMeeting, date]:
    """A meeting held today (the city's day) whose resolution gives safety one action item."""
    hrss = Actor("u-h", "李强", "hrss", "liaison")
    m = JointMeeting.convene(actor=hrss, title="联席会议", held_on=beijing_date(clock.now), agenda=["议题"],
                             invited=["hrss", "safety"], now=clock.now)
    for agency in ("hrss", "safety"):
        m.record_attendance(actor=hrss, agency=agency, present=True, attendees=["代表"], now=clock.now)
    due = beijing_date(clock.now) + timedelta(days=due_in_days)
    m.adopt_resolution(actor=hrss, text="整改", now=clock.now, action_items=[
        {"agency": "safety", "due_on": due, "description": "督促整改"}])
    api.container.app.commit(m)
    api.container.drain()
    return m, due


def test_overdue_action_items_are_judged_when_asked(api: Api, clock: ManualClock) -> None:
    safety = Actor("u-s", "王敏", "safety", "liaison")
    m, due = meeting_with_an_item(api, clock, 10)
    url = "/api/v1/agencies/hrss/action-items?overdue=true"
    assert api.client.get(url, headers=api.auth("hrss")).json()["items"] == []
    clock.advance(days=11)  # nothing new is stored: overdue comes from the due date and now
    [item] = api.client.get(url, headers=api.auth("hrss")).json()["items"]
    assert item["agency"] == "safety" and item["due_on"] == due.isoformat() and item["overdue"]
    m.mark_done(actor=safety, resolution_no=1, item_no=1, note="已完成", now=clock.now)
    api.container.app.commit(m)
    api.container.drain()
    assert api.client.get(url, headers=api.auth("hrss")).json()["items"] == []


def test_an_item_is_overdue_from_midnight_in_beijing_not_in_utc(api: Api, clock: ManualClock) -> None:
    clock.now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # 11:00 on 2 December in Beijing
    meeting_with_an_item(api, clock, 0)  # due today
    hrss_url = "/api/v1/agencies/hrss/action-items?overdue=true"
    joint_url = "/api/v1/joint-meetings/overdue-action-items"

    def overdue() -> tuple[list[Any], dict[str, Any]]:
        mine = api.client.get(hrss_url, headers=api.auth("hrss")).json()["items"]
        return mine, api.client.get(joint_url, headers=api.auth("safety")).json()

    clock.now = datetime(2026, 12, 2, 15, 59, tzinfo=UTC)  # 23:59 on the due day in Beijing
    mine, joint = overdue()
    assert mine == [] and joint == {"as_of": "2026-12-02", "agencies": {}}
    clock.now = datetime(2026, 12, 2, 16, 1, tzinfo=UTC)  # 00:01 the next day; UTC is still on the 2nd
    mine, joint = overdue()
    assert [i["due_on"] for i in mine] == ["2026-12-02"] and mine[0]["overdue"]
    assert joint["as_of"] == "2026-12-03" and list(joint["agencies"]) == ["safety"]
