"""JSON log lines: one per request with its request id, which the response returns."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from adapters.logs import RequestIdFilter, formatter
from domain.vocabulary import AGENCIES
from tests.e2e.conftest import Api
from tests.support import notice_body


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter("json"))
    handler.addFilter(RequestIdFilter())
    access = logging.getLogger("linkage.access")
    old = access.level
    access.setLevel(logging.INFO)
    logging.getLogger().addHandler(handler)
    yield out
    logging.getLogger().removeHandler(handler)
    access.setLevel(old)


def records(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_a_json_line_per_request_with_its_id(api: Api, lines: io.StringIO) -> None:
    h = api.auth("safety")
    filed = api.client.post("/api/v1/accident-notices", json=notice_body(),
                            headers={**h, "X-Request-ID": "req-42.abc"})
    assert filed.status_code == 201 and filed.headers["x-request-id"] == "req-42.abc"
    nid = filed.json()["id"]
    got = api.client.get(f"/api/v1/accident-notices/{nid}", headers={**h, "X-Request-ID": "bad id!"})
    made_up = got.headers["x-request-id"]
    assert made_up != "bad id!" and len(made_up) == 32  # unsafe ids are replaced

    access = [r for r in records(lines) if r["logger"] == "linkage.access"]
    post = next(r for r in access if r["request_id"] == "req-42.abc")
    assert post["level"] == "INFO" and post["method"] == "POST" and post["status"] == 201
    assert post["route"] == "/api/v1/accident-notices" and isinstance(post["process"], int)
    assert "time" in post and isinstance(post["duration_ms"], float)
    get = next(r for r in access if r["request_id"] == made_up)
    assert get["route"] == "/api/v1/accident-notices/{notice_id}" and get["status"] == 200


def test_lines_logged_while_handling_carry_the_id(api: Api, lines: io.StringIO) -> None:
    from fastapi import APIRouter

    router = APIRouter()

    @router.get("/_log_probe")
    def probe() -> dict[str, str]:  # a sync handler: runs in a worker thread
        logging.getLogger("linkage.test").warning("inside the handler")
        return {"ok": "yes"}

    api.client.app.include_router(router)  # type: ignore[attr-defined]
    assert api.client.get("/_log_probe", headers={"X-Request-ID": "trace-7"}).status_code == 200
    inside = next(r for r in records(lines) if r["logger"] == "linkage.test")
    assert inside["request_id"] == "trace-7" and inside["message"] == "inside the handler"


def test_one_notice_is_followed_from_the_post_to_each_agency(api: Api, lines: io.StringIO) -> None:
    """The request id is the causation id of the events it saved and is on every agency
    consumer's line for them; the caller's X-Correlation-ID is their correlation id."""
    events = logging.getLogger("linkage.events")
    old = events.level
    events.setLevel(logging.INFO)
    try:
        filed = api.client.post("/api/v1/accident-notices", json=notice_body(deaths=1), headers={
            **api.auth("safety"), "X-Request-ID": "req-follow-1", "X-Correlation-ID": "case-77"})
        assert filed.status_code == 201
        api.container.drain()
    finally:
        events.setLevel(old)
    applied = [r for r in records(lines) if r["logger"] == "linkage.events"
               and r.get("aggregate_id") == filed.json()["id"]]
    assert {r["read_model"] for r in applied} == set(AGENCIES)  # every agency keeps notices
    assert all(r["request_id"] == "req-follow-1" and r["correlation_id"] == "case-77"
               and r["event_type"] == "AccidentNotice.Filed" for r in applied)
