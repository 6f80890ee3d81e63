"""Inspections and meetings end to end, unchanged on SQLite and PostgreSQL (settings differ only)."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import jsonschema
import pytest

from adapters.bootstrap import Container
from adapters.settings import Settings
from domain.accident_notice import Casualties, Employer, Incident
from domain.common import Actor, beijing_date
from domain.joint_inspection import DoubleBooked, NotBooked
from domain.joint_meeting import NoQuorum
from services.agencies.safety import proposal_id_for
from services.envelope import envelope_from_notification, event_classes, json_schema
from tests.integration.kafka_support import docs, rebuilt
from tests.support import ManualClock, credit_code

LIAISON = Actor("u-s", "王敏", "safety", "liaison")
INSPECTOR = Actor("u-i", "林检", "safety", "inspector")
HEALTH_INSPECTOR = Actor("u-hi", "陈检", "health", "inspector")
ADMIN = Actor("u-a", "管理员", "hrss", "admin")
HRSS = Actor("u-h", "李强", "hrss", "liaison")
SAFETY_LIAISON = Actor("u-sl", "王敏", "safety", "liaison")
PEOPLE = [{"id": "s-1", "name": "王一", "agency": "safety"},
          {"id": "h-1", "name": "陈一", "agency": "health"},
          {"id": "s-2", "name": "王二", "agency": "safety"}]
MINE = ("JointInspection.", "InspectorBooking.", "Register.", "JointMeeting.")


def plan(clock: ManualClock, first: int, last: int, people: list[dict[str, str]],
         **kw: Any) -> dict[str, Any]:
    d = beijing_date(clock.now)
    return {"theme": "危化品专项检查", "starts_on": d + timedelta(days=first),
            "ends_on": d + timedelta(days=last), "lead_agency": "safety",
            "agencies": ["safety", "health"], "inspectors": people,
            "targets": [{"credit_code": credit_code(41), "name": "榕城化工有限公司"}], **kw}


def test_inspections_and_meetings_survive_restart_and_rebuild(
    settings: Settings, clock: ManualClock, make_container: Callable[[Settings], Container]
) -> None:
    c = make_container(settings)
    c.registers.put("inspectors", ADMIN, PEOPLE + [
        {"id": f"r-{a}{n}", "name": f"{a}{n}", "agency": a}
        for a in ("safety", "health") for n in range(3)])
    c.registers.link_account(ADMIN, "s-1", INSPECTOR)
    c.registers.link_account(ADMIN, "h-1", HEALTH_INSPECTOR)
    c.registers.deactivate("inspectors", ADMIN, "r-health2", "借调")
    c.registers.reactivate("inspectors", ADMIN, "r-health2")
    filed = c.notices.file(
        LIAISON, Employer("榕城化工有限公司", credit_code(41), "化工", 7),
        Incident("马尾区", clock.now - timedelta(hours=1), "储罐区", "硫化氢中毒", "poisoning"),
        Casualties(3, 2, 0, Decimal("3200000")))
    c.drain()
    pid = proposal_id_for(filed["id"])
    with c.store("safety").transaction() as tx:
        assert tx.get("proposals", pid)["status"] == "proposed"  # type: ignore[index]
    from_proposal = c.inspections.schedule(
        INSPECTOR, **plan(clock, 0, 1, PEOPLE[:2], notice_id=filed["id"], proposal_id=pid))
    with pytest.raises(DoubleBooked) as e:
        c.inspections.schedule(INSPECTOR, **plan(clock, 1, 2, [PEOPLE[2], PEOPLE[1]]))
    assert e.value.other == from_proposal["id"]

    employers = [{"credit_code": credit_code(n), "name": f"企业{n}"} for n in range(50, 60)]
    c.registers.put("employers", ADMIN, employers)
    drawn = c.inspections.schedule(INSPECTOR, **plan(clock, 3, 3, [], targets=[]),
                                   draw={"targets": 2, "inspectors": 3, "seed": "公开种子"})
    iid = from_proposal["id"]
    with pytest.raises(NotBooked):
        c.inspections.start(iid, Actor("u-x", "未安排的检查员", "safety", "inspector"))
    c.inspections.start(iid, INSPECTOR)
    c.inspections.record_finding(iid, HEALTH_INSPECTOR, employer_credit_code=credit_code(41),
                                 hazard="储罐区硫化氢检测报警仪失效", severity="major",
                                 legal_basis="《危险化学品安全管理条例》第二十条")
    c.inspections.record_finding(iid, INSPECTOR, employer_credit_code=credit_code(41),
                                 hazard="安全警示标志褪色", severity="minor",
                                 legal_basis="《安全生产法》第三十五条")
    c.inspections.close_on_spot(iid, INSPECTOR, 2, "当场更换标志")
    c.inspections.order_rectification(iid, INSPECTOR, 1, clock.now + timedelta(days=3))
    clock.advance(days=2)
    c.inspections.reinspect(iid, INSPECTOR, 1, True, "已更换报警仪")
    c.inspections.complete(iid, INSPECTOR, "重大隐患已整改")
    c.inspections.cancel(drawn["id"], INSPECTOR, "改为下月")
    c.registers.remove("employers", ADMIN, credit_code(50))

    mid = c.meetings.convene(HRSS, title="联席会议", held_on=beijing_date(clock.now),
                             agenda=["通报化工事故"], invited=["safety"])["id"]
    c.meetings.record_attendance(mid, HRSS, "hrss", True, ["李强"])
    with pytest.raises(NoQuorum):
        c.meetings.adopt_resolution(mid, HRSS, "全市化工企业专项检查", [])
    c.meetings.record_attendance(mid, HRSS, "safety", True, ["王敏"])
    c.meetings.adopt_resolution(mid, HRSS, "全市化工企业专项检查", [
        {"agency": "safety", "description": "制定方案", "due_on": beijing_date(clock.now)}])
    c.meetings.mark_done(mid, SAFETY_LIAISON, 1, 1, "已制定")
    c.meetings.publish_minutes(mid, HRSS, "纪要")
    c.meetings.close(mid, HRSS)
    c.drain()

    # A restart: the same history, the same answers.
    c2 = make_container(settings)
    done = c2.inspections.get(iid)
    assert done["status"] == "completed" and done["proposal_id"] == pid
    assert done["findings"][0]["overdue"] is False
    assert c2.inspections.verify_draw(drawn["id"])["verified"] is True
    assert c2.inspections.get(drawn["id"])["status"] == "cancelled"
    today = beijing_date(clock.now)
    assert c2.inspections.calendar("r-safety0", today, today + timedelta(9)) == []
    assert c2.meetings.get(mid)["status"] == "closed"
    c2.drain()
    with c2.store("safety").transaction() as tx:
        p = tx.get("proposals", pid)
        cal = tx.get("calendar", iid)
    assert p is not None and p["status"] == "scheduled" and p["inspection_id"] == iid
    assert cal is not None and cal["status"] == "completed"
    assert docs(c2, "safety") == rebuilt(c2, "safety")
    c2.inspection_index.catch_up()
    with c2.inspection_index.consumer.store.transaction() as tx:
        statuses = sorted(d["status"] for _, d in tx.scan("inspections"))
    assert statuses == ["cancelled", "completed"]

    # Every event of these mechanisms validates against the published schema.
    validator = jsonschema.Draft202012Validator(json_schema())
    seen = set()
    for note in c2.app.recorder.select_notifications(start=1, limit=1000):
        env = json.loads(envelope_from_notification(c2.app.mapper, note).model_dump_json())
        validator.validate(env)
        seen.add(env["event_type"])
    assert {t for t in event_classes() if t.startswith(MINE)} <= seen


def test_two_racing_schedulings_book_an_inspector_once(
    container: Container, clock: ManualClock
) -> None:
    """Both read the free inspector, then save at the same moment: one wins, one gets 409."""
    c = container
    c.registers.put("inspectors", ADMIN, PEOPLE)
    orig = c.app.commit
    gate = threading.Barrier(2, timeout=30)
    saves: list[str] = []

    def together(*aggregates: Any) -> int | None:
        if threading.current_thread().name.startswith("race"):
            saves.append(threading.current_thread().name)
            with contextlib.suppress(threading.BrokenBarrierError):
                gate.wait()  # the loser's retry finds no partner any more
        return orig(*aggregates)

    c.app.commit = together  # type: ignore[method-assign]
    results: dict[str, Any] = {}

    def run(name: str, first: int, people: list[dict[str, str]]) -> None:
        try:
            results[name] = c.inspections.schedule(INSPECTOR, **plan(clock, first, first + 1, people))
        except Exception as e:
            results[name] = e

    threads = [threading.Thread(target=run, name="race-a", args=("a", 0, PEOPLE[:2])),
               threading.Thread(target=run, name="race-b", args=("b", 1, [PEOPLE[2], PEOPLE[1]]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    gate.abort()
    errors = [r for r in results.values() if isinstance(r, Exception)]
    wins = [r for r in results.values() if isinstance(r, dict)]
    assert len(wins) == 1 and len(errors) == 1, results
    assert sorted(saves) == ["race-a", "race-b"]  # both read it free and tried to save
    assert isinstance(errors[0], DoubleBooked), repr(errors[0])
    assert errors[0].inspector_id == "h-1" and errors[0].other == wins[0]["id"]
    days = c.inspections.calendar("h-1", beijing_date(clock.now), beijing_date(clock.now) + timedelta(days=5))
    assert [d["inspection_id"] for d in days] == [wins[0]["id"]]
