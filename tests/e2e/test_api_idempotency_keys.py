"""Idempotency-Key on POST, on SQLite and PostgreSQL, every branch (a new key now costs a
single INSERT; a key seen before is read as it always was)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.accounts import Accounts
from adapters.http.deps import IDEMPOTENCY
from adapters.http.notices import NoticeIn
from tests.e2e.conftest import Api
from tests.support import notice_body

NOTICES = "/api/v1/accident-notices"


def total(api: Api) -> int:
    n: int = api.client.get(NOTICES, headers=api.auth("safety")).json()["total"]
    return n


def mark_pending(api: Api, key: str, body: dict[str, Any], age: timedelta) -> None:
    """As a request with this key and body that started `age` ago and has not finished."""
    token = api.auth("safety")["Authorization"][7:]
    actor = Accounts(api.container.store("api")).authenticate(token)
    assert actor is not None
    digest = hashlib.sha256(json.dumps(
        ["POST", NOTICES, NoticeIn.model_validate(body).model_dump(mode="json")],
        sort_keys=True, default=str).encode()).hexdigest()
    at = (datetime.now(UTC) - age).isoformat()
    with api.container.store("api").transaction() as tx:
        tx.put(IDEMPOTENCY, f"{actor.id}:{key}", {"hash": digest, "state": "pending", "at": at})


def test_a_new_key_files_once_and_a_retry_replays_the_answer(api: Api) -> None:
    h = {**api.auth("safety"), "Idempotency-Key": "k-1"}
    body = notice_body()
    first = api.client.post(NOTICES, json=body, headers=h)
    again = api.client.post(NOTICES, json=body, headers=h)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert api.client.post(NOTICES, json={**body, "deaths": 1}, headers=h).status_code == 422
    assert total(api) == 1


def test_keys_belong_to_their_user(api: Api) -> None:
    body = notice_body()
    for agency in ("safety", "hrss"):
        r = api.client.post(NOTICES, json=body, headers={**api.auth(agency), "Idempotency-Key": "k"})
        assert r.status_code == 201 and "Idempotent-Replayed" not in r.headers
    assert total(api) == 2


def test_a_key_still_in_progress_is_409_then_free_after_it_expires(api: Api) -> None:
    body = notice_body()
    h = {**api.auth("safety"), "Idempotency-Key": "busy"}
    mark_pending(api, "busy", body, age=timedelta(seconds=1))
    busy = api.client.post(NOTICES, json=body, headers=h)
    assert busy.status_code == 409 and "still in progress" in busy.json()["detail"]
    mark_pending(api, "busy", body, age=timedelta(seconds=31))  # that try crashed long ago
    assert api.client.post(NOTICES, json=body, headers=h).status_code == 201
    replay = api.client.post(NOTICES, json=body, headers=h)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert total(api) == 1


def test_a_refused_request_is_remembered_under_its_key(api: Api) -> None:
    h = {**api.auth("safety"), "Idempotency-Key": "refused"}
    url = f"{NOTICES}/00000000-0000-4000-8000-000000000000/acknowledgements"
    first = api.client.post(url, headers=h)
    assert first.status_code == 404
    again = api.client.post(url, headers=h)
    assert again.status_code == 404 and again.headers["Idempotent-Replayed"] == "true"


def test_a_key_must_be_1_to_200_characters(api: Api) -> None:
    for key in ("", "x" * 201):
        r = api.client.post(NOTICES, json=notice_body(),
                            headers={**api.auth("safety"), "Idempotency-Key": key})
        assert r.status_code == 422 and r.json()["detail"][0]["field"] == "Idempotency-Key"
    assert total(api) == 0
