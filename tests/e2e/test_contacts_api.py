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


def test_changes_honour_if_match_with_the_books_version(api: Api) -> None:
    """The list shows the agency's contact book's version; a change naming another is 412 with
    the current one, and changes nothing."""
    admin = api.auth("finance", "admin")
    url = "/api/v1/agencies/finance/contacts"

    def version() -> int:
        r = api.client.get(url, headers=admin)
        assert r.status_code == 200, r.text
        v: int = r.json()["version"]
        return v

    def stale(r: Any, current: int) -> None:
        assert r.status_code == 412, r.text
        assert r.json()["code"] == "stale_version" and r.json()["current_version"] == current
        assert version() == current

    assert version() == 0
    stale(api.client.post(url, json=GOOD, headers={**admin, "If-Match": '"1"'}), 0)
    added = api.client.post(url, json=GOOD, headers={**admin, "If-Match": '"0"'})
    assert added.status_code == 201, added.text
    cid, v = added.json()["id"], added.json()["version"]
    assert v == version() and v > 0
    stale(api.client.put(f"{url}/{cid}", json={**GOOD, "duty": "leader"},
                         headers={**admin, "If-Match": f'"{v - 1}"'}), v)
    replaced = api.client.put(f"{url}/{cid}", json={**GOOD, "duty": "leader"},
                              headers={**admin, "If-Match": f'"{v}"'})
    assert replaced.status_code == 200 and replaced.json()["version"] == v + 1, replaced.text
    v += 1
    stale(api.client.delete(f"{url}/{cid}", headers={**admin, "If-Match": f'"{v - 1}"'}), v)
    assert [c["duty"] for c in api.client.get(url, headers=admin).json()["items"]] == ["leader"]
    gone = api.client.delete(f"{url}/{cid}", headers={**admin, "If-Match": f'"{v}"'})
    assert gone.status_code == 204, gone.text
    assert version() == v + 1
    unknown = api.client.delete(f"{url}/{cid}", headers=admin)
    assert unknown.status_code == 404 and unknown.json()["code"] == "no_contact"
