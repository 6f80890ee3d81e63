"""Health, finance and hrss read models folded from envelopes (no I/O: MemoryStore)."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.accident_notice import AccidentNotice, Casualties, Employer, Incident
from domain.common import Actor, credit_code_check_char
from domain.fund_year import FundYear
from domain.health_follow_up import HealthFollowUp
from domain.prevention_project import PreventionProject
from services.agencies import projection_for
from services.agencies.finance import ledger
from services.agencies.health import follow_ups
from services.agencies.hrss import all_cases, rate_proposals, statistics
from services.consumer import Consumer, Message
from services.envelope import Envelope, encode, envelope_of
from tests.support import MemoryStore

SAFETY = Actor("u-s", "王敏", "safety", "liaison")
HRSS = Actor("u-h", "李强", "hrss", "liaison")
HEALTH = Actor("u-he", "陈静", "health", "liaison")
FINANCE = Actor("u-f", "赵磊", "finance", "liaison")
T0 = datetime(2026, 5, 1, tzinfo=UTC)


def code(n: int) -> str:
    first17 = f"91350100{n:09d}"
    return first17 + credit_code_check_char(first17)


class Log:
    """Envelopes as the relay would build them, numbered like the notification log."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.n = itertools.count(1)

    def save(self, *aggregates: Any) -> None:
        for a in aggregates:
            for e in a.collect_events():
                self.envelopes.append(envelope_of(e, next(self.n)))


def fold(agency: str, envelopes: list[Envelope]) -> MemoryStore:
    store = MemoryStore(agency)
    consumer = Consumer(projection_for(agency), store)
    for env in envelopes:  # one "partition" per aggregate, as the relay keys them
        consumer.handle([Message(str(env.aggregate_id), env.notification_id, encode(env))])
    return store


def notice(log: Log, n: int, occurred: datetime, deaths: int = 0, serious: int = 0,
           cause: str = "fall", risk_class: int = 4, district: str = "鼓楼区") -> AccidentNotice:
    a = AccidentNotice.file(
        actor=SAFETY, employer=Employer(f"企业{n}", code(n), "制造业" if n % 2 else "建筑业", risk_class),
        incident=Incident(district, occurred, "车间", "事故", cause),
        casualties=Casualties(deaths, serious, 0, Decimal(0)), now=occurred + timedelta(hours=1))
    log.save(a)
    return a


def test_health_follow_ups_in_either_order_and_after_revision() -> None:
    log = Log()
    poisoned = notice(log, 1, T0, cause="poisoning")
    injured = notice(log, 2, T0, serious=1)
    plain = notice(log, 3, T0)
    log.save(HealthFollowUp.record_done(actor=HEALTH, notice_id=poisoned.id, findings="已体检",
                                        now=T0 + timedelta(days=2), health_checks_given=12))
    plain.revise(actor=SAFETY, casualties=Casualties(0, 2, 0, Decimal(0)), reason="补报",
                 now=T0 + timedelta(days=1))
    injured.withdraw(actor=SAFETY, reason="误报", now=T0 + timedelta(days=1))
    log.save(plain, injured)
    forward = fold("health", log.envelopes)
    with forward.transaction() as tx:
        rows = {d["notice_id"]: d for d in follow_ups(tx)}
        items = [i for _, i in tx.scan("queue") if i["kind"] == "health_follow_up"]
    assert set(rows) == {str(poisoned.id), str(plain.id)}
    assert rows[str(poisoned.id)]["status"] == "done"
    assert rows[str(poisoned.id)]["done"]["health_checks_given"] == 12
    assert rows[str(plain.id)]["status"] == "open"
    assert [i["notice_id"] for i in items] == [str(plain.id)]
    # The follow-up topic may run ahead of the notices topic: same model.
    reordered = sorted(log.envelopes, key=lambda e: e.mechanism != "health-follow-ups")
    assert fold("health", reordered).data == forward.data


def test_finance_ledger_and_queue_whatever_the_interleaving() -> None:
    log = Log()
    fy = FundYear.open(actor=HRSS, year=2026, previous_year_fund_income_cny=Decimal("10000000"), now=T0)
    log.save(fy)
    projects = []
    for i, budget in enumerate(("100000", "50000", "20000")):
        p = PreventionProject.propose(actor=HRSS, fund_year=2026, category="training", title=f"培训{i}",
                                      budget_cny=Decimal(budget),
                                      planned={"sessions": 2, "trainees": 80}, now=T0)
        projects.append(p)
        log.save(p)
    for p in projects[:2]:
        fy.allocate(actor=FINANCE, project_id=str(p.id), amount_cny=p.budget_cny, now=T0)
        p.approve(actor=FINANCE, now=T0)
        log.save(p, fy)
    d1 = projects[0].request_disbursement(actor=HRSS, amount_cny=Decimal(30000), purpose="首期", now=T0)
    projects[0].request_disbursement(actor=HRSS, amount_cny=Decimal(5000), purpose="二期", now=T0)
    projects[0].pay(actor=FINANCE, disbursement_id=d1, now=T0)
    log.save(projects[0])
    store = fold("finance", log.envelopes)
    with store.transaction() as tx:
        [row] = ledger(tx)
    assert row["cap_cny"] == "300000.00" and row["approved_total_cny"] == "150000.00"
    assert row["paid_cny"] == "30000.00" and row["remaining_cny"] == "150000.00"
    assert row["approved_unpaid_cny"] == "120000.00"
    assert row["approvals_waiting"] == 1 and row["disbursements_waiting"] == 1
    assert row["disbursements_waiting_cny"] == "5000.00"
    # Kafka keeps order per aggregate only: shuffle aggregates, keep each one's order.
    rng = random.Random(5)
    for _ in range(5):
        by_agg: dict[str, list[Envelope]] = {}
        for env in log.envelopes:
            by_agg.setdefault(str(env.aggregate_id), []).append(env)
        streams = list(by_agg.values())
        mixed: list[Envelope] = []
        while streams:
            s = rng.choice(streams)
            mixed.append(s.pop(0))
            if not s:
                streams.remove(s)
        assert fold("finance", mixed).data == store.data


def test_hrss_statistics_year_on_year_and_rate_proposals() -> None:
    log = Log()
    last_year = datetime(2025, 3, 10, 8, tzinfo=UTC)
    this_year = datetime(2026, 3, 10, 8, tzinfo=UTC)
    for i in range(15):
        notice(log, 100 + i, last_year + timedelta(days=i), district="鼓楼区")
    for i in range(14):
        notice(log, 200 + i, this_year + timedelta(days=i), district="台江区")
    # Employer 300: two notices and one death in 2026 → 120%; employer 301: clean in 2026.
    notice(log, 300, this_year, deaths=1)
    notice(log, 300, this_year + timedelta(days=40))
    notice(log, 301, last_year, risk_class=6)
    gone = notice(log, 302, this_year)
    gone.withdraw(actor=SAFETY, reason="误报", now=this_year + timedelta(hours=2))
    log.save(gone)
    with fold("hrss", log.envelopes).transaction() as tx:
        cases = all_cases(tx)
    stats = statistics(cases, 2026)
    assert stats["total"]["cases"] == 16 and stats["total"]["previous_year_cases"] == 16
    march = stats["by_month"][2]
    assert march["month"] == "2026-03" and march["previous_year_cases"] == 16
    only14 = statistics([c for c in cases if c["employer"] not in (code(300), code(301))], 2026)
    assert only14["total"]["change_pct"] == "-6.7"  # 15 → 14: the 6.7% fall cities report
    districts = {r["key"]: r for r in stats["by_district"]}
    assert districts["鼓楼区"]["cases"] == 2 and districts["鼓楼区"]["previous_year_cases"] == 16
    assert districts["台江区"]["change_pct"] is None
    proposals = {p["employer"]: p for p in rate_proposals(cases, 2027)["proposals"]}
    assert proposals[code(300)]["factor"] == "1.2" and proposals[code(300)]["deaths"] == 1
    assert proposals[code(301)]["factor"] == "0.8" and proposals[code(301)]["rate_pct"] == "1.040"
    assert code(302) not in proposals  # a withdrawn notice makes no record
    assert rate_proposals(cases, 2028)["proposals"][0]["factor"] == "0.5"  # two clean years
    assert rate_proposals(cases)["rate_year"] == 2027
