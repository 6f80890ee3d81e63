"""Idempotency-Key on POST, on SQLite and PostgreSQL, every branch: the key and the answer are
stored with the events, so a retry after a crash between the two is replayed, never re-run."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from adapters.http import writes
from tests.e2e.conftest import Api
from tests.support import credit_code, notice_body

NOTICES = "/api/v1/accident-notices"


def total(api: Api) -> int:
    n: int = api.client.get(NOTICES, headers=api.auth("safety")).json()["total"]
    return n


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


class Killed(Exception):
    """Stands for SIGKILL (tests/integration/test_crash_retries.py sends the real one)."""


def crash_after_commit(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server dies after storing a request's events, before it answers."""
    def die(point: str) -> None:
        if point == "api-after-commit":
            raise Killed(point)
    monkeypatch.setattr(writes, "maybe_crash", die)


def file(api: Api) -> str:
    r = api.client.post(NOTICES, json=notice_body(deaths=0, serious_injuries=1),
                        headers=api.auth("safety"))
    assert r.status_code == 201
    notice_id: str = r.json()["id"]
    return notice_id


def test_a_revision_whose_answer_was_lost_is_stored_once_and_replayed(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    notice_id = file(api)
    h = {**api.auth("safety"), "Idempotency-Key": "rev-1"}
    url = f"{NOTICES}/{notice_id}/revisions"
    body = {"deaths": 1, "serious_injuries": 1, "missing": 0, "direct_loss_cny": "10",
            "reason": "one died in hospital"}
    with monkeypatch.context() as m:
        crash_after_commit(api, m)
        with pytest.raises(Killed):
            api.client.post(url, json=body, headers=h)
    retry = api.client.post(url, json=body, headers=h)
    assert retry.status_code == 200 and retry.headers["Idempotent-Replayed"] == "true"
    notice = api.client.get(f"{NOTICES}/{notice_id}", headers=api.auth("safety")).json()
    assert len(notice["revisions"]) == 1 and notice["version"] == 2
    assert retry.json()["version"] == 2


def test_an_acknowledgement_whose_answer_was_lost_answers_200_again(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    notice_id = file(api)
    h = {**api.auth("hrss"), "Idempotency-Key": "ack-1"}
    url = f"{NOTICES}/{notice_id}/acknowledgements"
    with monkeypatch.context() as m:
        crash_after_commit(api, m)
        with pytest.raises(Killed):
            api.client.post(url, headers=h)
    retry = api.client.post(url, headers=h)
    assert retry.status_code == 200 and retry.json() == {"id": notice_id, "version": 2}
    assert retry.headers["Idempotent-Replayed"] == "true"
    # a new key is a new request: the agency has acknowledged already
    assert api.client.post(url, headers={**h, "Idempotency-Key": "ack-2"}).status_code == 409


def test_two_tries_of_one_key_at_once_store_one_revision(api: Api) -> None:
    notice_id = file(api)
    h = {**api.auth("safety"), "Idempotency-Key": "twin"}
    url = f"{NOTICES}/{notice_id}/revisions"
    body = {"deaths": 0, "serious_injuries": 2, "missing": 0, "direct_loss_cny": "10",
            "reason": "a second worker"}
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: api.client.post(url, json=body, headers=h), range(4)))
    assert {r.status_code for r in answers} == {200}
    assert len({r.text for r in answers}) == 1
    assert sum("Idempotent-Replayed" not in r.headers for r in answers) == 1
    notice = api.client.get(f"{NOTICES}/{notice_id}", headers=api.auth("safety")).json()
    assert len(notice["revisions"]) == 1


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


def test_a_resent_register_removal_answers_what_the_first_did(api: Api) -> None:
    admin = {**api.auth("safety", "admin"), "Idempotency-Key": "rm-1"}
    entries = [{"credit_code": credit_code(n), "name": f"企业{n}"} for n in (1, 2)]
    assert api.client.post("/api/v1/registers/employers", json={"entries": entries},
                           headers=api.auth("safety", "admin")).status_code == 200
    url = f"/api/v1/registers/employers/{credit_code(1)}"
    first = api.client.delete(url, headers=admin)
    again = api.client.delete(url, headers=admin)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert api.client.delete(url, headers={**admin, "Idempotency-Key": "rm-2"}).status_code == 409
