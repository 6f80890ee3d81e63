"""The auditor's pages over HTTP, in both languages: the event history with labels, filters, paging
and downloads; an aggregate's timeline with who, when, field changes and the raw event; any
aggregate and any agency's read model as of a position or a moment, from the UI and the API."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest

from adapters.web import audit as audit_web
from adapters.web.i18n import TZ
from tests.e2e.conftest import Api
from tests.e2e.test_ui_pages import sign_in
from tests.support import notice_body

ZH_TIME = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}")
EN_TIME = re.compile(r"\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}, \d{2}:\d{2}")


def filed_and_acknowledged(api: Api) -> str:
    r = api.client.post("/api/v1/accident-notices", json=notice_body(),
                        headers=api.auth("safety"))
    assert r.status_code == 201, r.text
    notice: str = r.json()["id"]
    r = api.client.post(f"/api/v1/accident-notices/{notice}/acknowledgements", json={},
                        headers=api.auth("hrss"))
    assert r.status_code in (200, 201), r.text
    api.container.drain()
    return notice


def english(api: Api) -> None:
    api.client.get("/ui/lang/en?next=/ui/audit")


def rows(html: str) -> list[str]:
    return re.findall(r'<tr data-type="([^"]+)"', html)


def test_history_shows_labels_filters_pages_and_downloads(api: Api,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    notice = filed_and_acknowledged(api)
    sign_in(api, "finance", "auditor")
    page = api.client.get("/ui/audit").text
    assert rows(page) == ["AccidentNotice.Filed", "AccidentNotice.Acknowledged"]
    assert "填报事故通报" in page and "确认收到通报" in page and "工伤事故通报" in page
    shown = re.findall(r"<time datetime=\"[^\"]+\">([^<]+)</time>", page)
    assert len(shown) == 2 and all(ZH_TIME.fullmatch(s[:-3]) for s in shown), shown  # Beijing
    for label in ("业务类别", "对象类型", "事件类型", "部门", "操作人", "起始时间", "截止时间"):
        assert f">{label}</label>" in page, label

    only = api.client.get("/ui/audit", params={"type": "AccidentNotice.Acknowledged"}).text
    assert rows(only) == ["AccidentNotice.Acknowledged"]
    assert rows(api.client.get("/ui/audit", params={"agency": "hrss"}).text) == [
        "AccidentNotice.Acknowledged"]
    assert rows(api.client.get("/ui/audit", params={"who": "safety-liaison"}).text) == [
        "AccidentNotice.Filed"]
    assert rows(api.client.get("/ui/audit", params={"mechanism": "accident-notices"}).text) == [
        "AccidentNotice.Filed", "AccidentNotice.Acknowledged"]
    assert rows(api.client.get("/ui/audit", params={"mechanism": "joint-meetings"}).text) == []
    assert rows(api.client.get("/ui/audit", params={"aggregate_type": "JointMeeting"}).text) == []
    assert len(rows(api.client.get("/ui/audit", params={"aggregate_type": "AccidentNotice"}).text)) == 2
    api_only = api.client.get("/api/v1/audit/events", params={"aggregate_type": "AccidentNotice",
                                                               "type": "Acknowledged"},
                              headers=api.auth("finance", "auditor")).json()["items"]
    assert [e["event_type"] for e in api_only] == ["AccidentNotice.Acknowledged"]
    assert rows(api.client.get("/ui/audit", params={"end": "2000-01-01T00:00"}).text) == []
    assert len(rows(api.client.get("/ui/audit", params={"aggregate": notice}).text)) == 2

    monkeypatch.setattr(audit_web, "PAGE", 1)
    first = api.client.get("/ui/audit", params={"agency": ""}).text
    assert rows(first) == ["AccidentNotice.Filed"]
    following = re.search(r'rel="next" href="([^"]+)"', first)
    assert following and "after=1" in following.group(1)
    second = api.client.get(following.group(1).replace("&amp;", "&")).text
    assert rows(second) == ["AccidentNotice.Acknowledged"]
    assert 'rel="next"' not in second and "第一页" in second

    assert 'href="/ui/audit/export.csv"' in first and 'href="/ui/audit/export.xlsx"' in first
    filtered = api.client.get("/ui/audit", params={"agency": "hrss"}).text
    assert 'href="/ui/audit/export.csv?agency=hrss"' in filtered
    got = api.client.get("/ui/audit/export.csv", params={"agency": "hrss"})
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert "事件名称" in table[0] and "事件类型" in table[0] and len(table) == 2
    assert table[1][table[0].index("事件名称")] == "确认收到通报"
    xlsx = api.client.get("/ui/audit/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert "attachment" in xlsx.headers["content-disposition"]

    english(api)
    page = api.client.get("/ui/audit").text
    assert "Notice filed" in page and "Notice acknowledged" in page and EN_TIME.search(page)
    assert ">Mechanism</label>" in page and ">Event type</label>" in page
    assert "Download the audit log (CSV)" in page and "Download the audit log (Excel)" in page
    en_csv = api.client.get("/ui/audit/export.csv", params={"agency": "hrss"})
    assert "Notice acknowledged" in en_csv.content.decode("utf-8-sig")
    sign_in(api, "safety")
    assert api.client.get("/ui/audit/export.csv", follow_redirects=False).status_code == 403


def test_timeline_shows_who_when_what_changed_and_the_raw_event(api: Api) -> None:
    notice = filed_and_acknowledged(api)
    sign_in(api, "finance", "auditor")
    page = api.client.get(f"/ui/audit/aggregates/{notice}").text
    entries = page.split('data-testid="timeline"', 1)[1].split("<li")[1:]
    assert len(entries) == 2
    filed, acked = entries
    assert "填报事故通报" in filed and "safety-liaison · 应急管理局 · 联络员" in filed
    assert ZH_TIME.search(filed)
    assert '<tr data-field="grade">' in filed and "→ 一般" in filed  # value labels, not raw values
    assert "→ 办理中" in filed  # the status
    assert "确认收到通报" in acked and "hrss-liaison · 人社局 · 联络员" in acked
    ack_row = acked.split('<tr data-field="acknowledgements">', 1)[1].split("</tr>", 1)[0]
    assert ">—</td>" in ack_row and "人社局" in ack_row and "→ " in ack_row
    assert "<details><summary>原始事件数据（JSON）</summary>" in acked
    assert "&#34;event_type&#34;: &#34;AccidentNotice.Acknowledged&#34;" in acked or \
        '"event_type": "AccidentNotice.Acknowledged"' in acked.replace("&#34;", '"')
    assert "工伤事故通报" in page.split("</h1>")[0]  # the page names the aggregate's type

    english(api)
    page = api.client.get(f"/ui/audit/aggregates/{notice}").text
    entries = page.split('data-testid="timeline"', 1)[1].split("<li")[1:]
    assert "Notice filed" in entries[0] and "safety-liaison · Work Safety · liaison" in entries[0]
    assert "→ ordinary" in entries[0] and "→ open" in entries[0] and EN_TIME.search(entries[0])
    assert "Raw event (JSON)" in entries[1] and "What changed" in entries[1]
    assert ">Before</th>" in entries[1] and ">After</th>" in entries[1]


def test_as_of_a_position_or_moment_from_the_ui_and_the_api(api: Api) -> None:
    notice = filed_and_acknowledged(api)
    auditor = api.auth("finance", "auditor")
    state = api.client.get(f"/api/v1/audit/aggregates/{notice}", params={"position": 1},
                           headers=auditor).json()
    assert state["version"] == 1 and state["state"]["acknowledgements"] == []
    assert state["position"] == 1 and state["latest_version"] == 2
    both = api.client.get(f"/api/v1/audit/aggregates/{notice}",
                          params={"position": 1, "version": 1}, headers=auditor)
    assert both.status_code == 422
    then = api.client.get("/api/v1/audit/as-of/hrss/queue", params={"position": 1},
                          headers=auditor).json()
    assert [i["notice_id"] for i in then["items"]] == [notice]  # nothing was run first
    after = api.client.get("/api/v1/audit/as-of/hrss/queue", params={"position": 2},
                           headers=auditor).json()
    assert after["items"] == []  # hrss acknowledged at position 2
    moment = datetime.now(TZ).isoformat()
    model = api.client.get("/api/v1/audit/as-of/hrss", params={"as_of": moment},
                           headers=auditor).json()
    assert model["applied"] >= 2 and model["collections"].get("queue", []) == []
    early = api.client.get("/api/v1/audit/as-of/hrss", params={"position": 1},
                           headers=auditor).json()
    assert [d["notice_id"] for d in early["collections"]["queue"]] == [notice]
    assert api.client.get("/api/v1/audit/as-of/hrss", headers=auditor).status_code == 422
    assert api.client.get("/api/v1/audit/as-of/hrss", params={"position": 1},
                          headers=api.auth("hrss")).status_code == 403
    timeline = api.client.get(f"/api/v1/audit/aggregates/{notice}/timeline",
                              headers=auditor).json()
    assert timeline["type"] == "AccidentNotice"
    ack = timeline["events"][1]["changes"]
    assert {c["field"] for c in ack} >= {"acknowledgements"} and "grade" not in {
        c["field"] for c in ack}
    assert next(c for c in ack if c["field"] == "acknowledgements")["before"] == []

    sign_in(api, "finance", "auditor")
    page = api.client.get(f"/ui/audit/aggregates/{notice}", params={"position": "1"}).text
    assert "第 1 版，共 2 版" in page and "该时点之后" in page
    q = api.client.get("/ui/audit/as-of", params={"agency": "hrss", "position": "1"}).text
    assert f'data-notice="{notice}"' in q and "待确认通报" in q
    q2 = api.client.get("/ui/audit/as-of", params={"agency": "hrss", "position": "2"}).text
    assert f'data-notice="{notice}"' not in q2 and "该时点没有记录" in q2
    bad = api.client.get("/ui/audit/as-of", params={"agency": "hrss"})
    assert bad.status_code == 422 and "请填写查看时点或日志序号" in bad.text
    english(api)
    q = api.client.get("/ui/audit/as-of", params={"agency": "hrss", "position": "1"}).text
    assert "The queue then" in q and "notice to acknowledge" in q and EN_TIME.search(q)
    page = api.client.get(f"/ui/audit/aggregates/{notice}", params={"position": "1"}).text
    assert "(version 1 of 2)" in page and "after this moment" in page


def test_calendar_month_navigation_names_the_month(api: Api) -> None:
    sign_in(api, "safety", "inspector")
    month = api.client.get("/ui/inspections").text
    assert "‹ 上个月</a>" in month and "下个月 ›</a>" in month and "下一页" not in month
    week = api.client.get("/ui/inspections", params={"view": "week"}).text
    assert "‹ 上一周</a>" in week and "下一周 ›</a>" in week
    api.client.get("/ui/lang/en?next=/ui/inspections")
    month = api.client.get("/ui/inspections").text
    assert "‹ Previous month</a>" in month and "Next month ›</a>" in month


def test_the_security_logs_download_as_excel_too(api: Api) -> None:
    api.client.post("/ui/login", data={"token": "lk_wrong"}, follow_redirects=False)
    sign_in(api, "finance", "auditor")
    page = api.client.get("/ui/security").text
    assert "导出 CSV" in page and "导出 Excel" in page and "/ui/security/export?file=xlsx" in page
    got = api.client.get("/ui/security/export", params={"file": "xlsx", "kind": "signins"})
    assert got.status_code == 200 and got.content[:2] == b"PK"
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(got.content)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "时间" and any("unknown_token" in map(str, row) for row in values[1:])
    english(api)
    assert "Export Excel" in api.client.get("/ui/security").text


@pytest.mark.parametrize(("params", "says"), [
    ({"start": "yesterday"}, "起始时间: 必须是日期和时间（北京时间）"),
    ({"end": "2026-02-30T00:00"}, "截止时间: 必须是日期和时间（北京时间）"),
    ({"aggregate": "zzz"}, "对象编号: 必须是 UUID 编号"),
])
def test_a_filter_that_cannot_be_read_is_said_never_the_whole_history(
        api: Api, params: dict[str, str], says: str) -> None:
    assert api.client.post("/api/v1/accident-notices", json=notice_body(),
                           headers=api.auth("safety")).status_code == 201
    sign_in(api, "finance", "auditor")
    page = api.client.get("/ui/audit", params=params)
    assert page.status_code == 422 and says in page.text
    assert 'data-testid="events"' not in page.text  # no event listed as if filtered
    export = api.client.get("/ui/audit/export.csv", params=params)
    assert export.status_code == 422 and says in export.text
    assert api.client.get("/ui/audit").status_code == 200


@pytest.mark.parametrize(("params", "says"), [
    ({"agency": "hrss", "as_of": "garbage"}, "查看时点必须是日期和时间（北京时间）"),
    ({"agency": "hrss", "position": "-1"}, "日志序号必须是正整数"),
    ({"agency": "police", "position": "1"}, "请选择部门"),
    ({"agency": "hrss"}, "请填写查看时点或日志序号（只填一项）"),
    ({"agency": "hrss", "position": "1", "as_of": "2026-03-02T09:00"}, "只填一项"),
])
def test_the_as_of_page_says_what_is_wrong_with_what_was_typed(
        api: Api, params: dict[str, str], says: str) -> None:
    sign_in(api, "finance", "auditor")
    page = api.client.get("/ui/audit/as-of", params=params)
    assert page.status_code == 422 and says in page.text
