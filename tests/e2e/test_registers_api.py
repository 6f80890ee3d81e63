"""/api/v1/registers over HTTP: each change honours If-Match, the register's `version` as GET
shows it (0 before its first entry); a stale one is 412 and changes nothing."""

from __future__ import annotations

from typing import Any

from adapters.accounts import Accounts
from tests.e2e.conftest import Api
from tests.support import credit_code

R = "/api/v1/registers"


def stale(r: Any, current: int) -> None:
    assert r.status_code == 412, r.text
    assert r.json()["code"] == "stale_version" and r.json()["current_version"] == current


def test_every_register_change_honours_if_match(api: Api) -> None:
    admin = api.auth("hrss", "admin")
    employers = {"entries": [{"credit_code": credit_code(n), "name": f"企业{n}"} for n in (1, 2)]}
    inspectors = {"entries": [{"id": "i-s1", "name": "王敏", "agency": "safety"}]}
    assert api.client.get(f"{R}/employers", headers=admin).json()["version"] == 0
    stale(api.client.post(f"{R}/employers", json=employers,
                          headers={**admin, "If-Match": '"1"'}), 0)
    first = api.client.post(f"{R}/employers", json=employers, headers={**admin, "If-Match": '"0"'})
    assert first.status_code == 200, first.text
    v = first.json()["version"]
    assert api.client.get(f"{R}/employers", headers=admin).json()["version"] == v
    stale(api.client.post(f"{R}/employers", json=employers,
                          headers={**admin, "If-Match": f'"{v - 1}"'}), v)
    again = api.client.post(f"{R}/employers", json=employers, headers={**admin, "If-Match": f'"{v}"'})
    assert again.status_code == 200 and again.json()["version"] == v + 1, again.text
    v += 1

    key = credit_code(1)
    stale(api.client.post(f"{R}/employers/{key}/deactivation", json={"reason": "注销"},
                          headers={**admin, "If-Match": f'"{v - 1}"'}), v)
    r = api.client.post(f"{R}/employers/{key}/deactivation", json={"reason": "注销"},
                        headers={**admin, "If-Match": f'W/"{v}"'})
    assert r.status_code == 200 and r.json()["version"] == v + 1, r.text
    v += 1
    stale(api.client.post(f"{R}/employers/{key}/reactivation",
                          headers={**admin, "If-Match": f'"{v - 1}"'}), v)
    r = api.client.post(f"{R}/employers/{key}/reactivation", headers={**admin, "If-Match": f'"{v}"'})
    assert r.status_code == 200 and r.json()["version"] == v + 1, r.text
    v += 1
    stale(api.client.delete(f"{R}/employers/{key}", headers={**admin, "If-Match": f'"{v - 1}"'}), v)
    r = api.client.delete(f"{R}/employers/{key}", headers={**admin, "If-Match": f'"{v}"'})
    assert r.status_code == 200 and r.json()["version"] == v + 1, r.text
    assert api.client.get(f"{R}/employers", headers=admin).json()["version"] == v + 1

    assert api.client.post(f"{R}/inspectors", json=inspectors, headers=admin).status_code == 200
    iv = api.client.get(f"{R}/inspectors", headers=admin).json()["version"]
    token = api.auth("safety", "inspector")["Authorization"].split()[1]
    found = Accounts(api.container.store("api")).authenticate(token)
    assert found is not None
    link = {"account_id": found.id}
    stale(api.client.post(f"{R}/inspectors/i-s1/account", json=link,
                          headers={**admin, "If-Match": f'"{iv + 3}"'}), iv)
    r = api.client.post(f"{R}/inspectors/i-s1/account", json=link,
                        headers={**admin, "If-Match": f'"{iv}"'})
    assert r.status_code == 200 and r.json()["version"] == iv + 1, r.text
    bad = api.client.post(f"{R}/employers", json=employers, headers={**admin, "If-Match": "x"})
    assert bad.status_code == 422 and bad.json()["code"] == "bad_if_match"


def test_a_keyed_retry_repeats_its_if_match(api: Api) -> None:
    """Under one Idempotency-Key the If-Match is part of the request: the same one replays the
    first answer, another is 422 (docs/http-headers.md)."""
    admin = api.auth("hrss", "admin")
    body = {"entries": [{"credit_code": credit_code(3), "name": "企业3"}]}
    keyed = {**admin, "Idempotency-Key": "reg-1", "If-Match": '"0"'}
    first = api.client.post(f"{R}/employers", json=body, headers=keyed)
    assert first.status_code == 200, first.text
    again = api.client.post(f"{R}/employers", json=body, headers=keyed)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    other = api.client.post(f"{R}/employers", json=body, headers={**keyed, "If-Match": '"1"'})
    assert other.status_code == 422, other.text
    assert api.client.get(f"{R}/employers", headers=admin).json()["version"] == first.json()["version"]
