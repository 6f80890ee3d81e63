"""/api/v1/joint-meetings over HTTP: convene, attendance, resolutions, action items, minutes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.common import beijing_date
from tests.e2e.conftest import Api
from tests.support import ManualClock

URL = "/api/v1/joint-meetings"


def convene(api: Api, clock: ManualClock, **kw: Any) -> str:
    body = {"title": "工伤预防联席会议", "held_on": (beijing_date(clock.now) + timedelta(days=3)).isoformat(),
            "agenda": ["通报上季度工伤事故", "审议联合检查计划"], "invited": ["hrss", "safety", "health"],
            **kw}
    r = api.client.post(URL, json=body, headers=api.auth("hrss"))
    assert r.status_code == 201, r.text
    mid: str = r.json()["id"]
    return mid


def attend(api: Api, mid: str, agency: str, present: bool = True) -> Any:
    return api.client.post(f"{URL}/{mid}/attendance", headers=api.auth("hrss"), json={
        "agency": agency, "present": present, "attendees": [f"{agency}代表"] if present else []})


def test_only_hrss_convenes_and_bad_input_is_422(api: Api, clock: ManualClock) -> None:
    body = {"title": "t", "held_on": beijing_date(clock.now).isoformat(), "agenda": ["a"],
            "invited": ["safety"]}
    assert api.client.post(URL, json=body, headers=api.auth("safety")).status_code == 403
    assert api.client.post(URL, json=body).status_code == 401
    r = api.client.post(URL, headers=api.auth("hrss"), json={**body, "agenda": [], "invited": ["x"]})
    assert r.status_code == 422
    assert {"agenda", "invited.0"} <= {e["field"] for e in r.json()["detail"]}
    past = api.client.post(URL, headers=api.auth("hrss"), json={
        **body, "held_on": (beijing_date(clock.now) - timedelta(days=1)).isoformat()})
    assert past.status_code == 422 and past.json()["detail"][0]["field"] == "held_on"


def test_full_meeting_with_each_refusal(api: Api, clock: ManualClock) -> None:
    mid = convene(api, clock)
    due = (beijing_date(clock.now) + timedelta(days=10)).isoformat()
    resolution = {"text": "开展建筑施工领域联合检查", "action_items": [
        {"agency": "safety", "description": "牵头制定检查方案", "due_on": due},
        {"agency": "health", "description": "职业健康检查", "due_on": due}]}
    early = attend(api, mid, "hrss")
    assert early.status_code == 409 and early.json()["code"] == "meeting_too_early"
    assert "当天或之后" in early.json()["detail"] and "记录出席" in early.json()["detail"]
    clock.advance(days=3)  # the meeting's day
    assert attend(api, mid, "hrss").status_code == 200
    assert attend(api, mid, "finance").status_code == 422  # not a member
    assert api.client.post(f"{URL}/{mid}/attendance", headers=api.auth("safety"), json={
        "agency": "safety", "present": True, "attendees": ["王"]}).status_code == 403
    attend(api, mid, "safety", present=False)
    r = api.client.post(f"{URL}/{mid}/resolutions", json=resolution,
                        headers={**api.auth("hrss"), "Accept-Language": "en"})
    assert r.status_code == 409 and r.json()["absent"] == ["health", "safety"]
    assert (r.json()["quorum"], r.json()["members"]) == (2, ["health", "hrss", "safety"])
    assert r.json()["code"] == "no_quorum" and "health, safety" in r.json()["detail"]
    attend(api, mid, "safety")
    attend(api, mid, "health", present=False)  # two of three present: a quorum
    no_member = {**resolution, "action_items": [
        {"agency": "finance", "description": "拨付经费", "due_on": due}]}
    r = api.client.post(f"{URL}/{mid}/resolutions", json=no_member, headers=api.auth("hrss"))
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "action_items.0.agency"
    stale = api.client.post(f"{URL}/{mid}/resolutions", json=resolution,
                            headers={**api.auth("hrss"), "If-Match": '"2"'})
    assert stale.status_code == 412
    r = api.client.post(f"{URL}/{mid}/resolutions", json=resolution, headers=api.auth("hrss"))
    assert r.status_code == 201 and r.json()["resolution_no"] == 1
    done_url = f"{URL}/{mid}/resolutions/1/action-items/1/done"
    wrong = api.client.post(done_url, json={"note": ""},
                            headers={**api.auth("health"), "Accept-Language": "en"})
    assert wrong.status_code == 403 and "safety" in wrong.json()["detail"]
    assert wrong.json()["code"] == "action_item_not_assigned"
    for bad in ({"json": {"note": 123}}, {"content": b"{bad"}, {"json": {"note": "x"},
                                                                "headers": {"If-Match": "?"}}):
        more = bad.pop("headers", {})
        r = api.client.post(done_url, **bad, headers={
            **api.auth("health"), **more, "Content-Type": "application/json"})
        assert r.status_code == 403 and r.json()["code"] == "action_item_not_assigned", r.text
    assert api.client.post(done_url, json={"note": "方案已印发"},
                           headers=api.auth("safety")).status_code == 200
    assert api.client.post(done_url, json={}, headers=api.auth("safety")).status_code == 409
    missing = api.client.post(f"{URL}/{mid}/resolutions/1/action-items/9/done", json={},
                              headers=api.auth("safety"))
    assert missing.status_code == 404 and missing.json()["code"] == "no_such_action_item"
    missing = api.client.post(f"{URL}/{mid}/resolutions/7/action-items/1/done", json={},
                              headers=api.auth("safety"))
    assert missing.status_code == 404 and missing.json()["code"] == "no_such_resolution"
    assert api.client.post(f"{URL}/{mid}/closure", headers=api.auth("hrss")).status_code == 409
    assert api.client.post(f"{URL}/{mid}/minutes", json={"text": "纪要"},
                           headers=api.auth("safety")).status_code == 403
    assert api.client.post(f"{URL}/{mid}/minutes", json={"text": "会议纪要全文"},
                           headers=api.auth("hrss")).status_code == 200
    assert api.client.post(f"{URL}/{mid}/closure", headers=api.auth("hrss")).status_code == 200
    m = api.client.get(f"{URL}/{mid}", headers=api.auth("finance")).json()
    assert m["status"] == "closed" and m["absent"] == ["health"]
    assert m["minutes"]["text"] == "会议纪要全文"
    assert m["quorum"] == {"members": 3, "present": 2, "needed": 2, "met": True}
    api.container.drain()
    health_queue = api.client.get("/api/v1/agencies/health/queue", headers=api.auth("health"))
    assert [i["summary"] for i in health_queue.json()["items"]
            if i["kind"] == "meeting_action_item"] == ["职业健康检查"]  # absent, still bound
    assert m["resolutions"][0]["action_items"][0]["done"]["by"]["agency"] == "safety"
    listing = api.client.get(URL, params={"status": "closed"}, headers=api.auth("finance")).json()
    assert [x["id"] for x in listing["items"]] == [mid]

    clock.advance(days=8)
    overdue = api.client.get(f"{URL}/overdue-action-items", headers=api.auth("health")).json()
    assert list(overdue["agencies"]) == ["health"]
    assert overdue["agencies"]["health"][0]["description"] == "职业健康检查"
    m = api.client.get(f"{URL}/{mid}", headers=api.auth("finance")).json()
    assert [i["overdue"] for i in m["resolutions"][0]["action_items"]] == [False, True]
    only = api.client.get(f"{URL}/overdue-action-items", params={"agency": "safety"},
                          headers=api.auth("health")).json()
    assert only["agencies"] == {"safety": []}
    assert api.client.get(f"{URL}/not-a-uuid", headers=api.auth("hrss")).status_code == 422
