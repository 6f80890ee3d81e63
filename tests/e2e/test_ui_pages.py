"""The staff pages over HTTP (no browser): sessions, refusals, the API's own wording, every
page's title and labels — on SQLite and PostgreSQL like the other e2e tests."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

from domain.common import Actor, beijing_date
from tests.e2e.conftest import Api
from tests.support import credit_code, notice_body


def sign_in(api: Api, agency: str, role: str = "liaison") -> None:
    token = api.auth(agency, role)["Authorization"][7:]
    api.client.cookies.clear()
    r = api.client.post("/ui/login", data={"token": token, "next": "/ui/"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    api.client.headers["X-CSRF-Token"] = csrf_of(api.client.get("/ui/").text)


def csrf_of(page: str) -> str:
    """The CSRF token the page's forms carry."""
    m = re.search(r'name="csrf" value="([^"]+)"', page)
    assert m, "no CSRF token in the page's forms"
    return m.group(1)


def test_pages_need_a_session_and_sign_out_ends_it(api: Api) -> None:
    r = api.client.get("/ui/queue", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/ui/login?next=/ui/queue")
    bad = api.client.post("/ui/login", data={"token": "lk_nope"}, follow_redirects=False)
    assert bad.status_code == 401 and "linkage_session" not in bad.headers.get("set-cookie", "")
    token = api.auth("safety")["Authorization"][7:]
    ok = api.client.post("/ui/login", data={"token": token}, follow_redirects=False)
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert token not in ok.headers["set-cookie"]  # the cookie holds a session id, not the token
    session_id = api.client.cookies["linkage_session"]
    page = api.client.get("/ui/queue")
    assert page.status_code == 200
    assert api.client.post("/ui/logout", follow_redirects=False).status_code == 403  # no CSRF
    assert api.client.get("/ui/queue").status_code == 200
    api.client.post("/ui/logout", data={"csrf": csrf_of(page.text)})
    api.client.cookies.set("linkage_session", session_id)  # replaying the old cookie
    assert api.client.get("/ui/queue", follow_redirects=False).status_code == 303


def test_cross_site_posts_and_open_redirects_are_refused(api: Api) -> None:
    sign_in(api, "safety")
    form = {"employer.name": "某公司", "employer.credit_code": credit_code(3)}
    r = api.client.post("/ui/notices/new", data=form, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    assert api.client.get("/api/v1/accident-notices", headers=api.auth("safety")).json()["total"] == 0
    lang = api.client.get("/ui/lang/en?next=//evil.example/x", follow_redirects=False)
    assert lang.headers["location"] == "/ui/"
    api.client.cookies.set("linkage_lang", "zh-CN")
    stale = api.client.post("/ui/notices/new", data=form, headers={
        "X-CSRF-Token": "stale", "Accept": "text/html,application/xhtml+xml"})
    assert stale.status_code == 403 and stale.headers["content-type"].startswith("text/html")
    assert "CSRF 令牌缺失或已过期" in stale.text  # a page saying what to do, not JSON


def test_form_messages_are_the_apis_own_and_the_grade_is_the_domains(api: Api) -> None:
    sign_in(api, "safety")
    good = credit_code(9)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    body = notice_body(deaths=12)
    body["employer"]["credit_code"] = bad
    api_errors = {e["field"]: e["message"] for e in api.client.post(
        "/api/v1/accident-notices", json=body, headers=api.auth("safety")).json()["detail"]}
    form = {f"employer.{k}": str(v) for k, v in body["employer"].items()}
    form.update({k: str(v) for k, v in body.items() if k != "employer"})
    check = api.client.post("/ui/notices/check", data=form).json()
    assert check["errors"] == api_errors
    assert check["grade"] == "major" and check["grade_label"] == "重大"
    page = api.client.post("/ui/notices/new", data=form)
    assert page.status_code == 422 and api_errors["employer.credit_code"] in page.text


def test_agency_pages_are_their_agencys_and_meetings_work_through_the_service(api: Api) -> None:
    sign_in(api, "safety")
    assert api.client.get("/ui/statistics").status_code == 403
    assert api.client.get("/ui/ledger").status_code == 403
    sign_in(api, "hrss")
    assert api.client.get("/ui/statistics").status_code == 200
    assert api.client.get("/ui/rate-proposals").status_code == 200
    held = (beijing_date(datetime.now(UTC)) + timedelta(days=1)).isoformat()
    r = api.client.post("/ui/meetings", data={"title": "联席会议", "held_on": held,
                                              "agenda": "通报\n部署", "invited": ["hrss", "safety"]},
                        follow_redirects=False)
    assert r.status_code == 303, r.text
    meeting = api.client.get(r.headers["location"])
    assert "通报" in meeting.text and "部署" in meeting.text
    listed = api.client.get("/api/v1/joint-meetings", headers=api.auth("hrss")).json()
    assert listed["total"] == 1
    sign_in(api, "finance")
    assert api.client.get("/ui/ledger").status_code == 200


class Labels(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.in_title = False
        self.fors: set[str] = set()
        self.fields: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "title":
            self.in_title = True
        if tag == "label" and a.get("for"):
            self.fors.add(str(a["for"]))
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.fields.append(a)

    def handle_endtag(self, tag: str) -> None:
        self.in_title = self.in_title and tag != "title"

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data


def test_every_page_has_a_title_and_a_label_on_every_input(api: Api) -> None:
    n = api.client.post("/api/v1/accident-notices", json=notice_body(),
                        headers=api.auth("safety")).json()
    pages = {("safety", "liaison"): ["/ui/queue", "/ui/notices/new", f"/ui/notices/{n['id']}",
                                    "/ui/notices", "/ui/meetings"],
             ("safety", "inspector"): ["/ui/inspections", "/ui/inspections?view=week",
                                       "/ui/inspections/new"],
             ("hrss", "liaison"): ["/ui/meetings", "/ui/statistics", "/ui/rate-proposals"],
             ("finance", "liaison"): ["/ui/ledger"],
             ("finance", "auditor"): ["/ui/audit", f"/ui/audit/aggregates/{n['id']}",
                                      "/ui/audit/as-of?agency=hrss&position=1"]}
    api.client.cookies.clear()
    login = api.client.get("/ui/login")
    checked = [("/ui/login", login.text)]
    for (agency, role), paths in pages.items():
        sign_in(api, agency, role)
        for path in paths:
            r = api.client.get(path)
            assert r.status_code == 200, (path, r.text[:300])
            checked.append((path, r.text))
    for path, html in checked:
        p = Labels()
        p.feed(html)
        assert p.title.strip() and "·" in p.title, path
        for f in p.fields:
            labelled = f.get("id") in p.fors or f.get("aria-label") or f.get("type") in ("checkbox", "radio")
            assert labelled, (path, f)


def test_inspector_schedules_from_safetys_proposal_and_only_auditors_audit(api: Api) -> None:
    n = api.client.post("/api/v1/accident-notices", json=notice_body(deaths=3),
                        headers=api.auth("hrss")).json()  # 较大: safety proposes an inspection
    api.container.drain()
    api.container.registers.put("inspectors", Actor("a-1", "名录管理员", "safety", "admin"), [
        {"id": i, "name": name, "agency": a} for i, name, a in (
            ("s-9", "张安", "safety"), ("h-9", "孙社", "hrss"), ("s-8", "赵强", "safety"),
            ("h-8", "刘社", "hrss"))])
    sign_in(api, "safety", "inspector")
    calendar = api.client.get("/ui/inspections")
    assert "/ui/inspections/new?proposal=" in calendar.text
    proposal = calendar.text.split("/ui/inspections/new?proposal=", 1)[1].split('"', 1)[0]
    today = beijing_date(datetime.now(UTC)).isoformat()
    ghost = api.client.post("/ui/inspections/new", follow_redirects=False, data={
        "proposal_id": proposal, "theme": "事故单位复查", "starts_on": today, "ends_on": today,
        "lead_agency": "safety", "agencies": ["safety", "hrss"], "mode": "manual",
        "inspectors_text": "s-9, 张安, safety\nghost-1, 无名, hrss"})
    assert ghost.status_code == 422 and "检查人员 ghost-1 不在检查人员名录中" in ghost.text
    r = api.client.post("/ui/inspections/new", follow_redirects=False, data={
        "proposal_id": proposal, "theme": "事故单位复查", "starts_on": today, "ends_on": today,
        "lead_agency": "safety", "agencies": ["safety", "hrss"], "mode": "manual",
        "inspectors_text": "s-9, 张安, safety\nh-9, 孙社, hrss"})
    assert r.status_code == 303, r.text
    page = api.client.get(r.headers["location"])
    assert f"/ui/notices/{n['id']}" in page.text and "福州某某机械制造有限公司" in page.text
    again = api.client.post("/ui/inspections/new", data={
        "proposal_id": proposal, "theme": "再来一次", "starts_on": today, "ends_on": today,
        "lead_agency": "safety", "agencies": ["safety", "hrss"], "mode": "manual",
        "inspectors_text": "s-8, 赵强, safety\nh-8, 刘社, hrss"})
    assert again.status_code == 409 and "已安排为联合检查" in again.text
    assert api.client.get("/ui/audit").status_code == 403
    sign_in(api, "hrss", "auditor")
    assert api.client.get("/ui/audit").status_code == 200
    form = api.client.get(f"/ui/inspections/new?proposal={proposal}")  # no form for an auditor
    assert form.status_code == 403 and 'name="theme"' not in form.text


def test_revision_form_uses_the_apis_rules_and_regrades(api: Api) -> None:
    n = api.client.post("/api/v1/accident-notices", json=notice_body(), headers=api.auth("safety")).json()
    sign_in(api, "safety")
    url = f"/ui/notices/{n['id']}/revise"
    bad = api.client.post(url, data={"deaths": "-1", "serious_injuries": "1", "missing": "0",
                                     "direct_loss_cny": "120000", "reason": ""})
    assert bad.status_code == 422
    assert "不能小于 0" in bad.text and "至少 1 个字符" in bad.text  # the page's language
    assert "greater than" not in bad.text and "Input should" not in bad.text
    api.client.cookies.set("linkage_lang", "en")  # the same refusal on an English page
    bad_en = api.client.post(url, data={"deaths": "-1", "serious_injuries": "1", "missing": "0",
                                        "direct_loss_cny": "120000", "reason": ""})
    assert "must be at least 0" in bad_en.text and "at least 1 character" in bad_en.text
    api.client.cookies.set("linkage_lang", "zh-CN")
    ok = api.client.post(url, data={"deaths": "3", "serious_injuries": "1", "missing": "0",
                                    "direct_loss_cny": "120000", "reason": "伤者抢救无效"})
    assert ok.status_code == 200 and "补报已提交" in ok.text and "伤者抢救无效" in ok.text
    got = api.client.get(f"/api/v1/accident-notices/{n['id']}", headers=api.auth("safety")).json()
    assert got["grade"] == "large" and got["revisions"][0]["reason"] == "伤者抢救无效"


def test_pages_tell_time_by_the_servers_clock(api: Api, clock: Any) -> None:
    """Deadlines on a page are judged by the clock the services use, not the host's wall clock."""
    clock.advance(days=3 * 365)  # years ahead of the host's clock
    sign_in(api, "safety")
    api.client.post("/api/v1/accident-notices", json=notice_body(), headers=api.auth("safety"))
    api.container.drain()
    overdue = 'class="card item overdue"'
    page = api.client.get("/ui/queue").text
    assert 'data-testid="queue-item"' in page and overdue not in page
    clock.advance(hours=2)  # past safety's one hour
    sign_in(api, "safety")  # and past the session's idle timeout
    assert overdue in api.client.get("/ui/queue").text


def test_a_refused_resolution_names_the_item_and_keeps_what_was_typed(api: Api) -> None:
    """An action item with a due date but no description is refused, not dropped; the form comes
    back as it was sent, and the error names the item in the form's own words."""
    sign_in(api, "hrss")
    today = beijing_date(datetime.now(UTC)).isoformat()
    r = api.client.post("/ui/meetings", data={"title": "联席会议", "held_on": today,
                                              "agenda": "部署", "invited": ["safety"]},
                        follow_redirects=False)
    assert r.status_code == 303, r.text
    page = r.headers["location"].split("?")[0]
    for agency in ("hrss", "safety"):
        assert api.client.post(f"{page}/attendance", data={
            "agency": agency, "present": "true", "attendees": "代表"},
            follow_redirects=False).status_code in (200, 303)
    due = (beijing_date(datetime.now(UTC)) + timedelta(days=9)).isoformat()
    sent = {"text": "开展有限空间专项检查", "item1.agency": "safety", "item1.description": "",
            "item1.due_on": due, "item2.agency": "hrss", "item2.description": "通报各区",
            "item2.due_on": due}
    refused = api.client.post(f"{page}/resolution", data=sent)
    assert refused.status_code == 422
    assert "事项 1 · 事项说明" in refused.text and "action_items" not in refused.text
    assert "开展有限空间专项检查</textarea>" in refused.text
    assert 'value="通报各区"' in refused.text and f'value="{due}"' in refused.text
    meeting_id = page.rsplit("/", 1)[-1]
    got = api.client.get(f"/api/v1/joint-meetings/{meeting_id}", headers=api.auth("hrss")).json()
    assert got["resolutions"] == []  # nothing adopted with an item missing
    ok = api.client.post(f"{page}/resolution", data={**sent, "item1.description": "制定方案"},
                         follow_redirects=False)
    assert ok.status_code in (200, 303), ok.text
    got = api.client.get(f"/api/v1/joint-meetings/{meeting_id}", headers=api.auth("hrss")).json()
    assert [i["description"] for i in got["resolutions"][0]["action_items"]] == ["制定方案", "通报各区"]


def test_a_page_that_does_not_exist_is_a_page_not_json(api: Api) -> None:
    for lang in ("zh-CN", "en"):
        r = api.client.get("/ui/no-such-page", headers={"Accept-Language": lang})
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
        assert ('lang="zh-CN"' if lang == "zh-CN" else 'lang="en"') in r.text
    api_404 = api.client.get("/api/v1/no-such-thing")
    assert api_404.status_code == 404 and api_404.json()["code"] == "http_not_found"


def test_a_beijing_time_input_is_worded_for_what_a_clerk_can_type(api: Api) -> None:
    """The form's 发生时间 is a datetime-local input: no offset can be typed there, so a time it
    cannot read is asked for as a Beijing time, and an empty one as required."""
    sign_in(api, "safety")
    body = notice_body()
    form = {f"employer.{k}": str(v) for k, v in body["employer"].items()}
    form.update({k: str(v) for k, v in body.items() if k != "employer"})
    for value, says in (("2026-13-45T99:00", "必须是日期和时间（北京时间）"), ("", "不能为空")):
        check = api.client.post("/ui/notices/check", data={**form, "occurred_at": value}).json()
        assert says in check["errors"]["occurred_at"], check
        assert "时区" not in check["errors"]["occurred_at"]
    api_error = api.client.post("/api/v1/accident-notices", headers=api.auth("safety"),
                                json={**body, "occurred_at": "2026-13-45T99:00"}).json()
    assert "时区" in api_error["detail"][0]["message"]  # the API's clients can send an offset
