"""Issue 12: the notice list and the agency queues answer the most urgent first (overdue, then
the nearest deadline, then the grade), page with a cursor, and never scan every document."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.sql_tx import SqlTx
from tests.e2e.conftest import Api
from tests.support import ManualClock, credit_code, notice_body

URL = "/api/v1/accident-notices"


def file(api: Api, name: str, **overrides: Any) -> str:
    employer = {"name": name, "credit_code": credit_code(len(name)), "industry": "制造业",
                "risk_class": 3}
    r = api.client.post(URL, json=notice_body(employer=employer, serious_injuries=0,
                                              **overrides), headers=api.auth("safety"))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def history(api: Api, clock: ManualClock) -> dict[str, str]:
    """Five notices whose urgency differs; returns name -> id."""
    ids = {"A ordinary": file(api, "A ordinary"),
           "B major": file(api, "B major", deaths=10)}  # same deadlines as A, higher grade
    clock.advance(minutes=30)
    ids["C later"] = file(api, "C later")
    ids["D acked"] = file(api, "D acked")  # safety acknowledges: hrss owes, within 24 h
    ids["E withdrawn"] = file(api, "E withdrawn")
    ids["F closed"] = file(api, "F closed")
    assert api.client.post(f"{URL}/{ids['D acked']}/acknowledgements",
                           headers=api.auth("safety")).status_code == 200
    assert api.client.post(f"{URL}/{ids['E withdrawn']}/withdrawal", json={"reason": "误报"},
                           headers=api.auth("safety")).status_code == 200
    for agency in ("safety", "hrss"):
        api.client.post(f"{URL}/{ids['F closed']}/acknowledgements", headers=api.auth(agency))
    assert api.client.post(f"{URL}/{ids['F closed']}/closure", json={"reason": "调查结束"},
                           headers=api.auth("safety")).status_code == 200
    clock.advance(minutes=40)  # A and B are now overdue for safety, C is not yet
    return ids


def names(ids: dict[str, str], items: list[dict[str, Any]]) -> list[str]:
    by_id = {v: k for k, v in ids.items()}
    return [by_id[i.get("notice_id") or i["id"]] for i in items]


def test_the_list_is_most_urgent_first_and_pages_with_a_cursor(
    api: Api, clock: ManualClock
) -> None:
    ids = history(api, clock)
    h = api.auth("hrss")
    whole = api.client.get(URL, headers=h).json()
    expected = ["B major", "A ordinary", "C later", "D acked", "F closed", "E withdrawn"]
    assert names(ids, whole["items"])[:4] == expected[:4]
    assert set(names(ids, whole["items"])[4:]) == {"F closed", "E withdrawn"}
    assert whole["next_cursor"] is None and whole["total"] == 6
    seen: list[dict[str, Any]] = []
    cursor = None
    for _ in range(4):
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.client.get(URL, params=params, headers=h).json()
        assert page["total"] == 6 and len(page["items"]) <= 2
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [i["id"] for i in seen] == [i["id"] for i in whole["items"]]
    pending = api.client.get(URL, params={"pending_for": "safety", "status": "open"},
                             headers=h).json()
    assert names(ids, pending["items"]) == ["B major", "A ordinary", "C later"]
    assert pending["total"] == 3
    bad = api.client.get(URL, params={"cursor": "not-a-cursor"}, headers=h)
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "cursor"


def test_the_queue_is_most_urgent_first_and_pages_with_a_cursor(
    api: Api, clock: ManualClock
) -> None:
    ids = history(api, clock)
    api.container.drain()  # the in-process consumers, as the server's background does
    url = "/api/v1/agencies/safety/queue"
    h = api.auth("safety")
    whole = api.client.get(url, headers=h).json()
    notices = [i for i in whole["items"] if i["kind"] == "acknowledge_notice"]
    assert names(ids, notices) == ["B major", "A ordinary", "C later"]
    first = api.client.get(url, params={"kind": "acknowledge_notice", "limit": 2},
                           headers=h).json()
    assert names(ids, first["items"]) == ["B major", "A ordinary"] and first["next_cursor"]
    rest = api.client.get(url, params={"kind": "acknowledge_notice", "limit": 2,
                                       "cursor": first["next_cursor"]}, headers=h).json()
    assert names(ids, rest["items"]) == ["C later"] and rest["next_cursor"] is None
    from tests.e2e.test_ui_pages import sign_in

    sign_in(api, "safety")
    page = api.client.get("/ui/queue").text
    assert page.index("B major") < page.index("A ordinary") < page.index("C later")


def test_lists_never_scan_every_document(
    api: Api, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    history(api, clock)
    api.container.drain()

    def no_scan(self: SqlTx, coll: str) -> Any:
        raise AssertionError(f"a list scanned every document of {coll}")

    monkeypatch.setattr(SqlTx, "scan", no_scan)
    for url in (URL, f"{URL}?grade=major&pending_for=safety", f"{URL}?district=鼓楼区&status=open",
                "/api/v1/agencies/safety/queue", "/api/v1/agencies/hrss/queue?kind=acknowledge_notice"):
        r = api.client.get(url, headers=api.auth("hrss", "auditor"))
        assert r.status_code == 200, (url, r.text)
        assert r.json()["items"]


def test_filters_sent_empty_filter_nothing_and_a_wrong_one_is_named(api: Api) -> None:
    """API.md writes the list as `?status=&grade=&pending_for=&district=`: empty is no filter."""
    for i in range(2):
        r = api.client.post("/api/v1/accident-notices", headers=api.auth("hrss"),
                            json=notice_body(employer={**notice_body()["employer"],
                                                       "credit_code": credit_code(40 + i)}))
        assert r.status_code == 201, r.text
    everything = api.client.get("/api/v1/accident-notices", headers=api.auth("safety")).json()
    empty = api.client.get("/api/v1/accident-notices?status=&grade=&pending_for=&district=&cause=",
                           headers=api.auth("safety"))
    assert empty.status_code == 200 and empty.json()["items"] == everything["items"]
    assert len(everything["items"]) == 2
    wrong = api.client.get("/api/v1/accident-notices?status=&grade=huge",
                           headers=api.auth("safety"))
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["field"] == "grade"
    api.container.drain()  # the in-process consumers, as the server's background does
    queue = api.client.get("/api/v1/agencies/safety/queue?grade=&cause=",
                           headers=api.auth("safety"))
    assert queue.status_code == 200 and len(queue.json()["items"]) == 2
    for url in ("/api/v1/joint-inspections?status=", "/api/v1/joint-meetings?status="):
        assert api.client.get(url, headers=api.auth("safety")).status_code == 200
