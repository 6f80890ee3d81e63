"""Every kind of error the API answers carries a stable code and a message in the reader's
language: Chinese by default, English when Accept-Language asks for it (issue #15)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient

from adapters.bootstrap import Container
from adapters.http.app import create_app
from domain.common import beijing_date
from domain.vocabulary import AGENCIES, label
from tests.e2e.conftest import Api
from tests.support import ManualClock, notice_body

N = "/api/v1/accident-notices"
CJK = re.compile(r"[\u4e00-\u9fff]")
EN = {"Accept-Language": "en-US,en;q=0.9,zh-CN;q=0.5"}


def message(r: httpx.Response) -> tuple[str, str]:
    """(code, message) of an error body: the first item of a 422, else the body itself."""
    body = r.json()
    detail = body["detail"]
    if isinstance(detail, list):
        assert body["code"] == detail[0]["code"]
        return detail[0]["code"], detail[0]["message"]
    return body["code"], detail


def both(api: Api, method: str, url: str, status: int, code: str, zh: str, en: str,
         headers: dict[str, str] | None = None, **kw: Any) -> None:
    """The same request answered in Chinese (no header) and in English (Accept-Language)."""
    for extra, words in (({}, zh), ({"Accept-Language": "zh-CN"}, zh), (EN, en)):
        r = api.client.request(method, url, headers={**(headers or {}), **extra}, **kw)
        assert r.status_code == status, (url, r.status_code, r.text)
        got_code, text = message(r)
        assert got_code == code, (url, r.text)
        assert words in text, (url, extra, text)
        assert bool(CJK.search(text)) == (words is zh), (url, extra, text)


def test_each_kind_of_error_has_a_code_and_a_message_in_the_readers_language(
        api: Api, clock: ManualClock) -> None:
    safety = api.auth("safety")
    # 401: no token.
    both(api, "GET", N, 401, "missing_token", "缺少访问令牌", "missing bearer token")
    # 403: a policy refuses the role (before validation).
    both(api, "POST", N, 403, "role_not_allowed", "无权执行此操作", "may not do this",
         headers=api.auth("hrss", "inspector"), json={})
    both(api, "POST", N, 403, "auditor_read_only", "审计人员只读", "read-only",
         headers=api.auth("hrss", "auditor"), json={})
    # 422 from pydantic: the credit code's check digit (our validator), and a wrong type.
    body = notice_body()
    body["employer"]["credit_code"] = body["employer"]["credit_code"][:17] + (
        "0" if body["employer"]["credit_code"][17] != "0" else "1")
    both(api, "POST", N, 422, "credit_code_check_digit", "校验位", "check digit",
         headers=safety, json=body)
    both(api, "POST", N, 422, "int_type", "必须是整数", "whole number", headers=safety,
         json={**notice_body(), "deaths": "many"})
    both(api, "POST", N, 422, "extra_forbidden", "不接受此字段", "unknown field", headers=safety,
         json={**notice_body(), "bogus": 1})
    # 404: no such notice.
    both(api, "GET", f"{N}/{uuid.uuid4()}", 404, "not_found", "未找到", "not found",
         headers=safety)
    filed = api.client.post(N, json=notice_body(serious_injuries=0), headers=safety).json()
    nid = filed["id"]
    outsider = next(a for a in AGENCIES if a not in filed["required_agencies"])
    ack = f"{N}/{nid}/acknowledgements"
    # 412: a stale If-Match.
    both(api, "POST", ack, 412, "stale_version", "已过时", "is stale",
         headers={**safety, "If-Match": '"99"'})
    # 422 from a header check, then 409 from the aggregate's own rule.
    both(api, "POST", ack, 422, "bad_if_match", "版本号", "version like",
         headers={**safety, "If-Match": "x"})
    assert api.client.post(ack, headers=safety).status_code == 200
    both(api, "POST", ack, 409, "already_acknowledged", "已确认过此通报", "already acknowledged",
         headers=safety)
    # 403 from the aggregate's "not yours" rule: its label, not its code, in Chinese.
    r = api.client.post(ack, headers=api.auth(outsider))
    assert r.status_code == 403 and r.json()["code"] == "agency_not_required", r.text
    assert label("agency", outsider) in r.json()["detail"] and outsider not in r.json()["detail"]
    # 422 from the domain (InvalidValue): a meeting held yesterday.
    meeting = {"title": "联席会议", "held_on": (beijing_date(clock.now) - timedelta(days=1)).isoformat(),
               "agenda": ["议题"], "invited": ["hrss", "safety"]}
    both(api, "POST", "/api/v1/joint-meetings", 422, "must_not_be_in_past", "不能早于今天",
         "must not be in the past", headers=api.auth("hrss"), json=meeting)


def test_an_outage_is_worded_in_the_readers_language_too() -> None:
    def down() -> Container:
        raise RuntimeError("connection refused")

    with TestClient(create_app(down, background=False)) as client:
        for headers, words in (({}, "数据库暂时无法访问"), (EN, "database is unavailable")):
            r = client.get("/api/v1/transport/status",
                           headers={"Authorization": "Bearer lk_x", **headers})
            assert r.status_code == 503 and r.headers["Retry-After"]
            assert r.json()["code"] == "database_unavailable" and words in r.json()["detail"]


def test_an_unknown_route_is_coded_too(api: Api) -> None:
    r = api.client.get("/api/v1/nothing-here", headers=api.auth("safety"))
    assert r.status_code == 404 and r.json() == {"detail": "未找到", "code": "http_not_found"}


def test_a_choice_is_named_by_its_label_for_a_chinese_reader(api: Api) -> None:
    """`cause: "slip"` lists the causes a clerk knows (高处坠落…), each with the API's value, not
    pydantic's "'fall', … or 'other'"; English keeps the values."""
    for lang in ("zh-CN", "en"):
        r = api.client.post(N, json=notice_body(cause="slip"),
                            headers={**api.auth("hrss"), "Accept-Language": lang})
        assert r.status_code == 422
        [e] = [e for e in r.json()["detail"] if e["field"] == "cause"]
        assert e["code"] == "literal_error"
        if lang == "zh-CN":
            assert f"{label('cause', 'fall')}（fall）" in e["message"] and " or " not in e["message"]
        else:
            assert "'fall'" in e["message"] and " or 'other'" in e["message"]
