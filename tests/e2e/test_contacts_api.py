"""Contacts are kept by the agency's own admins; bad addresses are refused naming the field."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Api

GOOD: dict[str, Any] = {"name": "值班员甲", "duty": "on_duty", "email": "duty@safety.gov.cn",
                        "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
                        "webhook_kind": "wecom", "language": "zh-CN"}


def fields(r: Any) -> list[str]:
    assert r.status_code == 422, r.text
    return [e["field"] for e in r.json()["detail"]]


def test_admin_adds_replaces_and_removes_contacts(api: Api) -> None:
    admin = api.auth("safety", "admin")
    r = api.client.post("/api/v1/agencies/safety/contacts", headers=admin,
                        json={**GOOD, "webhook_kind": "generic", "webhook_secret": "k3y"})
    assert r.status_code == 201, r.text
    contact = r.json()
    assert contact["has_webhook_secret"] is True and "webhook_secret" not in contact
    cid = contact["id"]
    r = api.client.put(f"/api/v1/agencies/safety/contacts/{cid}", headers=admin,
                       json={**GOOD, "duty": "leader", "language": "en"})
    assert r.status_code == 200 and r.json()["duty"] == "leader"
    listed = api.client.get("/api/v1/agencies/safety/contacts", headers=admin).json()["items"]
    assert [(c["id"], c["duty"], c["language"]) for c in listed] == [(cid, "leader", "en")]
    auditor = api.client.get("/api/v1/agencies/safety/contacts", headers=api.auth("hrss", "auditor"))
    assert auditor.status_code == 200 and "k3y" not in auditor.text
    assert api.client.delete(f"/api/v1/agencies/safety/contacts/{cid}", headers=admin).status_code == 204
    assert api.client.get("/api/v1/agencies/safety/contacts", headers=admin).json()["items"] == []
    # The changes are events that record the admin; the secret is not in them.
    events = api.client.get("/api/v1/audit/events", headers=api.auth("hrss", "auditor"))
    assert events.status_code == 200, events.text
    saved = [e for e in events.json()["items"] if e["event_type"] == "ContactBook.ContactSaved"]
    assert [e["actor"]["name"] for e in saved] == ["safety-admin", "safety-admin"]
    assert "k3y" not in events.text


def test_bad_contacts_are_refused_naming_the_field(api: Api) -> None:
    admin = api.auth("hrss", "admin")
    url = "/api/v1/agencies/hrss/contacts"
    assert fields(api.client.post(url, headers=admin, json={**GOOD, "email": "not-an-address"})) == ["email"]
    assert fields(api.client.post(url, headers=admin,
                                  json={**GOOD, "webhook_url": "ftp://example.com/x"})) == ["webhook_url"]
    assert fields(api.client.post(url, headers=admin, json={**GOOD, "phone": "call me"})) == ["phone"]
    assert fields(api.client.post(url, headers=admin, json={**GOOD, "language": "fr"})) == ["language"]
    assert fields(api.client.post(url, headers=admin, json={**GOOD, "webhook_kind": ""})) == ["webhook_kind"]
    assert fields(api.client.post(url, headers=admin, json={
        "name": "无渠道", "duty": "on_duty"})) == ["email"]


def test_only_the_agencys_admins_keep_its_contacts(api: Api) -> None:
    url = "/api/v1/agencies/safety/contacts"
    assert api.client.post(url, headers=api.auth("safety", "liaison"), json=GOOD).status_code == 403
    assert api.client.post(url, headers=api.auth("hrss", "admin"), json=GOOD).status_code == 403
    assert api.client.get(url, headers=api.auth("safety", "liaison")).status_code == 403
