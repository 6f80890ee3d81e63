"""Safety's read model: investigations, inspection proposals and the calendar, in any order."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.accident_notice import AccidentNotice, Casualties, Employer, Incident
from domain.common import Actor, credit_code_check_char
from domain.joint_inspection import JointInspection
from services.agencies.safety import SafetyProjection, proposal_id_for, within_twelve_months
from services.consumer import Consumer, Message
from services.envelope import Envelope, encode, envelope_of
from services.projections import queue
from tests.support import MemoryStore, acknowledge_all

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
LIAISON = Actor("u-s", "王敏", "safety", "liaison")
INSPECTOR = Actor("u-i", "林检", "safety", "inspector")


def code(n: int) -> str:
    first = f"91350100{n:09d}"
    return first + credit_code_check_char(first)


def notice(n: int = 1, deaths: int = 0, occurred: datetime = NOW - timedelta(hours=2),
           now: datetime = NOW) -> AccidentNotice:
    return AccidentNotice.file(
        actor=LIAISON, employer=Employer(f"企业{n}", code(n), "制造业", 4),
        incident=Incident("鼓楼区", occurred, "车间", "机械伤害", "mechanical"),
        casualties=Casualties(deaths, 0, 0, Decimal(0)), now=now)


class Feed:
    """Envelopes numbered as the log would, applied through the real consumer runner."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    def add(self, *aggregates: Any) -> None:
        for a in aggregates:
            for e in a.collect_events():
                self.envelopes.append(envelope_of(e, len(self.envelopes) + 1))

    def run(self, order: list[Envelope] | None = None) -> MemoryStore:
        store = MemoryStore("safety")
        consumer = Consumer(SafetyProjection(), store)
        for env in order or self.envelopes:  # one source per aggregate, as Kafka partitions
            consumer.handle([Message(f"p:{env.aggregate_id}", env.aggregate_version, encode(env))])
        return store


def docs(store: MemoryStore) -> dict[str, Any]:
    return {k: v for k, v in store.data.items() if k != "_seen"}


def schedule_from(proposal_id: str, notice_id: str) -> JointInspection:
    return JointInspection.schedule(
        actor=INSPECTOR, theme="事故后联合检查", starts_on=NOW.date(), ends_on=NOW.date(),
        lead_agency="safety", agencies=["safety", "hrss"],
        inspectors=[{"id": "a", "name": "A", "agency": "safety"},
                    {"id": "b", "name": "B", "agency": "hrss"}],
        targets=[{"credit_code": code(1), "name": "企业1"}], now=NOW,
        notice_id=notice_id, proposal_id=proposal_id)


def kinds(store: MemoryStore) -> list[tuple[str, str]]:
    with store.transaction() as tx:
        return sorted((i["kind"], i["notice_id"]) for i in queue(tx))


def test_large_notice_is_proposed_and_investigated_until_closed() -> None:
    f = Feed()
    big, small = notice(1, deaths=3), notice(2, deaths=0)
    f.add(big, small)
    store = f.run()
    assert ("propose_inspection", str(big.id)) in kinds(store)
    assert ("propose_inspection", str(small.id)) not in kinds(store)
    p = store.data["proposals"][proposal_id_for(str(big.id))]
    assert p["status"] == "proposed" and p["reasons"] == ["grade_large_or_above"]
    assert set(store.data["investigations"]) == {str(big.id), str(small.id)}
    acknowledge_all(big, NOW)
    big.close(actor=LIAISON, reason="调查结束", now=NOW)
    small.withdraw(actor=LIAISON, reason="误报", now=NOW)
    f.add(big, small)
    store = f.run()
    assert store.data.get("investigations", {}) == {}
    assert store.data["proposals"][proposal_id_for(str(big.id))]["status"] == "proposed"


def test_revision_to_large_proposes() -> None:
    f = Feed()
    n = notice(1)
    n.revise(actor=LIAISON, casualties=Casualties(3, 0, 0, Decimal(0)), reason="补报", now=NOW)
    f.add(n)
    assert ("propose_inspection", str(n.id)) in kinds(f.run())


def test_second_notice_within_twelve_months_is_proposed_in_either_order() -> None:
    first = notice(1, occurred=NOW - timedelta(days=300))
    second = notice(1, occurred=NOW - timedelta(days=1))
    other = notice(2, occurred=NOW - timedelta(days=1))
    f = Feed()
    f.add(second, first, other)  # filed out of order of occurrence
    results = [docs(f.run(list(o))) for o in itertools.permutations(f.envelopes)]
    assert all(r == results[0] for r in results)
    p = results[0]["proposals"]
    assert list(p) == [proposal_id_for(str(second.id))]
    assert p[proposal_id_for(str(second.id))]["reasons"] == ["repeat_within_12_months"]
    assert p[proposal_id_for(str(second.id))]["related_notice_ids"] == [str(first.id)]


def test_notices_more_than_twelve_months_apart_are_not() -> None:
    f = Feed()
    f.add(notice(1, occurred=NOW - timedelta(days=400)), notice(1, occurred=NOW - timedelta(days=1)))
    assert "proposals" not in f.run().data
    assert within_twelve_months("2024-02-29T00:00:00+00:00", "2025-02-28T00:00:00+00:00")
    assert not within_twelve_months("2024-02-29T00:00:00+00:00", "2025-03-01T00:00:00+00:00")


def test_scheduling_from_a_proposal_links_both_ways_in_any_order() -> None:
    n = notice(1, deaths=4)
    pid = proposal_id_for(str(n.id))
    insp = schedule_from(pid, str(n.id))
    insp.start(actor=INSPECTOR, now=NOW, inspector_id="a")
    f = Feed()
    f.add(n, insp)
    in_order = f.run()
    assert kinds(in_order) == [("acknowledge_notice", str(n.id))]
    p = in_order.data["proposals"][pid]
    assert p["status"] == "scheduled" and p["inspection_id"] == str(insp.id)
    cal = in_order.data["calendar"][str(insp.id)]
    assert cal["proposal_id"] == pid and cal["notice_id"] == str(n.id) and cal["status"] == "started"
    inspections_first = f.run([*f.envelopes[1:], f.envelopes[0]])
    assert docs(inspections_first) == docs(in_order)


def test_a_withdrawn_notice_drops_its_open_proposal() -> None:
    n = notice(1, deaths=3)
    n.withdraw(actor=LIAISON, reason="重复填报", now=NOW)
    f = Feed()
    f.add(n)
    store = f.run()
    assert store.data["proposals"][proposal_id_for(str(n.id))]["status"] == "dropped"
    assert kinds(store) == []


def test_calendar_keeps_only_inspections_safety_joins() -> None:
    other = JointInspection.schedule(
        actor=Actor("u-h", "h", "health", "inspector"), theme="职业卫生", starts_on=NOW.date(),
        ends_on=NOW.date(), lead_agency="health", agencies=["health", "hrss"],
        inspectors=[{"id": "a", "name": "A", "agency": "health"},
                    {"id": "b", "name": "B", "agency": "hrss"}],
        targets=[{"credit_code": code(1), "name": "企业1"}], now=NOW)
    mine = schedule_from("p-x", "n-x")
    mine.cancel(actor=INSPECTOR, reason="改期", now=NOW)
    f = Feed()
    f.add(other, mine)
    cal = f.run().data["calendar"]
    assert list(cal) == [str(mine.id)] and cal[str(mine.id)]["status"] == "cancelled"


def test_a_cancelled_inspection_reopens_its_proposal_in_any_order() -> None:
    n = notice(1, deaths=4)
    pid = proposal_id_for(str(n.id))
    first = schedule_from(pid, str(n.id))
    first.cancel(actor=INSPECTOR, reason="台风改期", now=NOW)
    f = Feed()
    f.add(n, first)
    store = f.run()
    p = store.data["proposals"][pid]
    assert p["status"] == "proposed" and p["inspection_id"] is None
    assert ("propose_inspection", str(n.id)) in kinds(store)
    second = schedule_from(pid, str(n.id))  # scheduled again from the re-opened proposal
    f.add(second)
    in_order = f.run()
    assert in_order.data["proposals"][pid]["status"] == "scheduled"
    assert in_order.data["proposals"][pid]["inspection_id"] == str(second.id)
    # the second inspection's events first, the first's cancellation last: still scheduled
    envs = f.envelopes
    shuffled = f.run([envs[-1], *envs[:-1]][::-1])
    assert shuffled.data["proposals"][pid] == in_order.data["proposals"][pid]


def test_a_withdrawn_notice_no_longer_counts_toward_two_in_twelve_months() -> None:
    first = notice(7, occurred=NOW - timedelta(days=100))
    second = notice(7, occurred=NOW - timedelta(hours=2))
    first.withdraw(actor=LIAISON, reason="填报错误", now=NOW)
    f = Feed()
    f.add(first, second)  # first filed, first withdrawn, second filed
    filed, withdrawn, later = f.envelopes
    for order in ([filed, withdrawn, later], [filed, later, withdrawn],
                  [later, filed, withdrawn]):
        store = f.run(order)
        p = store.data.get("proposals", {}).get(proposal_id_for(str(second.id)))
        assert p is None or p["status"] == "dropped"
        assert "propose_inspection" not in {k for k, _ in kinds(store)}


def test_withdrawing_one_of_three_keeps_a_pair_that_still_counts() -> None:
    a = notice(8, occurred=NOW - timedelta(days=200))
    b = notice(8, occurred=NOW - timedelta(days=100))
    c = notice(8, occurred=NOW - timedelta(hours=2))
    b.withdraw(actor=LIAISON, reason="填报错误", now=NOW)
    f = Feed()
    f.add(a, b, c)
    store = f.run()
    p = store.data["proposals"][proposal_id_for(str(c.id))]
    assert p["status"] == "proposed" and p["related_notice_ids"] == [str(a.id)]


def test_the_withdrawal_gives_the_same_read_model_in_every_order() -> None:
    """Two notices of one employer within twelve months, either of them withdrawn, with or
    without a grade of its own: every arrival order ends in the same documents."""
    for withdrawn_index, deaths in ((0, 0), (1, 0), (0, 3), (1, 3)):
        a = notice(9, deaths=deaths if withdrawn_index == 0 else 0,
                   occurred=NOW - timedelta(days=60))
        b = notice(9, deaths=deaths if withdrawn_index == 1 else 0,
                   occurred=NOW - timedelta(hours=2))
        [a, b][withdrawn_index].withdraw(actor=LIAISON, reason="填报错误", now=NOW)
        f = Feed()
        f.add(a, b)
        results = [{k: v for k, v in docs(f.run(list(order))).items() if v}  # as a table would
                   for order in itertools.permutations(f.envelopes)
                   if _per_aggregate_in_order(order)]
        assert len(results) > 1
        assert all(r == results[0] for r in results), (withdrawn_index, deaths)
        assert "propose_inspection" not in {k for k, _ in kinds(f.run())} or deaths


def _per_aggregate_in_order(order: tuple[Envelope, ...]) -> bool:
    seen: dict[object, int] = {}
    for env in order:
        if env.aggregate_version <= seen.get(env.aggregate_id, 0):
            return False
        seen[env.aggregate_id] = env.aggregate_version
    return True
