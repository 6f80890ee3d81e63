"""403 before any validation when the refusal needs the object too (API.md: "Known user, action
not allowed for its role or agency: 403, decided before any validation of the request"): an
agency the notice does not require, an agency that did not file it. Also what a body in another
encoding than UTF-8 gets, and the position a replayed write answers.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Api
from tests.support import notice_body

N = "/api/v1/accident-notices"


def file(api: Api, **overrides: Any) -> str:
    r = api.client.post(N, json=notice_body(**overrides), headers=api.auth("hrss"))
    assert r.status_code == 201, r.text
    assert "finance" not in r.json()["required_agencies"]
    notice_id: str = r.json()["id"]
    return notice_id


@pytest.mark.parametrize("headers", [{"If-Match": "garbage"}, {"Idempotency-Key": ""},
                                     {"Idempotency-Key": "k" * 201}, {}])
def test_an_agency_not_required_is_refused_before_its_headers_are_read(
        api: Api, headers: dict[str, str]) -> None:
    notice_id = file(api)
    r = api.client.post(f"{N}/{notice_id}/acknowledgements",
                        headers={**api.auth("finance"), **headers, "Accept-Language": "en"})
    assert r.status_code == 403, r.text
    assert r.json()["code"] == "agency_not_required" and "finance" in r.json()["detail"]
    # a required agency sending the same headers gets the 422 they deserve
    ok = api.client.post(f"{N}/{notice_id}/acknowledgements",
                         headers={**api.auth("safety"), **headers})
    assert ok.status_code == (422 if headers else 200), ok.text


@pytest.mark.parametrize("content", [b'{"reason": ""}', b"{bad", b'{"reason": 5}',
                                     '{"reason": "填报错误"}'.encode("gbk")])
def test_withdrawal_by_another_agency_is_refused_before_its_body_is_read(
        api: Api, content: bytes) -> None:
    notice_id = file(api)
    r = api.client.post(f"{N}/{notice_id}/withdrawal", content=content,
                        headers={**api.auth("health"), "Content-Type": "application/json"})
    assert r.status_code == 403, r.text
    assert r.json()["code"] == "not_filing_agency"
    mine = api.client.post(f"{N}/{notice_id}/withdrawal", content=content,
                           headers={**api.auth("hrss"), "Content-Type": "application/json"})
    assert mine.status_code == 422, mine.text
    assert mine.json()["detail"][0]["field"] in ("reason", "body")


def test_an_unknown_notice_still_gets_the_validation_it_deserves(api: Api) -> None:
    r = api.client.post(f"{N}/00000000-0000-4000-8000-000000000000/withdrawal",
                        json={"reason": ""}, headers=api.auth("health"))
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "reason"
    r = api.client.post(f"{N}/00000000-0000-4000-8000-000000000000/withdrawal",
                        json={"reason": "填报错误"}, headers=api.auth("health"))
    assert r.status_code == 404


def test_a_body_not_in_utf8_is_422_naming_the_body_in_both_languages(api: Api) -> None:
    body = '{"summary": "工人右手被压伤"}'.encode("gbk")
    for lang, words in (("zh-CN", "UTF-8"), ("en", "UTF-8")):
        r = api.client.post(N, content=body, headers={
            **api.auth("hrss"), "Content-Type": "application/json; charset=gbk",
            "Accept-Language": lang})
        assert r.status_code == 422, r.text
        item = r.json()["detail"][0]
        assert (item["field"], item["code"]) == ("body", "body_not_utf8")
        assert words in item["message"]
    assert api.client.post(N, content=body, headers={
        **api.auth("hrss", "auditor"), "Content-Type": "application/json"}).status_code == 403
    assert api.client.post(N, content=body,
                           headers={"Content-Type": "application/json"}).status_code == 401


def test_a_body_that_is_not_json_names_the_body_not_an_offset(api: Api) -> None:
    r = api.client.post(N, content=b'{"summary": }', headers={
        **api.auth("hrss"), "Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "body"
    assert r.json()["detail"][0]["code"] == "json_invalid"


def test_a_replayed_write_answers_a_position_that_holds_the_first_write(api: Api) -> None:
    key, body = {"Idempotency-Key": "replay-position-1"}, notice_body()
    first = api.client.post(N, json=body, headers={**api.auth("hrss"), **key})
    assert first.status_code == 201
    position = int(first.headers["Linkage-Position"])
    file(api)  # another write meanwhile
    again = api.client.post(N, json=body, headers={**api.auth("hrss"), **key})
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert int(again.headers["Linkage-Position"]) >= position
    # another user passes it on and reads the notice in its agency's queue
    queue = api.client.get("/api/v1/agencies/safety/queue", headers={
        **api.auth("safety"), "Linkage-Position": again.headers["Linkage-Position"]})
    assert queue.status_code == 200 and "Linkage-Stale" not in queue.headers
    assert first.json()["id"] in {i.get("notice_id", i.get("id")) for i in queue.json()["items"]}


def test_a_position_past_the_end_of_the_log_is_answered_as_stale(api: Api) -> None:
    file(api)
    head = api.container.app.recorder.max_notification_id() or 0
    far = api.client.get("/api/v1/agencies/safety/queue", headers={
        **api.auth("safety"), "Linkage-Position": str(head + 5)})
    assert far.status_code == 200 and far.headers["Linkage-Stale"] == "true"
    near = api.client.get("/api/v1/agencies/safety/queue", headers={
        **api.auth("safety"), "Linkage-Position": str(head)})
    assert near.status_code == 200 and "Linkage-Stale" not in near.headers
