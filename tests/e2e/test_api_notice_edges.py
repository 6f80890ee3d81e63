"""Issue 12 over HTTP: input stored as typed (422 naming the field), closing refused with the
pending agencies named, and the notice page's timeline as each step was."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.bootstrap import Container
from adapters.settings import Settings
from tests.conftest import sqlite_settings
from tests.e2e.conftest import Api, api_for
from tests.support import notice_body

URL = "/api/v1/accident-notices"


def post(api: Api, **overrides: Any) -> Any:
    return api.client.post(URL, json=notice_body(**overrides), headers=api.auth("safety"))


def fields(r: Any) -> set[str]:
    return {e["field"] for e in r.json()["detail"]}


@pytest.fixture
def edge(make_container: Callable[[Settings], Container], tmp_path: Path) -> Iterator[Api]:
    """For refusals made at the edge, before anything is stored: the embedded default only
    (the engine is never reached; what is stored is checked on both, below)."""
    with api_for(make_container(sqlite_settings(tmp_path))) as made:
        yield made


@pytest.mark.parametrize("value", [True, "3", 3.0, 3.5, None])
@pytest.mark.parametrize("field", ["deaths", "serious_injuries", "missing"])
def test_counts_are_json_integers_only(edge: Api, field: str, value: Any) -> None:
    r = post(edge, **{field: value})
    assert r.status_code == 422, r.text
    assert fields(r) == {field}


@pytest.mark.parametrize("value", ["1e3", "1E3", 1e3, 1000.5, "-0", "-0.00", "-5", "1.234",
                                   "100000000000.01", "NaN", "Infinity", "", True, "1,000"])
def test_money_refuses_exponents_signs_fractions_of_a_fen_and_floats(edge: Api, value: Any) -> None:
    r = post(edge, direct_loss_cny=value)
    assert r.status_code == 422, r.text
    assert fields(r) == {"direct_loss_cny"}


@pytest.mark.parametrize(("value", "stored"), [("1800000.50", "1800000.50"), (1800000, "1800000"),
                                               ("0", "0"), (" 12.3 ", "12.3")])
def test_money_is_stored_as_typed(api: Api, value: Any, stored: str) -> None:
    r = post(api, direct_loss_cny=value)
    assert r.status_code == 201, r.text
    got = api.client.get(f"{URL}/{r.json()['id']}", headers=api.auth("safety")).json()
    assert got["direct_loss_cny"] == stored


def test_accidents_before_the_founding_are_refused(edge: Api) -> None:
    r = post(edge, occurred_at="1949-09-30T23:59:00+08:00")
    assert r.status_code == 422 and fields(r) == {"occurred_at"}
    assert "1949-10-01" in r.text


@pytest.mark.parametrize("field", ["district", "location", "summary", "measures_taken"])
@pytest.mark.parametrize("bad", ["a\u0000b", "a\tb", "a\u001bb"])
def test_text_refuses_control_characters(edge: Api, field: str, bad: str) -> None:
    r = post(edge, **{field: bad})
    assert r.status_code == 422 and fields(r) == {field}, r.text


@pytest.mark.parametrize("field", ["district", "location", "summary"])
def test_text_empty_but_for_zero_width_characters_is_refused(edge: Api, field: str) -> None:
    r = post(edge, **{field: " \u200b\ufeff "})
    assert r.status_code == 422 and fields(r) == {field}, r.text


def test_text_is_trimmed_and_newlines_only_in_free_text(api: Api) -> None:
    assert fields(post(api, location="一号\n车间")) == {"location"}
    employer = notice_body()["employer"] | {"name": "\u200b 闽江机械 "}
    r = post(api, summary=" 第一行\r\n第二行 ", employer=employer)
    assert r.status_code == 201, r.text
    got = api.client.get(f"{URL}/{r.json()['id']}", headers=api.auth("safety")).json()
    assert got["summary"] == "第一行\n第二行" and got["employer"]["name"] == "闽江机械"
    too_long = post(api, summary="字" * 4001)
    assert too_long.status_code == 422 and fields(too_long) == {"summary"}


@pytest.mark.parametrize("path", ["closure", "withdrawal", "revisions"])
def test_every_reason_refuses_control_characters_and_empty_text(edge: Api, path: str) -> None:
    nid = post(edge).json()["id"]
    for agency in ("safety", "hrss", "health"):
        edge.client.post(f"{URL}/{nid}/acknowledgements", headers=edge.auth(agency))
    figures = {"deaths": 0, "serious_injuries": 1, "missing": 0, "direct_loss_cny": "1"}
    for reason in ("结案\u0000", "\u200b"):
        body = {"reason": reason, **(figures if path == "revisions" else {})}
        r = edge.client.post(f"{URL}/{nid}/{path}", json=body, headers=edge.auth("safety"))
        assert r.status_code == 422 and fields(r) == {"reason"}, r.text


def test_closing_a_reopened_round_is_409_naming_the_pending_agencies(api: Api) -> None:
    nid = post(api, serious_injuries=0).json()["id"]
    for agency in ("safety", "hrss"):
        assert api.client.post(f"{URL}/{nid}/acknowledgements",
                               headers=api.auth(agency)).status_code == 200
    revised = api.client.post(f"{URL}/{nid}/revisions", headers=api.auth("safety"), json={
        "deaths": 3, "serious_injuries": 0, "missing": 0, "direct_loss_cny": "120000.00",
        "reason": "两人抢救无效死亡"})
    assert revised.json()["reopened"] is True
    r = api.client.post(f"{URL}/{nid}/closure", json={"reason": "调查结束"},
                        headers={**api.auth("safety"), "Accept-Language": "en"})
    assert r.status_code == 409, r.text
    assert r.json()["pending_agencies"] == ["safety", "hrss", "finance"]
    assert r.json()["code"] == "pending_acknowledgements"
    assert "safety, hrss, finance" in r.json()["detail"]
    got = api.client.get(f"{URL}/{nid}", headers=api.auth("safety")).json()
    assert got["status"] == "open" and got["closable"] is False
    withdrawn = api.client.post(f"{URL}/{nid}/withdrawal", json={"reason": "重复填报"},
                                headers=api.auth("safety"))
    assert withdrawn.status_code == 200


def test_the_notice_page_shows_each_step_as_it_was(api: Api) -> None:
    from tests.e2e.test_ui_pages import sign_in

    nid = post(api, deaths=3, serious_injuries=0).json()["id"]  # 较大
    api.client.post(f"{URL}/{nid}/revisions", headers=api.auth("safety"), json={
        "deaths": 10, "serious_injuries": 0, "missing": 0, "direct_loss_cny": "120000.00",
        "reason": "七人抢救无效死亡"})
    got = api.client.get(f"{URL}/{nid}", headers=api.auth("safety")).json()
    assert [(s["kind"], s["grade"]) for s in got["steps"]] == [
        ("filed", "large"), ("revised", "major")]
    sign_in(api, "safety")
    page = api.client.get(f"/ui/notices/{nid}", headers={"Accept-Language": "zh-CN"}).text
    filed = page.split('data-step="filed"', 1)[1].split("</li>", 1)[0]
    assert "填报通报，等级：较大" in filed and "死亡人数 3" in filed
    assert "重大" not in filed and "死亡人数 10" not in filed
    revised = page.split('data-step="revised"', 1)[1].split("</li>", 1)[0]
    assert "较大 → 重大" in revised and "死亡人数 10" in revised
    assert "结案须本轮所有必需部门确认" in page
