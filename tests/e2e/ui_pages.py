"""Every staff-UI page, found from the app's routes, with real ids from a seeded scenario.

Used by the accessibility and phone-width browser tests (tests/e2e/ui/test_ui_a11y.py) and by
scripts/screenshots.py. A page added under /ui is covered without listing it here: each GET route
under /ui is opened with the ids of `seed` (by path-parameter name) as the viewer it shows the
most to (its forms and buttons included). A route that is not a page (a redirect, a download)
goes in `EXCLUDED` with the reason; a new path parameter needs its id in `seed`'s answer.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from fastapi.routing import APIRoute, iter_route_contexts

from adapters.accounts import Accounts, import_legacy_users
from adapters.web import session
from adapters.web.i18n import TZ
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor
from services.accounts import CLI_ACTOR
from tests.e2e.ui_support import UiServer
from tests.support import credit_code

# GET routes under /ui that render no page of their own, and why.
EXCLUDED: dict[str, str] = {
    "/ui": "redirects to the user's home page",
    "/ui/": "redirects to the user's home page",
    "/ui/lang/{lang}": "sets the language cookie and redirects back",
    "/ui/ack/{notice_id}": "a signed link from a message: checks it, then redirects to the notice",
    "/ui/security/export": "a CSV (or Excel) download",
    "/ui/download/{file}": "a list's CSV or Excel download (the API's export)",
    "/ui/audit/export.{kind}": "the history as a CSV or Excel download",
    "/ui/audit/report": "an HTML report downloaded as an attachment (Content-Disposition)",
}
# Path parameters that are no id: a page for each value (named `<page>-<value>`).
VALUES: dict[str, tuple[str, ...]] = {"kind": ("employers", "inspectors")}
# A richer view than the bare route shows (the notice, hrss's read model, as of a moment).
QUERY: dict[str, str] = {"/ui/audit/aggregates/{aggregate_id}": "as_of={moment}",
                         "/ui/audit/as-of": "agency=hrss&as_of={moment}"}
# Who may open pages: each page is checked as the one it shows the most to.
VIEWERS = ("safety", "hrss", "inspector", "finance", "auditor", "admin")

SAFETY = Actor("seed-safety", "王敏", "safety", "liaison")
HRSS = Actor("seed-hrss", "李华", "hrss", "liaison")
FINANCE = Actor("seed-finance", "周芳", "finance", "liaison")
INSPECTOR = Actor("insp-s1", "张安", "safety", "inspector")
ADMIN = Actor("seed-admin", "名录管理员", "safety", "admin")


@dataclass(frozen=True)
class Page:
    name: str      # e.g. "notice" for /ui/notices/{notice_id}: the screenshot's name
    route: str     # the route's path template
    viewer: str | None  # a key of `people`, None: signed out
    url: str       # path and query


def ui_get_routes(ui: UiServer) -> list[str]:
    """The path of every GET route under /ui of the server's application (`linkage serve`'s)."""
    app: Any = ui.server.config.app
    return sorted({r.path for r in iter_route_contexts(app.routes)
                   if isinstance(r.original_route, APIRoute) and "GET" in (r.methods or ())
                   and (r.path == "/ui" or r.path.startswith("/ui/"))})


def page_name(route: str) -> str:
    """`/ui/notices/{notice_id}` → notice, `/ui/notices/new` → notices-new, `/ui/audit` → audit."""
    parts = route.removeprefix("/ui/").split("/")
    named = [p.removesuffix("s") if i + 1 < len(parts) and parts[i + 1].startswith("{") else p
             for i, p in enumerate(parts) if not p.startswith("{")]
    return "-".join(named)


def notice(ui: UiServer, who: Actor, name: str, n: int, ago: timedelta, cause: str,
           figures: tuple[int, int, str], district: str = "鼓楼区", summary: str = "") -> UUID:
    occurred = ui.clock() - ago
    result = ui.container.notices.file(
        who, Employer(name, credit_code(n), "建筑业" if n % 2 else "制造业", 2 + n % 5),
        Incident(district, occurred, "厂区", summary or "作业中发生事故", cause, "已停工整改"),
        Casualties(figures[0], figures[1], 0, Decimal(figures[2])))
    return UUID(str(result["id"]))


def seed(ui: UiServer) -> dict[str, str]:
    """A small city's week through the services; answers an id per path-parameter name."""
    c = ui.container
    for years_ago, months in ((1, (2, 5, 9)), (0, (1, 3))):
        for m in months:
            ago = timedelta(days=365 * years_ago + 30 * m)
            notice(ui, HRSS, f"往年案例单位{m}号", 700 + m + 10 * years_ago, ago, "fall", (0, 1, "20000"),
                   district="台江区" if m % 2 else "晋安区")
    revised = notice(ui, HRSS, "福州某某机械制造有限公司", 11, timedelta(hours=5), "mechanical",
                     (0, 1, "120000"), summary="工人在冲压作业中右手被压伤")
    c.notices.acknowledge(revised, SAFETY)
    c.notices.acknowledge(revised, HRSS)
    time.sleep(1.2)
    moment = datetime.now(UTC).astimezone(TZ).strftime("%Y-%m-%dT%H:%M:%S")
    time.sleep(1.0)
    c.notices.revise(revised, HRSS, Casualties(1, 1, 0, Decimal("350000")), "伤者经抢救无效死亡，补报")
    ui.clock.offset = timedelta(hours=-2)
    notice(ui, SAFETY, "闽江建工集团有限公司", 12, timedelta(hours=1), "collapse", (3, 2, "1800000"),
           summary="脚手架坍塌")
    ui.clock.offset = timedelta(0)
    notice(ui, HRSS, "榕城化工有限公司", 13, timedelta(minutes=30), "poisoning", (0, 3, "90000"),
           district="马尾区", summary="储罐清洗作业中三人急性中毒")
    c.registers.put("inspectors", ADMIN, [
        {"id": i, "name": n, "agency": a} for i, n, a in (
            ("insp-s1", "张安", "safety"), ("insp-s2", "赵强", "safety"),
            ("insp-h1", "陈卫", "health"), ("insp-r1", "孙社", "hrss"))])
    firms = ("鼓楼建材厂", "台江印染有限公司", "仓山物流园", "马尾船舶修造厂")
    c.registers.put("employers", ADMIN, [{"credit_code": credit_code(800 + i), "name": n}
                                         for i, n in enumerate(firms)])
    today = ui.clock().astimezone(TZ).date()
    drawn = c.inspections.schedule(INSPECTOR, theme="有限空间作业专项检查", starts_on=today,
                                   ends_on=today + timedelta(days=2), lead_agency="safety",
                                   agencies=["safety", "health"], inspectors=[], targets=[],
                                   draw={"targets": 2, "inspectors": 2, "seed": "fz-2026-11"})
    iid = UUID(str(drawn["id"]))
    # 张安's account (the inspector pages' viewer) acts for the safety inspector the draw booked
    zhang = Accounts(c.store("api")).authenticate(ui.token("safety", "inspector", name="张安"))
    assert zhang is not None
    c.registers.link_account(ADMIN, next(p["id"] for p in drawn["inspectors"]
                                         if p["agency"] == "safety"), zhang)
    c.inspections.start(iid, zhang)
    code = drawn["targets"][0]["credit_code"]
    c.inspections.record_finding(iid, zhang, employer_credit_code=code, hazard="受限空间未设置强制通风",
                                 severity="major", legal_basis="《工贸企业有限空间作业安全规定》第十二条")
    c.inspections.order_rectification(iid, zhang, 1, ui.clock() + timedelta(days=5))
    c.inspections.schedule(INSPECTOR, theme="职业病危害因素联合检查", starts_on=today + timedelta(days=7),
                           ends_on=today + timedelta(days=8), lead_agency="health",
                           agencies=["safety", "health", "hrss"],
                           inspectors=[{"id": "insp-s2", "name": "赵强", "agency": "safety"},
                                       {"id": "insp-r1", "name": "孙社", "agency": "hrss"}],
                           targets=[{"credit_code": credit_code(801), "name": "台江印染有限公司"}])
    meeting = c.meetings.convene(HRSS, title="2026年第四季度工伤预防联席会议", held_on=today,
                                 agenda=["通报本季度工伤事故情况", "部署有限空间专项检查",
                                         "审议工伤预防项目"],
                                 invited=["hrss", "safety", "health", "finance"])
    mid = UUID(meeting["id"])
    present = {"hrss": ["李华"], "safety": ["王敏", "张安"], "health": ["陈静"], "finance": ["周芳"]}
    for who, people_there in present.items():
        c.meetings.record_attendance(mid, HRSS, who, True, people_there)
    c.meetings.adopt_resolution(mid, HRSS, "开展有限空间作业专项联合检查", [
        {"agency": "safety", "description": "制定检查方案", "due_on": today + timedelta(days=3)},
        {"agency": "finance", "description": "落实检查经费", "due_on": today + timedelta(days=10)}])
    year = today.year
    c.fund_years.open(FINANCE, year, Decimal("500000000"))
    p1 = c.projects.propose(HRSS, year, "publicity", "工伤预防宣传大篷车巡回活动", Decimal("3200000"),
                            {"days_on_tour": 20, "stops": 40, "audience": 20000},
                            districts=["鼓楼区", "台江区", "仓山区"])
    p1_id = UUID(str(p1["id"]))
    c.projects.approve(p1_id, FINANCE)
    d = c.projects.request_disbursement(p1_id, HRSS, Decimal("1200000"), "第一期拨款")
    c.projects.pay(p1_id, str(d["disbursement_id"]), FINANCE)
    c.projects.request_disbursement(p1_id, HRSS, Decimal("800000"), "第二期拨款")
    c.projects.propose(HRSS, year, "training", "重点行业企业负责人安全培训", Decimal("1500000"),
                       {"sessions": 12, "trainees": 1200})
    time.sleep(1.5)  # the in-process consumers fill every agency's read model
    c.drain()
    return {"notice_id": str(revised), "aggregate_id": str(revised), "inspection_id": str(iid),
            "meeting_id": str(mid), "project_id": str(p1_id), "account_id": zhang.id,
            "moment": moment}


def people(ui: UiServer) -> dict[str, str]:
    """A token per viewer: liaisons of safety, hrss and finance, an inspector, an auditor, an admin."""
    tokens = {"safety": ui.token("safety", name="王敏"), "hrss": ui.token("hrss", name="李华"),
              "inspector": ui.token("safety", "inspector", name="张安"),
              "finance": ui.token("finance", name="周芳"),
              "auditor": ui.token("finance", "auditor", name="审计员吴刚")}
    tokens["admin"] = ui.container.accounts.add(
        CLI_ACTOR, name="系统管理员林静", agency="safety", role="admin", system_admin=True,
        token_name="办公电脑")["token"]["token"]
    import_legacy_users(ui.container)  # the people above, as accounts with a history
    return tokens


def sessions(ui: UiServer, tokens: dict[str, str]) -> dict[str, str]:
    """A signed-in web session per viewer (the cookie `sign_in` would get)."""
    out = {}
    for who, token in tokens.items():
        sid, _ = session.start(ui.container, token)
        assert sid is not None, who
        out[who] = sid
    return out


def fetch(ui: UiServer, url: str, sid: str | None) -> tuple[int, str, int]:
    """The status, content type and length of <main> of a GET, redirects not followed."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *_: Any) -> None:
            return None

    req = urllib.request.Request(ui.url + url)
    if sid:
        req.add_header("Cookie", f"{session.COOKIE}={sid}")
    try:
        with urllib.request.build_opener(NoRedirect).open(req, timeout=30) as r:
            html = r.read().decode("utf-8", "replace")
            return r.status, r.headers.get("content-type", ""), len(html.partition("<main")[2])
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("content-type", ""), 0


def pages(ui: UiServer, ids: dict[str, str], sids: dict[str, str]) -> tuple[list[Page], list[str]]:
    """Every page (route → the viewer it shows most to) and the problems found."""
    found: list[Page] = []
    problems: list[str] = []
    for route in ui_get_routes(ui):
        if route in EXCLUDED:
            continue
        params = re.findall(r"{(\w+)}", route)
        missing = [p for p in params if p not in ids and p not in VALUES]
        if missing:
            problems.append(f"{route}: no id for {missing} in tests/e2e/ui_pages.py seed() "
                            "(or add the route to EXCLUDED with the reason)")
            continue
        named = [p for p in params if p in VALUES]
        for chosen in itertools.product(*(VALUES[p] for p in named)):
            values = {**ids, **dict(zip(named, chosen, strict=True))}
            url = route.format(**values)
            if route in QUERY:
                url += "?" + QUERY[route].format(**values)
            page = Page("-".join((page_name(route), *chosen)), route, None, url)
            viewer = best_viewer(ui, page, sids)
            if viewer is False:
                problems.append(f"{route}: no viewer in {VIEWERS} gets a page at {url} "
                                "(add a viewer, or add the route to EXCLUDED with the reason)")
            else:
                found.append(dataclasses.replace(page, viewer=viewer))
    return found, problems


def best_viewer(ui: UiServer, page: Page, sids: dict[str, str]) -> str | Literal[False] | None:
    """The viewer the page shows the most to (its forms and buttons too; ties: the first), or
    False when it answers none of them with a page."""
    sizes: dict[str | None, int] = {}
    for who in (None, *VIEWERS) if page.route == "/ui/login" else VIEWERS:
        status, kind, size = fetch(ui, page.url, sids[who] if who else None)
        if status == 200 and kind.startswith("text/html"):
            sizes[who] = size
    return max(sizes, key=lambda w: sizes[w]) if sizes else False
