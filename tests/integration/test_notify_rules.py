"""The notifier beyond accident notices: a fund year's approvals at 80% and 100% of its cap
reach finance and hrss once each; a meeting action item due in 3 days, then overdue, reaches
the assigned agency once each — timed by the injected clock."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from adapters.bootstrap import Container
from adapters.notify.runner import InProcessNotifier
from domain.common import Actor, beijing_date
from services.contacts import Contacts
from tests.integration.notify_support import receiver
from tests.support import ManualClock, credit_code

HRSS = Actor("u-h", "李强", "hrss", "liaison")
FINANCE = Actor("u-f", "赵磊", "finance", "liaison")
SAFETY = Actor("u-s", "王敏", "safety", "liaison")


def test_fund_cap_and_action_items(container: Container, clock: ManualClock) -> None:
    c = container
    with receiver() as rec:
        book = Contacts(c.app, c.clock, c.store("api"))
        for agency, lang in (("hrss", "zh-CN"), ("finance", "en"), ("safety", "zh-CN")):
            book.save(agency, Actor(f"a-{agency}", "管理员", agency, "admin"), {
                "name": f"{agency} 值班", "duty": "on_duty", "language": lang,
                "webhook_url": rec.url(f"/{agency}"), "webhook_kind": "wecom"})
        n = InProcessNotifier(c)

        def texts(agency: str) -> list[str]:
            return [h.json()["markdown"]["content"].split("\n")[0] for h in rec.at(f"/{agency}")]

        c.fund_years.open(HRSS, 2026, Decimal("1000000"))  # cap 3%: ¥30,000
        for i, budget in enumerate(("20000", "5000", "5000")):
            p = UUID(c.projects.propose(HRSS, 2026, "research", f"课题{i}", Decimal(budget), {})["id"])
            c.projects.approve(p, FINANCE)
            n.run_once()
            if i == 0:
                assert rec.hits == []  # 67%: nothing yet
        assert texts("hrss") == ["### 【预防费用】2026年度已批准项目达到上限的80%",
                                 "### 【预防费用】2026年度已批准项目达到上限的100%"]
        assert texts("finance") == ["### [Prevention fund] approvals for 2026 reached 80% of the cap",
                                    "### [Prevention fund] approvals for 2026 reached 100% of the cap"]
        assert "**Approved so far**: ¥25,000.00" in rec.at("/finance")[0].json()["markdown"]["content"]

        held = beijing_date(clock.now)
        mid = UUID(c.meetings.convene(HRSS, title="第三次联席会议", held_on=held, agenda=["事故通报"],
                                      invited=["hrss", "safety"])["id"])
        for agency, who in (("hrss", "李强"), ("safety", "王敏")):
            c.meetings.record_attendance(mid, HRSS, agency, True, [who])
        c.meetings.adopt_resolution(mid, HRSS, "开展专项检查", [
            {"agency": "hrss", "description": "统计工伤案件", "due_on": held + timedelta(days=1)},
            {"agency": "safety", "description": "制定检查方案", "due_on": held + timedelta(days=10)}])
        rec.hits.clear()
        assert n.run_once() == {"sent": 1}  # hrss: due tomorrow
        assert texts("hrss") == [f"### 【会议事项】人社局的待办事项将于{held + timedelta(days=1)}到期"]
        assert "**事项**：统计工伤案件" in rec.at("/hrss")[0].json()["markdown"]["content"]
        assert n.run_once() == {}
        clock.advance(days=3)
        assert n.run_once() == {"sent": 1}  # hrss: overdue
        assert texts("hrss")[-1] == f"### 【会议事项逾期】人社局的待办事项已于{held + timedelta(days=1)}到期"
        assert texts("safety") == []
        clock.advance(days=5)  # safety's item is due in 2 days
        assert n.run_once() == {"sent": 1}
        assert texts("safety") == [f"### 【会议事项】应急管理局的待办事项将于{held + timedelta(days=10)}到期"]
        c.meetings.mark_done(mid, SAFETY, 1, 2, "方案已印发")
        clock.advance(days=5)
        assert n.run_once() == {}  # done: never overdue
        assert len(rec.at("/hrss")) == 2 and len(rec.at("/safety")) == 1


def test_rectification_deadline_reaches_the_inspectors_agencies(
        container: Container, clock: ManualClock) -> None:
    c = container
    inspector = Actor("s-1", "王一", "safety", "inspector")  # booked on it
    with receiver() as rec:
        book = Contacts(c.app, c.clock, c.store("api"))
        for agency, lang in (("safety", "zh-CN"), ("health", "en"), ("hrss", "zh-CN")):
            book.save(agency, Actor(f"a-{agency}", "管理员", agency, "admin"), {
                "name": f"{agency} 值班", "duty": "on_duty", "language": lang,
                "webhook_url": rec.url(f"/{agency}"), "webhook_kind": "dingtalk"})
        n = InProcessNotifier(c)
        d = beijing_date(clock.now)
        people = [{"id": "s-1", "name": "王一", "agency": "safety"},
                  {"id": "h-1", "name": "陈一", "agency": "health"}]
        c.registers.put("inspectors", Actor("u-a", "管理员", "hrss", "admin"), people)
        iid = c.inspections.schedule(
            inspector, theme="危化品专项检查", starts_on=d, ends_on=d + timedelta(days=1),
            lead_agency="safety", agencies=["safety", "health"],
            inspectors=people,
            targets=[{"credit_code": credit_code(41), "name": "榕城化工有限公司"}])["id"]
        iid = UUID(str(iid))
        c.inspections.start(iid, inspector)
        for no, hazard in ((1, "报警仪失效"), (2, "消防通道堵塞")):
            c.inspections.record_finding(iid, inspector, employer_credit_code=credit_code(41),
                                         hazard=hazard, severity="major", legal_basis="条例")
            c.inspections.order_rectification(iid, inspector, no, clock.now + timedelta(days=10))
        assert n.run_once() == {}
        clock.advance(days=7, minutes=1)  # 3 days left, for both findings
        assert n.run_once() == {"sent": 4}  # safety and health, for each finding; not hrss
        title = rec.at("/health")[0].json()["markdown"]["title"]
        assert title == "[Rectification] 榕城化工有限公司: the deadline is in 3 days"
        texts = sorted(h.json()["markdown"]["text"] for h in rec.at("/safety"))
        assert "**隐患**：1. 报警仪失效" in texts[0] and "**隐患**：2. 消防通道堵塞" in texts[1]
        assert "**检查人员**：王一、陈一" in texts[0]
        c.inspections.reinspect(iid, inspector, 1, True, "已更换")
        clock.advance(days=3)  # finding 2 missed its deadline
        assert n.run_once() == {"sent": 2}
        missed = rec.at("/safety")[-1].json()["markdown"]
        assert missed["title"] == "【整改逾期】榕城化工有限公司的隐患整改已过期限"
        assert "消防通道堵塞" in missed["text"]
        clock.advance(days=3)
        assert n.run_once() == {}
        assert rec.at("/hrss") == []
