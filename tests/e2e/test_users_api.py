"""/api/v1/users: who may do what, the account lifecycle over HTTP, and refusals that change
nothing — on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from services.accounts import CLI_ACTOR
from tests.e2e.conftest import Api

USERS = "/api/v1/users"
NOTICES = "/api/v1/accident-notices"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def system_admin(api: Api) -> dict[str, str]:
    made = api.container.accounts.add(CLI_ACTOR, name="系统管理员", agency="safety", role="admin",
                                      system_admin=True)
    return bearer(made["token"]["token"])


def add(api: Api, h: dict[str, str], **body: Any) -> dict[str, Any]:
    r = api.client.post(USERS, json={"name": "王敏", "agency": "hrss", "role": "liaison", **body},
                        headers=h)
    assert r.status_code == 201, r.text
    made: dict[str, Any] = r.json()
    return made


def events(api: Api) -> int:
    return api.container.app.recorder.max_notification_id() or 0


def test_every_route_needs_an_admin_of_the_accounts_agency(api: Api) -> None:
    root = system_admin(api)
    hrss_admin = bearer(add(api, root, name="人社管理员", role="admin")["token"]["token"])
    safety_user = add(api, root, name="应急联络员", agency="safety")
    uid, tid = safety_user["id"], safety_user["token"]["id"]
    routes = [("get", USERS, None), ("post", USERS, {"name": "x", "agency": "safety", "role": "liaison"}),
              ("get", f"{USERS}/{uid}", None), ("get", f"{USERS}/{uid}/tokens", None),
              ("post", f"{USERS}/{uid}/role", {"role": "inspector"}),
              ("post", f"{USERS}/{uid}/deactivation", {"reason": "x"}),
              ("post", f"{USERS}/{uid}/reactivation", {}),
              ("post", f"{USERS}/{uid}/tokens", {"name": "phone"}),
              ("post", f"{USERS}/{uid}/tokens/{tid}/revocation", None)]
    others = (api.auth("safety", "liaison"), api.auth("safety", "auditor"))
    for who in others:  # signed in once: users stored the old way are imported then
        assert api.client.get(NOTICES, headers=who).status_code == 200
    before = events(api)
    for method, path, body in routes:
        assert api.client.request(method.upper(), path, json=body).status_code == 401
        for who in others:
            r = api.client.request(method.upper(), path, json=body, headers=who)
            assert r.status_code == 403, (path, r.text)
        if path != USERS or method == "post":  # the list is allowed: its own agency only
            r = api.client.request(method.upper(), path, json=body,
                                   headers={**hrss_admin, "Accept-Language": "en"})
            assert r.status_code == 403 and "safety" in r.json()["detail"], (path, r.text)
            assert r.json()["code"] == "agency_not_allowed"
    assert events(api) == before
    listed = api.client.get(USERS, headers=hrss_admin).json()
    assert {a["agency"] for a in listed} == {"hrss"}
    assert api.client.get(USERS, params={"agency": "safety"}, headers=hrss_admin).status_code == 403


def test_an_agency_admin_runs_the_lifecycle_of_its_accounts(api: Api) -> None:
    root = system_admin(api)
    admin = bearer(add(api, root, name="人社管理员", role="admin")["token"]["token"])
    made = add(api, admin)
    uid, first = made["id"], made["token"]
    assert set(made["token"]) == {"id", "name", "token", "expires_at"}
    assert api.client.get(NOTICES, headers=bearer(first["token"])).status_code == 200
    listed = api.client.get(USERS, params={"role": "liaison"}, headers=admin).json()
    assert [(a["id"], a["name"], a["agency"], a["role"], a["active"]) for a in listed] == [
        (uid, "王敏", "hrss", "liaison", True)]
    assert "token" not in str(listed[0]["tokens"]) or "hash" not in str(listed)

    phone = api.client.post(f"{USERS}/{uid}/tokens", json={"name": "手机"}, headers=admin).json()
    assert api.client.get(NOTICES, headers=bearer(phone["token"])).status_code == 200
    tokens = {t["name"]: t for t in api.client.get(f"{USERS}/{uid}/tokens", headers=admin).json()}
    assert tokens["手机"]["last_used_at"] is not None and tokens["手机"]["usable"]
    assert "token" not in tokens["手机"] and "hash" not in tokens["手机"]

    r = api.client.post(f"{USERS}/{uid}/tokens/{phone['id']}/revocation", headers=admin)
    assert r.status_code == 200, r.text
    refused = api.client.get(NOTICES, headers={**bearer(phone["token"]), "Accept-Language": "en"})
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    assert refused.json()["code"] == "token_revoked"
    assert api.client.get(NOTICES, headers=bearer(first["token"])).status_code == 200

    r = api.client.post(f"{USERS}/{uid}/role", json={"role": "inspector"}, headers=admin)
    assert r.status_code == 200 and r.json()["role"] == "inspector"
    assert api.client.post(f"{USERS}/{uid}/deactivation", json={"reason": "调离"},
                           headers=admin).status_code == 200
    assert api.client.get(NOTICES, headers=bearer(first["token"])).status_code == 401
    assert api.client.post(f"{USERS}/{uid}/reactivation", headers=admin).status_code == 200
    assert api.client.get(NOTICES, headers=bearer(first["token"])).status_code == 200
    shown = api.client.get(f"{USERS}/{uid}", headers=admin).json()
    assert shown["role"] == "inspector" and shown["active"] and shown["version"] == 7


def test_bad_input_is_a_clear_4xx_and_changes_nothing(api: Api) -> None:
    root = system_admin(api)
    admin = bearer(add(api, root, name="人社管理员", role="admin")["token"]["token"])
    uid = add(api, admin)["id"]
    root_id = api.client.get(USERS, params={"agency": "safety"}, headers=root).json()[0]["id"]
    before = events(api)

    def refused(status: int, method: str, path: str, h: dict[str, str], body: Any = None) -> str:
        r = api.client.request(method, path, json=body, headers={**h, "Accept-Language": "en"})
        assert r.status_code == status, r.text
        return str(r.json()["detail"])

    assert "agency" in refused(422, "POST", USERS, admin,
                               {"name": "x", "agency": "police", "role": "liaison"})
    assert "role" in refused(422, "POST", USERS, admin,
                             {"name": "x", "agency": "hrss", "role": "boss"})
    assert "role" in refused(422, "POST", f"{USERS}/{uid}/role", admin, {"role": "boss"})
    assert "finance" in refused(403, "POST", USERS, admin,
                                {"name": "x", "agency": "finance", "role": "liaison"})
    assert "system-wide" in refused(403, "POST", USERS, admin,
                                    {"name": "x", "agency": "hrss", "role": "admin", "system": True})
    assert "no-such" in refused(404, "POST", f"{USERS}/{uid}/tokens/no-such/revocation", admin)
    assert "last active system-wide admin" in refused(
        409, "POST", f"{USERS}/{root_id}/role", root, {"role": "liaison"})
    other_root = add(api, root, name="第二管理员", agency="safety", role="admin", system=True)
    before = events(api)
    assert api.client.post(f"{USERS}/{other_root['id']}/deactivation", json={},
                           headers=root).status_code == 200
    assert "last active system-wide admin" in refused(
        409, "POST", f"{USERS}/{root_id}/deactivation",
        bearer(add(api, root, name="第三", agency="safety", role="admin")["token"]["token"]), {})
    assert events(api) == before + 3  # the deactivation, the third admin and its token: no more


def test_one_422_names_every_bad_field_blank_and_control_characters_included(api: Api) -> None:
    """Names follow the notices' text rule in pydantic itself: a blank (white space or
    zero-width only) or control-character name is named in the same 422 as a bad role."""
    root = system_admin(api)
    admin = bearer(add(api, root, name="人社管理员", role="admin")["token"]["token"])
    uid = add(api, admin)["id"]
    before = events(api)

    def refused(path: str, body: Any) -> dict[str, tuple[str, str, str]]:
        zh = api.client.post(path, json=body, headers=admin)
        en = api.client.post(path, json=body, headers={**admin, "Accept-Language": "en"})
        assert zh.status_code == en.status_code == 422, zh.text
        return {z["field"]: (z["code"], z["message"], e["message"])
                for z, e in zip(zh.json()["detail"], en.json()["detail"], strict=True)}

    got = refused(USERS, {"name": "  ", "agency": "hrss", "role": "boss"})
    assert set(got) == {"name", "role"}
    assert got["name"] == ("must_not_be_empty", "不能为空", "must not be empty")
    assert got["role"][0] == "literal_error"
    got = refused(USERS, {"name": "王\u0007敏", "agency": "police", "role": "liaison",
                          "token_name": "\u200b"})
    assert set(got) == {"name", "agency", "token_name"}
    assert got["name"][0] == "control_characters" and "U+0007" in got["name"][2]
    assert "控制字符" in got["name"][1] and got["token_name"][0] == "must_not_be_empty"
    got = refused(f"{USERS}/{uid}/tokens", {"name": "phone\u001b", "expires_in_days": 0})
    assert set(got) == {"name", "expires_in_days"} and got["name"][0] == "control_characters"
    assert refused(f"{USERS}/{uid}/deactivation", {"reason": "a\u0000b"})["reason"][0] == (
        "control_characters")
    assert events(api) == before  # nothing stored
    assert add(api, admin, name=" 孙八 ")["token"]["token"].startswith("lk_")  # trimmed, kept
    names = [a["name"] for a in api.client.get(USERS, headers=admin).json()]
    assert "孙八" in names and not any(c in n for n in names for c in "\u0007 ")


def test_keyed_account_writes_are_applied_once_and_replay_the_same_token(api: Api) -> None:
    """A retry under the same Idempotency-Key answers the first response, the new token
    included, and stores nothing new; the token itself is never stored."""
    root = system_admin(api)
    admin = bearer(add(api, root, name="人社管理员", role="admin")["token"]["token"])
    body = {"name": "赵六", "agency": "hrss", "role": "liaison"}
    keyed = {**admin, "Idempotency-Key": "add-zhao"}
    first = api.client.post(USERS, json=body, headers=keyed)
    before = events(api)
    again = api.client.post(USERS, json=body, headers=keyed)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json() and first.json()["token"]["token"].startswith("lk_")
    assert events(api) == before  # nothing new stored
    token = first.json()["token"]["token"]
    assert api.client.get(NOTICES, headers=bearer(token)).status_code == 200
    names = [a["name"] for a in api.client.get(USERS, headers=admin).json()]
    assert names.count("赵六") == 1
    stored = api.container.app.request_log.select_request(f"{_actor_id(admin)(api)}:add-zhao")
    assert stored is not None and stored.body["token"]["token"] is None
    assert token.removeprefix("lk_") not in repr(stored)
    other = api.client.post(USERS, json={**body, "name": "钱七"}, headers=keyed)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"

    uid = first.json()["id"]
    tkey = {**admin, "Idempotency-Key": "phone-token"}
    t1 = api.client.post(f"{USERS}/{uid}/tokens", json={"name": "手机"}, headers=tkey)
    t2 = api.client.post(f"{USERS}/{uid}/tokens", json={"name": "手机"}, headers=tkey)
    assert t1.status_code == t2.status_code == 201 and t1.json() == t2.json()
    assert t2.headers.get("Idempotent-Replayed") == "true"
    assert api.client.get(NOTICES, headers=bearer(t1.json()["token"])).status_code == 200
    tokens = api.client.get(f"{USERS}/{uid}/tokens", headers=admin).json()
    assert [t["name"] for t in tokens].count("手机") == 1

    dkey = {**admin, "Idempotency-Key": "off"}
    d1 = api.client.post(f"{USERS}/{uid}/deactivation", json={"reason": "调离"}, headers=dkey)
    d2 = api.client.post(f"{USERS}/{uid}/deactivation", json={"reason": "调离"}, headers=dkey)
    assert d1.status_code == d2.status_code == 200 and d1.json() == d2.json()
    assert d2.headers.get("Idempotent-Replayed") == "true"
    assert api.client.get(NOTICES, headers=bearer(token)).status_code == 401  # at once, here
    assert api.client.get(f"{USERS}/{uid}", headers=admin).json()["version"] == d1.json()["version"]


def _actor_id(h: dict[str, str]) -> Any:
    def of(api: Api) -> str:
        found = api.container.accounts.sign_in(h["Authorization"].removeprefix("Bearer "))
        assert found.actor is not None
        return found.actor.id
    return of


def test_every_command_on_an_account_honours_if_match(api: Api) -> None:
    """Role, deactivation, reactivation, token issue and revocation: If-Match names the version
    `GET /users/{id}` shows; a stale one is 412 (with the current version) and changes nothing."""
    admin = bearer(add(api, system_admin(api), name="人社管理员", role="admin")["token"]["token"])
    uid = add(api, admin)["id"]

    def version() -> int:
        v: int = api.client.get(f"{USERS}/{uid}", headers=admin).json()["version"]
        return v

    def stale(r: Any, current: int) -> None:
        assert r.status_code == 412, r.text
        assert r.json()["code"] == "stale_version" and r.json()["current_version"] == current
        assert version() == current

    def at(v: int) -> dict[str, str]:
        return {**admin, "If-Match": f'"{v}"'}

    v = version()
    stale(api.client.post(f"{USERS}/{uid}/tokens", json={"name": "手机"}, headers=at(v - 1)), v)
    issued = api.client.post(f"{USERS}/{uid}/tokens", json={"name": "手机"}, headers=at(v))
    assert issued.status_code == 201 and version() == v + 1, issued.text
    tid, v = issued.json()["id"], v + 1
    revocation = f"{USERS}/{uid}/tokens/{tid}/revocation"
    stale(api.client.post(revocation, headers=at(v - 1)), v)
    r = api.client.post(revocation, headers=at(v))
    assert r.status_code == 200 and r.json()["version"] == v + 1, r.text
    v += 1
    stale(api.client.post(f"{USERS}/{uid}/role", json={"role": "inspector"}, headers=at(1)), v)
    r = api.client.post(f"{USERS}/{uid}/role", json={"role": "inspector"}, headers=at(v))
    assert r.status_code == 200 and r.json()["version"] == v + 1, r.text
    v += 1
    stale(api.client.post(f"{USERS}/{uid}/deactivation", json={}, headers=at(v - 1)), v)
    r = api.client.post(f"{USERS}/{uid}/deactivation", json={}, headers=at(v))
    assert r.status_code == 200 and r.json()["version"] == v + 1, r.text
    v += 1
    stale(api.client.post(f"{USERS}/{uid}/reactivation", headers=at(v - 1)), v)
    r = api.client.post(f"{USERS}/{uid}/reactivation", headers=at(v))
    assert r.status_code == 200 and r.json()["version"] == v + 1, r.text
    keyed = {**at(v), "Idempotency-Key": "stale-token"}  # a keyed request is refused the same way
    stale(api.client.post(f"{USERS}/{uid}/tokens", json={"name": "平板"},
                          headers={**keyed, "If-Match": '"1"'}), v + 1)
