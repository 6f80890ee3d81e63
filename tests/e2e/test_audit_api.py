"""/api/v1/audit/... over HTTP, and the auditor's read-only role on every route, present or future."""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi.routing import APIRoute

from adapters import audit_wiring
from services import replay_fast
from services.chain import Verification
from tests.e2e.conftest import Api
from tests.support import notice_body

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def file(api: Api, **overrides: Any) -> str:
    r = api.client.post("/api/v1/accident-notices", json=notice_body(**overrides),
                        headers=api.auth("safety"))
    assert r.status_code == 201, r.text
    notice_id: str = r.json()["id"]
    return notice_id


def write_routes(api: Api) -> list[tuple[str, str]]:
    """Every write route the app serves: from its OpenAPI paths (included routers) and its own."""
    app: Any = api.client.app
    paths = {(m.upper(), p) for p, ops in app.openapi()["paths"].items() for m in ops}
    paths |= {(m, r.path) for r in app.routes if isinstance(r, APIRoute) for m in r.methods}
    found = []
    for method, path in sorted(paths):
        if method in WRITES and not path.startswith("/api/v1/audit/"):
            found.append((method, re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)))
    return found


def test_an_auditor_gets_403_on_every_write_route(api: Api) -> None:
    notice = file(api)
    head = api.container.app.recorder.max_notification_id()
    routes = write_routes(api)
    assert ("POST", "/api/v1/accident-notices") in routes
    assert len(routes) >= 5
    auditor = api.auth("hrss", "auditor")
    for method, path in routes:
        for body in ({}, notice_body()):
            r = api.client.request(method, path, json=body, headers=auditor)
            assert r.status_code == 403, (method, path, r.status_code, r.text)
    r = api.client.post(f"/api/v1/accident-notices/{notice}/acknowledgements", json={},
                        headers=auditor)
    assert r.status_code == 403
    assert api.container.app.recorder.max_notification_id() == head  # nothing was stored
    # The same routes are open to others: a liaison is not turned away by the guard.
    r = api.client.post(f"/api/v1/accident-notices/{notice}/acknowledgements", json={},
                        headers=api.auth("hrss"))
    assert r.status_code in (200, 201), r.text


def test_audit_routes_are_for_auditors_only(api: Api) -> None:
    assert api.client.get("/api/v1/audit/events", headers=api.auth("safety")).status_code == 403
    assert api.client.post("/api/v1/audit/verify", headers=api.auth("safety")).status_code == 403
    assert api.client.get("/api/v1/audit/events").status_code == 401


def test_events_as_of_timeline_and_verify(api: Api) -> None:
    a = file(api)
    api.container.drain()
    mid = datetime.now(UTC)
    time.sleep(0.005)
    r = api.client.post(f"/api/v1/accident-notices/{a}/acknowledgements", json={},
                        headers=api.auth("hrss"))
    assert r.status_code in (200, 201), r.text
    auditor = api.auth("finance", "auditor")
    page = api.client.get("/api/v1/audit/events", headers=auditor).json()
    assert [e["event_type"] for e in page["items"]] == ["AccidentNotice.Filed",
                                                        "AccidentNotice.Acknowledged"]
    assert page["items"][1]["agency"] == "hrss" and page["next_after"] is None
    assert page["items"][0]["payload"]["summary"] == "工人在冲压作业中右手被压伤"
    only = api.client.get("/api/v1/audit/events", params={"agency": "hrss", "type": "Acknowledged"},
                          headers=auditor).json()["items"]
    assert len(only) == 1
    paged = api.client.get("/api/v1/audit/events", params={"limit": 1}, headers=auditor).json()
    assert paged["next_after"] == 1
    lines = api.client.get("/api/v1/audit/events", params={"format": "ndjson", "after": 1},
                           headers=auditor).text.splitlines()
    assert [json.loads(x)["notification_id"] for x in lines] == [2]

    then = api.client.get(f"/api/v1/audit/aggregates/{a}", params={"as_of": mid.isoformat()},
                          headers=auditor).json()
    assert then["version"] == 1 and then["state"]["acknowledgements"] == []
    assert then["latest_version"] == 2
    v2 = api.client.get(f"/api/v1/audit/aggregates/{a}", params={"version": 2}, headers=auditor)
    assert v2.json()["state"]["acknowledgements"][0]["agency"] == "hrss"
    missing = api.client.get(f"/api/v1/audit/aggregates/{uuid.uuid4()}", headers=auditor)
    assert missing.status_code == 404
    timeline = api.client.get(f"/api/v1/audit/aggregates/{a}/timeline", headers=auditor).json()
    assert [e["actor"]["name"] for e in timeline["events"]] == ["safety-liaison", "hrss-liaison"]

    verified = api.client.post("/api/v1/audit/verify", headers=auditor).json()
    assert verified["ok"] and verified["checked"] == 2, verified
    assert verified["consumers_ok"], verified["consumers"]

    compliance = api.client.get("/api/v1/audit/compliance", headers=auditor).json()
    assert compliance["notices"] == 1
    hrss = next(r for r in compliance["acknowledgements"] if r["agency"] == "hrss")
    assert hrss["on_time"] is True and hrss["allowed_minutes"] == 24 * 60

    assert api.client.get("/api/v1/audit/as-of/safety/queue", headers=auditor).status_code == 404
    audit_wiring.rebuild_as_of(api.container, mid)
    then_queue = api.client.get("/api/v1/audit/as-of/hrss/queue", headers=auditor).json()
    assert [i["notice_id"] for i in then_queue["items"]] == [a]  # hrss had not acknowledged yet
    api.container.drain()
    with api.container.store("hrss").transaction() as tx:  # ...which it has now
        assert [d for _, d in tx.scan("queue") if d.get("notice_id") == a] == []

    report = api.client.get("/api/v1/audit/report", headers=auditor)
    assert report.status_code == 200 and report.text.startswith("<!DOCTYPE html>")
    assert verified["head"] in report.text


def test_each_event_names_the_request_that_stored_it(api: Api) -> None:
    """An auditor follows an event to the request in the logs: its X-Request-ID (causation) and
    the caller's X-Correlation-ID, on the API and in the verified replay alike."""
    r = api.client.post("/api/v1/accident-notices", json=notice_body(), headers={
        **api.auth("safety"), "X-Request-ID": "req-file-1", "X-Correlation-ID": "conv-7"})
    assert r.status_code == 201, r.text
    ack = api.client.post(f"/api/v1/accident-notices/{r.json()['id']}/acknowledgements", json={},
                          headers={**api.auth("hrss"), "X-Request-ID": "req-ack-2"})
    assert ack.status_code == 200, ack.text
    auditor = api.auth("finance", "auditor")
    items = api.client.get("/api/v1/audit/events", headers=auditor).json()["items"]
    ids = [(e["causation_id"], e["correlation_id"]) for e in items]
    assert ids == [("req-file-1", "conv-7"), ("req-ack-2", "req-ack-2")]
    lines = api.client.get("/api/v1/audit/events", params={"format": "ndjson"},
                           headers=auditor).text.splitlines()
    assert [json.loads(x)["causation_id"] for x in lines] == ["req-file-1", "req-ack-2"]
    # The verified replay's fast path (the CLI's and the report's) gives the same records.
    c = api.container
    assert audit_wiring.chainer(c).run_once() is not None
    records = replay_fast.fast_verified_records(c.app, c.store(audit_wiring.AUDIT_STORE),
                                                Verification(), [], None)
    assert records is not None
    assert [(x["causation_id"], x["correlation_id"]) for x in records] == ids
