"""Tokens over HTTP with the server's token cache, on SQLite and PostgreSQL: every answer is
the one an uncached server gives (401 unknown, 403 by role, a new user works at once)."""

from __future__ import annotations

from tests.e2e.conftest import Api
from tests.support import notice_body

NOTICES = "/api/v1/accident-notices"


def test_a_token_keeps_working_request_after_request(api: Api) -> None:
    h = api.auth("safety")
    for _ in range(3):
        assert api.client.post(NOTICES, json=notice_body(), headers=h).status_code == 201
    assert api.client.get(NOTICES, headers=h).json()["total"] == 3


def test_unknown_and_missing_tokens_are_401_even_after_a_known_one(api: Api) -> None:
    assert api.client.get(NOTICES, headers=api.auth("safety")).status_code == 200
    for h in ({"Authorization": "Bearer lk_not-a-token"}, {"Authorization": "Bearer "},
              {"Authorization": "Basic abc"}, {}):
        for _ in range(2):  # the second time too: a refusal is never remembered
            r = api.client.post(NOTICES, json=notice_body(), headers=h)
            assert r.status_code == 401, (h, r.text)
            assert r.headers["WWW-Authenticate"] == "Bearer"


def test_a_user_added_while_serving_is_let_in_at_once(api: Api) -> None:
    assert api.client.get(NOTICES, headers=api.auth("safety")).status_code == 200
    assert api.client.post(NOTICES, json=notice_body(), headers=api.auth("hrss")).status_code == 201


def test_roles_still_decide_on_every_request(api: Api) -> None:
    auditor = api.auth("safety", "auditor")
    inspector = api.auth("safety", "inspector")
    for _ in range(2):  # the first answer comes from the store, the second from the cache
        r = api.client.post(NOTICES, json=notice_body(), headers={**auditor,
                                                                  "Accept-Language": "en"})
        assert r.status_code == 403 and "read-only" in r.json()["detail"]
        assert api.client.post(NOTICES, json=notice_body(), headers=inspector).status_code == 403
        assert api.client.get(NOTICES, headers=auditor).status_code == 200
