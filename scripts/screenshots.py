"""Screenshots of the main pages in 简体中文 and English, desktop (1280 px) and phone (390 px).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Starts the real server over a fresh temporary data folder, seeds a small city's week through
the services (the same ones the API calls), and drives Debian's chromium with Playwright.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.accounts import Accounts, import_legacy_users  # noqa: E402
from adapters.web.i18n import TZ  # noqa: E402
from domain.accident_notice import Casualties, Employer, Incident  # noqa: E402
from domain.common import Actor  # noqa: E402
from services.accounts import CLI_ACTOR  # noqa: E402
from tests.e2e.ui_support import UiServer, launch, sign_in  # noqa: E402
from tests.support import credit_code  # noqa: E402

SAFETY = Actor("seed-safety", "王敏", "safety", "liaison")
HRSS = Actor("seed-hrss", "李华", "hrss", "liaison")
HEALTH = Actor("seed-health", "陈静", "health", "liaison")
FINANCE = Actor("seed-finance", "周芳", "finance", "liaison")
INSPECTOR = Actor("insp-s1", "张安", "safety", "inspector")
ADMIN = Actor("seed-admin", "名录管理员", "safety", "admin")


def notice(ui: UiServer, who: Actor, name: str, n: int, ago: timedelta, cause: str,
           figures: tuple[int, int, str], district: str = "鼓楼区", summary: str = "") -> UUID:
    occurred = ui.clock() - ago
    result = ui.container.notices.file(
        who, Employer(name, credit_code(n), "建筑业" if n % 2 else "制造业", 2 + n % 5),
        Incident(district, occurred, "厂区", summary or "作业中发生事故", cause, "已停工整改"),
        Casualties(figures[0], figures[1], 0, Decimal(figures[2])))
    return UUID(str(result["id"]))


def seed(ui: UiServer) -> dict[str, str]:
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
    for who, people in present.items():
        c.meetings.record_attendance(mid, HRSS, who, True, people)
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
    return {"notice": str(revised), "inspection": str(iid), "meeting": str(mid),
            "moment": moment, "project": str(p1_id)}


def shoot(browser: Any, ui: UiServer, out: Path, ids: dict[str, str],
          only: set[str] | None = None) -> list[Path]:
    people = {"safety": ui.token("safety", name="王敏"), "hrss": ui.token("hrss", name="李华"),
              "inspector": ui.token("safety", "inspector", name="张安"),
              "finance": ui.token("finance", name="周芳"),
              "auditor": ui.token("finance", "auditor", name="审计员吴刚")}
    people["admin"] = ui.container.accounts.add(
        CLI_ACTOR, name="系统管理员林静", agency="safety", role="admin", system_admin=True,
        token_name="办公电脑")["token"]["token"]
    import_legacy_users(ui.container)  # the people above, as accounts with a history
    pages = [("login", None, "/ui/login"), ("queue", "safety", "/ui/queue"),
             ("notice-form", "safety", "/ui/notices/new"), ("notice", "hrss", f"/ui/notices/{ids['notice']}"),
             ("calendar", "inspector", "/ui/inspections"),
             ("inspection", "inspector", f"/ui/inspections/{ids['inspection']}"),
             ("meeting", "hrss", f"/ui/meetings/{ids['meeting']}"), ("ledger", "finance", "/ui/ledger"),
             ("statistics", "hrss", "/ui/statistics"), ("rate-proposals", "hrss", "/ui/rate-proposals"),
             ("audit", "auditor", f"/ui/audit/aggregates/{ids['notice']}?as_of={ids['moment']}"),
             ("audit-events", "auditor", "/ui/audit"),
             ("audit-asof", "auditor", f"/ui/audit/as-of?agency=hrss&as_of={ids['moment']}"),
             ("accounts", "admin", "/ui/accounts"), ("security", "auditor", "/ui/security"),
             ("prevention", "hrss", "/ui/prevention"), ("project-form", "hrss", "/ui/projects/new"),
             ("project", "finance", f"/ui/projects/{ids['project']}"),
             ("registers", "admin", "/ui/registers/inspectors")]
    pages = [p for p in pages if only is None or p[0] in only]
    phone = {"queue", "notice", "notice-form", "calendar", "project", "audit"}
    written = []
    for lang in ("zh-CN", "en"):
        for width, suffix in ((1280, ""), (390, "-phone")):
            for name, who, path in pages:
                if suffix and name not in phone:
                    continue
                ctx = browser.new_context(viewport={"width": width, "height": 860 if width > 500 else 844},
                                          device_scale_factor=1, locale=lang, timezone_id="Asia/Shanghai")
                page = ctx.new_page()
                if who:
                    sign_in(page, ui, people[who], lang)
                else:
                    page.goto(f"{ui.url}/ui/lang/{lang}?next=/ui/login")
                page.goto(ui.url + path)
                if name == "notice-form":
                    page.fill("#f-employer-name", "闽侯县某某食品有限公司")
                    page.fill("#f-employer-credit_code", "91350100MA2Y0A0B16")
                    page.fill("#f-deaths", "3")
                    page.focus("#f-district")
                    page.wait_for_timeout(700)
                page.wait_for_timeout(300)
                target = out / f"{name}-{lang}{suffix}.png"
                page.screenshot(path=str(target), full_page=True)
                written.append(target)
                ctx.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", help="Comma-separated page names (default: every page)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        ui = UiServer(Path(tmp) / "var").start()
        try:
            ids = seed(ui)
            with sync_playwright() as p:
                browser = launch(p)
                try:
                    only = set(args.only.split(",")) if args.only else None
                    written = shoot(browser, ui, args.out, ids, only)
                finally:
                    browser.close()
        finally:
            ui.stop()
            ui.container.close()
    for path in written:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    print(f"{date.today().isoformat()}: {len(written)} screenshots, {datetime.now(UTC):%H:%M} UTC")


if __name__ == "__main__":
    main()
