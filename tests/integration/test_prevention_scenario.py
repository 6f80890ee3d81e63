"""Prevention fee end to end on SQLite and PostgreSQL: the cap under races, the agency models."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from adapters.bootstrap import Container
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor, DomainError
from domain.fund_year import CapExceeded, FundYear, fund_year_id
from domain.prevention_project import BudgetExceeded, PreventionProject
from services.agencies.finance import ledger
from services.application import ConcurrentWrite, NotFound
from services.prevention import FundYearExists
from tests.integration.kafka_support import docs, rebuilt
from tests.support import ManualClock, credit_code

HRSS = Actor("u-h", "李强", "hrss", "liaison")
FINANCE = Actor("u-f", "赵磊", "finance", "liaison")
SAFETY = Actor("u-s", "王敏", "safety", "liaison")
HEALTH = Actor("u-he", "陈静", "health", "liaison")


def training(c: Container, budget: str, year: int = 2026) -> UUID:
    r = c.projects.propose(HRSS, year, "training", "班组长培训", Decimal(budget),
                           {"sessions": 3, "trainees": 90})
    return UUID(r["id"])


def test_project_lifecycle_and_ledger(container: Container, clock: ManualClock) -> None:
    c = container
    with pytest.raises(NotFound):
        training(c, "1000")  # no fund year yet
    fy = c.fund_years.open(HRSS, 2026, Decimal("2000000.00"))
    assert fy["cap_cny"] == "60000.00"
    with pytest.raises(FundYearExists):
        c.fund_years.open(HRSS, 2026, Decimal("1.00"))
    pid = UUID(c.projects.propose(HRSS, 2026, "publicity", "宣传大篷车", Decimal("50000.00"),
                                  {"days_on_tour": 10, "stops": 20}, ["鼓楼区"])["id"])
    other = training(c, "10000.01")
    approved = c.projects.approve(pid, FINANCE)
    assert approved["fund_year"]["approved_total_cny"] == "50000.00"
    with pytest.raises(CapExceeded) as e:
        c.projects.approve(other, FINANCE)
    assert e.value.figures["requested_cny"] == "10000.01"
    assert c.projects.get(other)["status"] == "proposed"  # nothing half-saved
    c.projects.reject(other, FINANCE, "超出年度上限")
    c.projects.report_milestone(pid, HRSS, {"days_toured": 10, "stops": 18, "audience_reached": 4200})
    d = c.projects.request_disbursement(pid, HRSS, Decimal("30000"), "首期")["disbursement_id"]
    with pytest.raises(BudgetExceeded):
        c.projects.request_disbursement(pid, HRSS, Decimal("20000.01"), "超额")
    c.projects.pay(pid, d, FINANCE)
    clock.advance(days=30)
    assessed = c.projects.assess(pid, HRSS, "完成九成站点")
    assert assessed["comparison"]["stops"]["achievement_pct"] == "90.0"
    c.projects.close(pid, HRSS, "结项")
    view = c.projects.get(pid)
    assert view["status"] == "closed" and view["paid_cny"] == "30000.00"
    c.drain()
    with c.store("finance").transaction() as tx:
        [row] = ledger(tx)
    assert (row["cap_cny"], row["approved_total_cny"], row["paid_cny"], row["remaining_cny"]) == (
        "60000.00", "50000.00", "30000.00", "10000.00")
    assert docs(c, "finance") == rebuilt(c, "finance")


def test_racing_approvals_never_pass_the_cap(container: Container) -> None:
    c = container
    c.fund_years.open(HRSS, 2026, Decimal("1000000.00"))  # cap 30,000
    ids = [training(c, "7000") for _ in range(8)]  # 56,000 asked
    outcomes: list[str] = []
    barrier = threading.Barrier(len(ids))

    def approve(pid: UUID) -> None:
        barrier.wait()
        for _ in range(20):  # a lost race is a 409: the client reloads and retries
            try:
                c.projects.approve(pid, FINANCE)
                outcomes.append("approved")
                return
            except ConcurrentWrite:
                continue
            except CapExceeded:
                outcomes.append("cap")
                return
        outcomes.append("gave up")

    threads = [threading.Thread(target=approve, args=(p,)) for p in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    fy = c.fund_years.get(2026)
    assert Decimal(fy["approved_total_cny"]) <= Decimal("30000")
    assert outcomes.count("approved") == 4 and outcomes.count("cap") == 4
    assert fy["approved_total_cny"] == "28000.00"
    assert sum(c.projects.get(p)["status"] == "approved" for p in ids) == 4


def test_a_stale_fund_year_fails_the_whole_commit(container: Container, clock: ManualClock) -> None:
    """Two approvals read the same fund year version: the second write is refused entirely."""
    c = container
    c.fund_years.open(HRSS, 2026, Decimal("1000000.00"))
    a, b = training(c, "20000"), training(c, "20000")
    views = []
    for pid in (a, b):
        project = c.app.load(pid, PreventionProject)
        fy = c.app.load(fund_year_id(2026), FundYear)
        fy.allocate(actor=FINANCE, project_id=str(pid), amount_cny=project.budget_cny, now=clock())
        project.approve(actor=FINANCE, now=clock())
        views.append((project, fy))
    c.app.commit(*views[0])
    with pytest.raises(ConcurrentWrite):
        c.app.commit(*views[1])  # together 40,000 > cap 30,000: must not both pass
    assert c.projects.get(b)["status"] == "proposed"
    assert c.fund_years.get(2026)["approved_total_cny"] == "20000.00"


def test_health_follow_up_and_hrss_models_equal_a_rebuild(container: Container,
                                                           clock: ManualClock) -> None:
    c = container
    ids = []
    for i, (cause, serious) in enumerate([("poisoning", 0), ("fall", 1), ("fall", 0)]):
        r = c.notices.file(SAFETY, Employer(f"企业{i}", credit_code(40 + i), "制造业", 3),
                           Incident("鼓楼区", clock.now - timedelta(hours=1), "车间", "事故", cause),
                           Casualties(0, serious, 0, Decimal(0)))
        ids.append(UUID(r["id"]))
    with pytest.raises(DomainError):
        c.health_follow_ups.record_done(ids[2], HEALTH, "无需随访")
    c.health_follow_ups.record_done(ids[0], HEALTH, "已组织职业健康检查", 25)
    with pytest.raises(ConcurrentWrite):
        c.health_follow_ups.record_done(ids[0], HEALTH, "again")
    c.drain()
    with c.store("health").transaction() as tx:
        rows = {d["notice_id"]: d["status"] for _, d in tx.scan("follow_ups")}
    assert rows == {str(ids[0]): "done", str(ids[1]): "open"}
    for agency in ("health", "hrss"):
        assert docs(c, agency) == rebuilt(c, agency)
