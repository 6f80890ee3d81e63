"""/api/v1/joint-inspections over HTTP: each step, each refusal, the draw, the proposal path."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from adapters.accounts import Accounts
from domain.common import Actor, beijing_date
from tests.e2e.conftest import Api
from tests.support import ManualClock, credit_code, notice_body

URL = "/api/v1/joint-inspections"
PEOPLE = [{"id": "i-s1", "name": "王敏", "agency": "safety"},
          {"id": "i-h1", "name": "陈静", "agency": "health"},
          {"id": "i-s2", "name": "林峰", "agency": "safety"}]


def account(api: Api, agency: str, role: str = "inspector") -> Actor:
    token = api.auth(agency, role)["Authorization"].split()[1]
    found = Accounts(api.container.store("api")).authenticate(token)
    assert found is not None
    return found


def seed_register(api: Api) -> None:
    """The inspector register holds PEOPLE; the test's safety and health inspector accounts are
    linked (through the API) to i-s1 and i-h1."""
    admin = api.auth("hrss", "admin")
    assert api.client.post("/api/v1/registers/inspectors", json={"entries": PEOPLE},
                           headers=admin).status_code == 200
    for agency, key in (("safety", "i-s1"), ("health", "i-h1")):
        r = api.client.post(f"/api/v1/registers/inspectors/{key}/account", headers=admin,
                            json={"account_id": account(api, agency).id})
        assert r.status_code == 200, r.text


@pytest.fixture(autouse=True)
def register(api: Api) -> None:
    seed_register(api)


def body(clock: ManualClock, first: int = 0, last: int = 1, **overrides: Any) -> dict[str, Any]:
    d = beijing_date(clock.now)
    b: dict[str, Any] = {
        "theme": "有限空间作业专项检查", "starts_on": (d + timedelta(days=first)).isoformat(),
        "ends_on": (d + timedelta(days=last)).isoformat(), "lead_agency": "safety",
        "agencies": ["safety", "health"], "inspectors": PEOPLE[:2],
        "targets": [{"credit_code": credit_code(1), "name": "福州某某机械制造有限公司"}],
    }
    b.update(overrides)
    return b


def schedule(api: Api, clock: ManualClock, **kw: Any) -> dict[str, Any]:
    r = api.client.post(URL, json=body(clock, **kw), headers=api.auth("safety", "inspector"))
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def post(api: Api, path: str, json: Any = None, agency: str = "safety", **h: str) -> Any:
    return api.client.post(URL + path, json=json, headers={**api.auth(agency, "inspector"), **h})


def test_schedule_read_list_and_calendar(api: Api, clock: ManualClock) -> None:
    i = schedule(api, clock)
    assert i["status"] == "scheduled" and i["version"] == 1
    got = api.client.get(f"{URL}/{i['id']}", headers=api.auth("hrss", "liaison"))
    assert got.status_code == 200 and got.json()["theme"] == "有限空间作业专项检查"
    assert got.json()["agencies"] == ["health", "safety"]
    listing = api.client.get(URL, params={"status": "scheduled"}, headers=api.auth("hrss"))
    assert [x["id"] for x in listing.json()["items"]] == [i["id"]]
    assert api.client.get(URL, params={"status": "started"},
                          headers=api.auth("hrss")).json()["total"] == 0
    d = beijing_date(clock.now)
    cal = api.client.get(f"{URL}/calendar", headers=api.auth("health", "liaison"), params={
        "inspector": "i-h1", "from": d.isoformat(), "to": (d + timedelta(days=7)).isoformat()})
    assert cal.status_code == 200
    assert [x["inspection_id"] for x in cal.json()["items"]] == [i["id"]]
    later = api.client.get(f"{URL}/calendar", headers=api.auth("health"), params={
        "inspector": "i-h1", "from": (d + timedelta(days=2)).isoformat(),
        "to": (d + timedelta(days=7)).isoformat()})
    assert later.json()["items"] == []
    bad = api.client.get(f"{URL}/calendar", headers=api.auth("health"), params={
        "inspector": "i-h1", "from": d.isoformat(), "to": (d - timedelta(days=1)).isoformat()})
    assert bad.status_code == 422


def test_roles_401_403(api: Api, clock: ManualClock) -> None:
    assert api.client.post(URL, json=body(clock)).status_code == 401
    r = api.client.post(URL, json=body(clock), headers=api.auth("safety", "liaison"))
    assert r.status_code == 403
    i = schedule(api, clock)
    r = post(api, f"/{i['id']}/start", agency="finance")
    assert r.status_code == 403 and "finance" in r.json()["detail"]
    r = api.client.post(URL, json=body(clock), headers=api.auth("finance", "inspector"))
    assert r.status_code == 403


def test_bad_plans_are_422_naming_the_field(api: Api, clock: ManualClock) -> None:
    h = api.auth("safety", "inspector")
    cases = [
        ({"agencies": ["safety"]}, "agencies"),
        ({"targets": [{"credit_code": "913501000000000000", "name": "x"}]}, "targets.0.credit_code"),
        ({"inspectors": [PEOPLE[0], PEOPLE[2]]}, "inspectors"),
        ({"ends_on": (beijing_date(clock.now) - timedelta(days=1)).isoformat()}, "ends_on"),
        ({"lead_agency": "finance"}, "lead_agency"),
        ({"severity": "x"}, "severity"),
    ]
    for overrides, field in cases:
        r = api.client.post(URL, json=body(clock, **overrides), headers=h)
        assert r.status_code == 422, (overrides, r.text)
        assert any(e["field"] == field for e in r.json()["detail"]), (field, r.json())
    both = api.client.post(URL, json=body(clock, draw={"targets": 1, "inspectors": 2}), headers=h)
    assert both.status_code == 422
    no_notice = api.client.post(URL, json=body(clock, notice_id="00000000-0000-4000-8000-000000000000"),
                                headers=h)
    assert no_notice.status_code == 422 and no_notice.json()["detail"][0]["field"] == "notice_id"
    assert api.client.get(URL, headers=h).json()["total"] == 0


def test_double_booking_is_409_naming_inspector_and_other_inspection(
    api: Api, clock: ManualClock
) -> None:
    first = schedule(api, clock, first=0, last=2)
    r = api.client.post(URL, json=body(clock, first=2, last=3, inspectors=[PEOPLE[2], PEOPLE[1]]),
                        headers=api.auth("safety", "inspector"))
    assert r.status_code == 409
    assert r.json()["inspector_id"] == "i-h1" and r.json()["other_inspection_id"] == first["id"]
    assert "i-h1" in r.json()["detail"] and first["id"] in r.json()["detail"]
    ok = post(api, f"/{first['id']}/cancellation", {"reason": "企业停产"})
    assert ok.status_code == 200
    again = api.client.post(URL, json=body(clock, first=2, last=3, inspectors=[PEOPLE[2], PEOPLE[1]]),
                            headers=api.auth("safety", "inspector"))
    assert again.status_code == 201


def test_lifecycle_over_http_with_each_refusal(api: Api, clock: ManualClock) -> None:
    i = schedule(api, clock)
    iid = i["id"]
    finding = {"employer_credit_code": credit_code(1), "hazard": "有限空间未设置警示标识",
               "severity": "major", "legal_basis": "《安全生产法》第三十五条"}
    assert post(api, f"/{iid}/findings", finding).status_code == 409  # not started
    assert post(api, f"/{iid}/start", **{"If-Match": '"9"'}).status_code == 412
    assert post(api, f"/{iid}/start", **{"If-Match": '"1"'}).status_code == 200
    again = post(api, f"/{iid}/start", **{"Accept-Language": "en"})
    assert again.status_code == 409 and "started" in again.json()["detail"]
    assert again.json()["code"] == "inspection_wrong_status"
    assert post(api, f"/{iid}/findings", {**finding, "severity": "fatal"}).status_code == 422
    other = post(api, f"/{iid}/findings", {**finding, "employer_credit_code": credit_code(2)})
    assert other.status_code == 422 and other.json()["detail"][0]["field"] == "employer_credit_code"
    f = post(api, f"/{iid}/findings", finding, agency="health")
    assert f.status_code == 201 and f.json()["finding_no"] == 1
    assert post(api, f"/{iid}/findings/1/reinspection", {"rectified": True}).status_code == 409
    missing = post(api, f"/{iid}/findings/2/rectification",
                   {"deadline": (clock.now + timedelta(days=7)).isoformat()})
    assert missing.status_code == 404 and missing.json()["code"] == "no_such_finding"
    past = post(api, f"/{iid}/findings/1/rectification", {"deadline": clock.now.isoformat()})
    assert past.status_code == 422 and past.json()["detail"][0]["field"] == "deadline"
    ordered = post(api, f"/{iid}/findings/1/rectification",
                   {"deadline": (clock.now + timedelta(days=7)).isoformat()})
    assert ordered.status_code == 200
    done = post(api, f"/{iid}/completion", {"summary": ""}, **{"Accept-Language": "en"})
    assert done.status_code == 409 and "re-inspection" in done.json()["detail"]
    assert done.json()["code"] == "inspection_unsettled"
    clock.advance(days=8)
    view = api.client.get(f"{URL}/{iid}", headers=api.auth("hrss")).json()
    assert view["findings"][0]["overdue"] is True
    assert post(api, f"/{iid}/findings/1/reinspection",
                {"rectified": False, "note": "仍未整改"}).status_code == 200
    assert post(api, f"/{iid}/completion", {"summary": "移交执法"}).status_code == 200
    view = api.client.get(f"{URL}/{iid}", headers=api.auth("hrss")).json()
    assert view["status"] == "completed" and view["findings"][0]["overdue"] is True
    assert post(api, f"/{iid}/cancellation", {"reason": "x"}).status_code == 409
    assert post(api, f"/{iid}/cancellation", {"reason": ""}).status_code == 422
    listing = api.client.get(URL, params={"status": "completed"}, headers=api.auth("hrss")).json()
    assert listing["items"][0]["findings"] == 1


def test_draw_from_admin_registers_and_verify(api: Api, clock: ManualClock) -> None:
    employers = [{"credit_code": credit_code(n), "name": f"企业{n}"} for n in range(1, 11)]
    inspectors = [{"id": f"{a}-{n}", "name": f"{a}{n}", "agency": a}
                  for a in ("safety", "health") for n in range(3)]
    admin = api.auth("hrss", "admin")
    denied = api.client.post("/api/v1/registers/employers", json={"entries": employers},
                             headers=api.auth("safety", "inspector"))
    assert denied.status_code == 403
    bad = api.client.post("/api/v1/registers/employers", headers=admin,
                          json={"entries": [{"credit_code": "123", "name": "x"}]})
    assert bad.status_code == 422
    assert api.client.post("/api/v1/registers/employers", json={"entries": employers},
                           headers=admin).json()["version"] == 2
    assert api.client.post("/api/v1/registers/inspectors", json={"entries": inspectors},
                           headers=admin).status_code == 200
    reg = api.client.get("/api/v1/registers/inspectors", headers=api.auth("safety", "inspector"))
    assert len(reg.json()["entries"]) == 9
    r = api.client.post(URL, headers=api.auth("safety", "inspector"), json=body(
        clock, inspectors=[], targets=[], draw={"targets": 3, "inspectors": 3, "seed": "2026-06"}))
    assert r.status_code == 201, r.text
    assert len(r.json()["targets"]) == 3 and len(r.json()["inspectors"]) == 3
    v = api.client.get(f"{URL}/{r.json()['id']}/draw/verify", headers=api.auth("hrss", "auditor"))
    assert v.status_code == 200 and v.json()["verified"] is True and v.json()["seed"] == "2026-06"
    too_many = api.client.post(URL, headers=api.auth("safety", "inspector"), json=body(
        clock, first=5, last=5, inspectors=[], targets=[], draw={"targets": 30, "inspectors": 2}))
    assert too_many.status_code == 409
    plain = schedule(api, clock, first=9, last=9)
    assert api.client.get(f"{URL}/{plain['id']}/draw/verify",
                          headers=api.auth("hrss")).status_code == 404
    gone = api.client.delete(f"/api/v1/registers/employers/{credit_code(1)}", headers=admin)
    assert gone.status_code == 200 and len(gone.json()["entries"]) == 9
    assert api.client.delete(f"/api/v1/registers/employers/{credit_code(1)}",
                             headers=admin).status_code == 409


def test_schedule_from_safety_proposal_links_both_ways(api: Api, clock: ManualClock) -> None:
    n = api.client.post("/api/v1/accident-notices", json=notice_body(deaths=3),
                        headers=api.auth("safety"))
    nid = n.json()["id"]
    api.container.drain()
    props = api.client.get("/api/v1/agencies/safety/proposals", headers=api.auth("safety"))
    assert props.status_code == 200
    [p] = props.json()["items"]
    assert p["notice_id"] == nid and p["status"] == "proposed"
    q = api.client.get("/api/v1/agencies/safety/queue", headers=api.auth("safety")).json()
    assert any(i["kind"] == "propose_inspection" and i["proposal_id"] == p["id"] for i in q["items"])
    assert api.client.get("/api/v1/agencies/safety/proposals",
                          headers=api.auth("hrss")).status_code == 403
    b = body(clock, proposal_id=p["id"])
    del b["targets"]
    r = api.client.post(URL, json=b, headers=api.auth("safety", "inspector"))
    assert r.status_code == 201, r.text
    assert r.json()["targets"][0]["credit_code"] == credit_code(1)
    iid = r.json()["id"]
    insp = api.client.get(f"{URL}/{iid}", headers=api.auth("safety")).json()
    assert insp["proposal_id"] == p["id"] and insp["notice_id"] == nid
    api.container.drain()
    [p2] = api.client.get("/api/v1/agencies/safety/proposals", headers=api.auth("safety")).json()["items"]
    assert p2["status"] == "scheduled" and p2["inspection_id"] == iid
    twice = api.client.post(URL, json=body(clock, first=5, last=5, proposal_id=p["id"]),
                            headers=api.auth("safety", "inspector"))
    assert twice.status_code == 409 and iid in twice.json()["detail"]
    unknown = api.client.post(URL, json=body(clock, first=5, last=5, proposal_id="nope"),
                              headers=api.auth("safety", "inspector"))
    assert unknown.status_code == 404
    cal = api.client.get("/api/v1/agencies/safety/calendar", headers=api.auth("safety")).json()
    assert [c["inspection_id"] for c in cal["items"]] == [iid]
    inv = api.client.get("/api/v1/agencies/safety/investigations", headers=api.auth("safety")).json()
    assert [i["notice_id"] for i in inv["items"]] == [nid]


def test_the_register_links_accounts_and_only_booked_inspectors_act(
        api: Api, clock: ManualClock) -> None:
    admin = api.auth("hrss", "admin")
    reg = api.client.get("/api/v1/registers/inspectors", headers=admin).json()
    entry = {e["id"]: e for e in reg["entries"]}
    assert entry["i-s1"]["account"] == {"id": account(api, "safety").id, "name": "safety-inspector"}
    assert entry["i-s2"]["account"] is None and entry["i-s2"]["active"] is True
    liaison = api.client.post("/api/v1/registers/inspectors/i-s2/account", headers=admin,
                              json={"account_id": account(api, "safety", "liaison").id})
    assert liaison.status_code == 422 and liaison.json()["detail"][0]["field"] == "account_id"
    nobody = api.client.post("/api/v1/registers/inspectors/i-s2/account", headers=admin,
                             json={"account_id": "no-such-account"})
    assert nobody.status_code == 422
    assert api.client.post("/api/v1/registers/inspectors/i-s2/account",
                           headers=api.auth("safety", "inspector"),
                           json={"account_id": "x"}).status_code == 403

    # 林峰 is a safety inspector, linked to i-s2, but not booked on this inspection
    lin = Accounts(api.container.store("api")).add("林峰", "safety", "inspector")
    lin_actor = Accounts(api.container.store("api")).authenticate(lin)
    assert lin_actor is not None
    assert api.client.post("/api/v1/registers/inspectors/i-s2/account", headers=admin,
                           json={"account_id": lin_actor.id}).status_code == 200
    iid = schedule(api, clock)["id"]
    lin_h = {"Authorization": f"Bearer {lin}"}
    refused = api.client.post(f"{URL}/{iid}/start", headers={**lin_h, "Accept-Language": "en"})
    assert refused.status_code == 403 and refused.json()["code"] == "not_booked"
    assert "only the inspectors booked on this inspection" in refused.json()["detail"]
    assert post(api, f"/{iid}/start").status_code == 200
    finding = {"employer_credit_code": credit_code(1), "hazard": "消防通道堵塞",
               "severity": "minor", "legal_basis": "《消防法》第二十八条"}
    assert api.client.post(f"{URL}/{iid}/findings", json=finding, headers=lin_h).status_code == 403
    # refused before the request is read: whatever is wrong with its body or headers
    for bad in ({"json": {"severity": "x"}}, {"content": b"{bad"},
                {"json": finding, "headers": {"If-Match": "garbage"}}):
        more = bad.pop("headers", {})
        r = api.client.post(f"{URL}/{iid}/findings", **bad,
                            headers={**lin_h, **more, "Content-Type": "application/json"})
        assert r.status_code == 403 and r.json()["code"] == "not_booked", r.text
    r = api.client.post(f"{URL}/{iid}/completion", json={"summary": 123}, headers=lin_h)
    assert r.status_code == 403 and r.json()["code"] == "not_booked"
    r = api.client.post(f"{URL}/{iid}/findings/1/rectification", json={"deadline": "bad"},
                        headers=lin_h)
    assert r.status_code == 403 and r.json()["code"] == "not_booked"
    assert post(api, f"/{iid}/findings", finding).status_code == 201
    assert post(api, f"/{iid}/findings", {**finding, "severity": "major"}).status_code == 201
    assert api.client.post(f"{URL}/{iid}/findings/1/closure", json={"note": "已清理"},
                           headers=lin_h).status_code == 403
    assert post(api, f"/{iid}/findings/2/closure", {"note": "x"}).status_code == 409  # major
    assert post(api, f"/{iid}/findings/1/closure", {"note": "当场清理完毕"}).status_code == 200
    view = api.client.get(f"{URL}/{iid}", headers=api.auth("hrss")).json()
    assert view["unsettled"] == [{"finding_no": 2, "severity": "major", "needs": "rectification"}]
    assert view["findings"][0]["closed_on_spot"]["note"] == "当场清理完毕"


def test_hand_chosen_inspectors_must_be_active_in_the_register(
        api: Api, clock: ManualClock) -> None:
    h = api.auth("safety", "inspector")
    ghost_body = body(clock, inspectors=[PEOPLE[0], {"id": "ghost-1", "name": "无名",
                                                      "agency": "health"}])
    ghost = api.client.post(URL, headers={**h, "Accept-Language": "en"}, json=ghost_body)
    assert ghost.status_code == 422
    assert ghost.json()["detail"] == [{"field": "inspectors.1.id", "code": "inspector_unknown",
                                       "message": "inspector ghost-1 is not in the inspector register"}]
    zh = api.client.post(URL, headers=h, json=ghost_body).json()["detail"]
    assert zh == [{"field": "inspectors.1.id", "code": "inspector_unknown",
                   "message": "检查人员 ghost-1 不在检查人员名录中"}]
    admin = api.auth("hrss", "admin")
    off = api.client.post("/api/v1/registers/inspectors/i-h1/deactivation", headers=admin,
                          json={"reason": "调离"})
    assert off.status_code == 200
    assert {e["id"]: e["active"] for e in off.json()["entries"]}["i-h1"] is False
    r = api.client.post(URL, headers=h, json=body(clock))
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "inspectors.1.id"
    assert api.client.post("/api/v1/registers/inspectors/i-h1/reactivation",
                           headers=admin).status_code == 200
    assert api.client.post(URL, headers=h, json=body(clock)).status_code == 201


def test_no_start_before_the_window(api: Api, clock: ManualClock) -> None:
    iid = schedule(api, clock, first=2, last=3)["id"]
    early = post(api, f"/{iid}/start", **{"Accept-Language": "en"})
    assert early.status_code == 409 and "cannot start before" in early.json()["detail"]
    assert early.json()["code"] == "inspection_not_yet"
    assert api.client.get(f"{URL}/{iid}", headers=api.auth("hrss")).json()["may_start"] is False
    clock.advance(days=2)
    assert post(api, f"/{iid}/start").status_code == 200


def test_a_cancelled_inspection_reopens_safetys_proposal(api: Api, clock: ManualClock) -> None:
    api.client.post("/api/v1/accident-notices", json=notice_body(deaths=3),
                    headers=api.auth("safety"))
    api.container.drain()
    [p] = api.client.get("/api/v1/agencies/safety/proposals",
                         headers=api.auth("safety")).json()["items"]
    b = body(clock, proposal_id=p["id"])
    first = api.client.post(URL, json=b, headers=api.auth("safety", "inspector")).json()["id"]
    assert post(api, f"/{first}/cancellation", {"reason": "台风"}).status_code == 200
    api.container.drain()
    [again] = api.client.get("/api/v1/agencies/safety/proposals",
                             headers=api.auth("safety")).json()["items"]
    assert again["status"] == "proposed"
    second = api.client.post(URL, json=body(clock, first=3, last=3, proposal_id=p["id"]),
                             headers=api.auth("safety", "inspector"))
    assert second.status_code == 201 and second.json()["id"] != first
