"""Read your own writes on the embedded default (SQLite and PostgreSQL), with no background
consumers at all: the read itself waits for (and here feeds) the agency's read model."""

from __future__ import annotations

from fastapi.testclient import TestClient

from adapters.bootstrap import bootstrap
from adapters.http.app import create_app
from adapters.settings import Settings
from tests import read_your_writes
from tests.e2e.conftest import Api
from tests.support import ManualClock, notice_body


def test_each_write_is_in_the_same_users_next_read(api: Api, clock: ManualClock) -> None:
    read_your_writes.run(api, clock)


def test_a_bad_position_header_is_422_naming_it(api: Api) -> None:
    r = api.client.get("/api/v1/agencies/safety/queue",
                       headers={**api.auth("safety"), "Linkage-Position": "soon"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "Linkage-Position"


def test_a_read_model_that_cannot_catch_up_answers_stale(api: Api) -> None:
    api.container.settings.read_your_writes_timeout = 0.0
    api.container.agency_feeders.clear()  # as if the safety consumer were stopped
    r = api.client.post("/api/v1/accident-notices", json=notice_body(), headers=api.auth("safety"))
    assert r.status_code == 201
    q = api.client.get("/api/v1/agencies/safety/queue", headers=api.auth("safety"))
    assert q.status_code == 200 and q.headers["Linkage-Stale"] == "true"
    assert q.json()["items"] == []


def test_a_write_on_one_server_is_in_the_next_read_on_another(
        api: Api, settings: Settings, clock: ManualClock) -> None:
    other = bootstrap(settings, clock)  # a second `linkage serve` on the same database
    try:
        with TestClient(create_app(lambda: other, background=False)) as client:
            h = api.auth("safety")
            r = api.client.post("/api/v1/accident-notices", json=notice_body(), headers=h)
            assert r.status_code == 201
            q = client.get("/api/v1/agencies/safety/queue", headers=h)
            assert q.status_code == 200 and "Linkage-Stale" not in q.headers
            assert [i["notice_id"] for i in q.json()["items"]] == [r.json()["id"]]
    finally:
        other.close()
