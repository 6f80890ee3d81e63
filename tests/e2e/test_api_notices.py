"""Every status code of API.md for accident notices, over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.conftest import Api
from tests.support import ManualClock, credit_code, notice_body


def file(api: Api, agency: str = "safety", **overrides: object) -> dict[str, object]:
    r = api.client.post("/api/v1/accident-notices", json=notice_body(**overrides),
                        headers=api.auth(agency))
    assert r.status_code == 201, r.text
    body: dict[str, object] = r.json()
    return body


def fields(r: object) -> set[str]:
    return {e["field"] for e in r.json()["detail"]}  # type: ignore[attr-defined]


def test_file_grades_routes_and_sets_deadlines(api: Api, clock: ManualClock) -> None:
    r = api.client.post("/api/v1/accident-notices",
                        json=notice_body(deaths=3, serious_injuries=0, cause="poisoning"),
                        headers=api.auth("safety"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["grade"] == "large"
    assert body["required_agencies"] == ["safety", "hrss", "health", "finance"]
    safety_deadline = datetime.fromisoformat(body["deadlines"]["safety"])
    assert safety_deadline == clock.now + timedelta(hours=1)
    assert datetime.fromisoformat(body["deadlines"]["hrss"]) == clock.now + timedelta(hours=24)
    got = api.client.get(f"/api/v1/accident-notices/{body['id']}", headers=api.auth("hrss"))
    assert got.status_code == 200
    notice = got.json()
    assert notice["status"] == "open"
    assert notice["version"] == 1
    assert notice["pending_agencies"] == ["safety", "hrss", "health", "finance"]
    assert notice["filed_by"]["agency"] == "safety"
    assert notice["summary"] == "工人在冲压作业中右手被压伤"


def test_missing_or_unknown_token_is_401(api: Api) -> None:
    assert api.client.post("/api/v1/accident-notices", json=notice_body()).status_code == 401
    r = api.client.get("/api/v1/accident-notices",
                       headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401


def test_healthz_needs_no_token(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}


def test_auditor_cannot_file_403(api: Api) -> None:
    r = api.client.post("/api/v1/accident-notices", json=notice_body(),
                        headers=api.auth("hrss", "auditor"))
    assert r.status_code == 403
    assert api.client.get("/api/v1/accident-notices", headers=api.auth("hrss", "auditor")
                          ).json()["total"] == 0


def test_acknowledge_by_required_agency_only(api: Api) -> None:
    n = file(api, serious_injuries=0, cause="fall")  # ordinary: safety and hrss
    url = f"/api/v1/accident-notices/{n['id']}/acknowledgements"
    assert api.client.post(url, headers=api.auth("finance")).status_code == 403
    ok = api.client.post(url, headers=api.auth("hrss"))
    assert ok.status_code == 200 and ok.json()["version"] == 2
    again = api.client.post(url, headers=api.auth("hrss"))
    assert again.status_code == 409
    notice = api.client.get(f"/api/v1/accident-notices/{n['id']}", headers=api.auth("hrss")).json()
    assert notice["pending_agencies"] == ["safety"]
    assert notice["acknowledgements"][0]["by"]["name"] == "hrss-liaison"


def test_bad_input_is_422_naming_each_field_and_stores_nothing(api: Api) -> None:
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    bad_code = credit_code(7)[:-1] + ("0" if credit_code(7)[-1] != "0" else "1")
    body = notice_body(cause="meteor", deaths=-1, occurred_at=future, summary="   ")
    body["employer"]["credit_code"] = bad_code
    r = api.client.post("/api/v1/accident-notices", json=body, headers=api.auth("safety"))
    assert r.status_code == 422
    assert {"cause", "deaths", "occurred_at", "summary", "employer.credit_code"} <= fields(r)
    listing = api.client.get("/api/v1/accident-notices", headers=api.auth("safety")).json()
    assert listing["total"] == 0


def test_idempotency_key_replays_and_rejects_other_body(api: Api) -> None:
    h = {**api.auth("safety"), "Idempotency-Key": "req-1"}
    body = notice_body()
    first = api.client.post("/api/v1/accident-notices", json=body, headers=h)
    second = api.client.post("/api/v1/accident-notices", json=body, headers=h)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    other = api.client.post("/api/v1/accident-notices", json={**body, "deaths": 2}, headers=h)
    assert other.status_code == 422
    assert api.client.get("/api/v1/accident-notices", headers=h).json()["total"] == 1


def test_if_match_stale_version_is_412(api: Api) -> None:
    n = file(api)
    url = f"/api/v1/accident-notices/{n['id']}/acknowledgements"
    stale = api.client.post(url, headers={**api.auth("hrss"), "If-Match": '"7"'})
    assert stale.status_code == 412
    fresh = api.client.post(url, headers={**api.auth("hrss"), "If-Match": '"1"'})
    assert fresh.status_code == 200


def test_revision_regrades_reopens_and_is_refused_after_window(api: Api, clock: ManualClock) -> None:
    n = file(api, serious_injuries=0, cause="fall")
    url = f"/api/v1/accident-notices/{n['id']}"
    api.client.post(url + "/acknowledgements", headers=api.auth("safety"))
    api.client.post(url + "/acknowledgements", headers=api.auth("hrss"))
    r = api.client.post(url + "/revisions", headers=api.auth("safety"), json={
        "deaths": 3, "serious_injuries": 0, "missing": 0, "direct_loss_cny": "0",
        "reason": "一名失踪者确认死亡"})
    assert r.status_code == 200, r.text
    assert r.json()["grade"] == "large" and r.json()["reopened"] is True
    notice = api.client.get(url, headers=api.auth("safety")).json()
    assert notice["pending_agencies"] == ["safety", "hrss", "finance"]
    clock.advance(days=31)
    late = api.client.post(url + "/revisions", headers=api.auth("safety"), json={
        "deaths": 4, "serious_injuries": 0, "missing": 0, "direct_loss_cny": "0",
        "reason": "再次补报"})
    assert late.status_code == 422
    assert late.json()["detail"][0]["code"] == "revision_window_closed"
    assert "30 天内" in late.json()["detail"][0]["message"]  # zh-CN unless asked otherwise
    late_en = api.client.post(url + "/revisions", json={
        "deaths": 4, "serious_injuries": 0, "missing": 0, "direct_loss_cny": "0",
        "reason": "再次补报"}, headers={**api.auth("safety"), "Accept-Language": "en"})
    assert "30 days" in late_en.json()["detail"][0]["message"]


def test_close_and_withdraw_need_reason_and_end_the_notice(api: Api) -> None:
    n = file(api)
    url = f"/api/v1/accident-notices/{n['id']}"
    assert api.client.post(url + "/withdrawal", json={"reason": ""},
                           headers=api.auth("safety")).status_code == 422
    assert api.client.post(url + "/withdrawal", json={"reason": "误报"},
                           headers=api.auth("hrss")).status_code == 403
    ok = api.client.post(url + "/withdrawal", json={"reason": "误报，重复填报"},
                         headers=api.auth("safety"))
    assert ok.status_code == 200
    assert api.client.get(url, headers=api.auth("hrss")).json()["status"] == "withdrawn"
    assert api.client.post(url + "/acknowledgements", headers=api.auth("hrss")).status_code == 409
    m = file(api)
    for agency in m["required_agencies"]:  # type: ignore[attr-defined]
        assert api.client.post(f"/api/v1/accident-notices/{m['id']}/acknowledgements",
                               headers=api.auth(agency)).status_code == 200
    closed = api.client.post(f"/api/v1/accident-notices/{m['id']}/closure",
                             json={"reason": "调查结束"}, headers=api.auth("safety"))
    assert closed.status_code == 200


def test_list_filters(api: Api) -> None:
    a = file(api, deaths=10)
    file(api, district="台江区")
    h = api.auth("finance")
    assert [i["id"] for i in api.client.get("/api/v1/accident-notices?grade=major",
                                            headers=h).json()["items"]] == [a["id"]]
    assert api.client.get("/api/v1/accident-notices?district=台江区", headers=h).json()["total"] == 1
    assert api.client.get("/api/v1/accident-notices?pending_for=finance",
                          headers=h).json()["total"] == 1
    assert api.client.get("/api/v1/accident-notices?grade=huge", headers=h).status_code == 422


def test_transport_status_shows_in_process_positions(api: Api) -> None:
    file(api)
    api.container.drain()
    status = api.client.get("/api/v1/transport/status", headers=api.auth("safety")).json()
    assert status["mode"] == "in-process" and status["log_head"] == 1
    assert status["consumers"]["safety"] == {"log": 1}
    assert status["relay_lag"] is None


def test_unknown_notice_is_404(api: Api) -> None:
    r = api.client.get("/api/v1/accident-notices/00000000-0000-0000-0000-000000000000",
                       headers=api.auth("hrss"))
    assert r.status_code == 404


def test_transport_status_shows_no_lag_when_nothing_is_pending(api: Api) -> None:
    """The log's last event is one safety does not consume: safety is not behind."""
    from decimal import Decimal

    from domain.common import Actor

    file(api)
    api.container.fund_years.open(Actor("u-h", "人社", "hrss", "liaison"), 2026, Decimal("1000000.00"))
    api.container.drain()
    status = api.client.get("/api/v1/transport/status", headers=api.auth("safety")).json()
    assert status["consumers"]["safety"]["log"] < status["log_head"]
    assert status["consumer_lag"] == {"hrss": 0, "safety": 0, "health": 0, "finance": 0}
    file(api)  # not yet fed to the in-process consumers
    status = api.client.get("/api/v1/transport/status", headers=api.auth("safety")).json()
    assert status["consumer_lag"]["safety"] == 1
