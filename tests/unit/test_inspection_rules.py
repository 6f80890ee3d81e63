"""The joint inspection at its edges (issue 12): only booked inspectors act, hand-chosen
inspectors come from the register, severities decide what settles a finding, no start before
the window (Beijing dates), a cancelled proposal's inspection can be scheduled again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from domain.common import Actor, InvalidValue
from domain.joint_inspection import InspectionError, JointInspection, NotBooked, NotYet
from domain.registers import AlreadyLinked, Register
from services.application import LinkageApp
from services.envelope import envelope_of
from services.joint_inspections import JointInspections
from tests.support import ManualClock, credit_code

START = datetime(2026, 5, 4, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
DAY = datetime(2026, 5, 4).date()
ADMIN = Actor("a-1", "名录管理员", "safety", "admin")
ZHANG = Actor("u-zhang", "张安", "safety", "inspector")  # linked to insp-s1
ZHAO = Actor("u-zhao", "赵强", "safety", "inspector")  # linked to insp-s2, not booked
CHEN = Actor("u-chen", "陈卫", "health", "inspector")  # linked to insp-h1
POOL = [{"id": "insp-s1", "name": "张安", "agency": "safety"},
        {"id": "insp-s2", "name": "赵强", "agency": "safety"},
        {"id": "insp-h1", "name": "陈卫", "agency": "health"}]
TARGETS = [{"credit_code": credit_code(300), "name": "闽江机械"}]


def service(clock: ManualClock | None = None) -> JointInspections:
    s = JointInspections(LinkageApp(), clock or ManualClock(START))
    s.registers.put("inspectors", ADMIN, POOL)
    for actor, key in ((ZHANG, "insp-s1"), (ZHAO, "insp-s2"), (CHEN, "insp-h1")):
        s.registers.link_account(ADMIN, key, actor)
    return s


def schedule(s: JointInspections, starts_in: int = 0, **kw: object) -> str:
    args: dict[str, object] = {
        "theme": "危化品专项检查", "starts_on": DAY + timedelta(days=starts_in),
        "ends_on": DAY + timedelta(days=starts_in + 2), "lead_agency": "safety",
        "agencies": ["safety", "health"],
        "inspectors": [{"id": "insp-s1", "name": "张安", "agency": "safety"},
                       {"id": "insp-h1", "name": "陈卫", "agency": "health"}],
        "targets": TARGETS, **kw}
    return str(s.schedule(ZHANG, **args)["id"])  # type: ignore[arg-type]


def test_the_register_entry_shows_its_linked_account() -> None:
    s = service()
    entries = {e["id"]: e for e in s.registers.get("inspectors")["entries"]}
    assert entries["insp-s1"]["account"] == {"id": "u-zhang", "name": "张安"}
    assert entries["insp-s1"]["active"] is True
    assert s.registers.inspector_for(ZHAO) == "insp-s2"


def test_only_an_inspector_account_of_the_entrys_agency_is_linked_once() -> None:
    reg = Register.open(actor=ADMIN, kind="inspectors")
    reg.put(actor=ADMIN, entries=POOL, now=START)
    with pytest.raises(InvalidValue, match="role is liaison") as e:
        reg.link_account(actor=ADMIN, key="insp-s1", account=Actor("u-l", "l", "safety", "liaison"),
                         now=START)
    assert e.value.field == "account_id"
    with pytest.raises(InvalidValue, match="belongs to health"):
        reg.link_account(actor=ADMIN, key="insp-s1", account=CHEN, now=START)
    reg.link_account(actor=ADMIN, key="insp-s1", account=ZHANG, now=START)
    with pytest.raises(AlreadyLinked, match="insp-s1"):
        reg.link_account(actor=ADMIN, key="insp-s2", account=ZHANG, now=START)


def test_only_the_booked_inspectors_act_on_an_inspection() -> None:
    s = service()
    iid = schedule(s)
    with pytest.raises(NotBooked, match="only the inspectors booked") as e:
        s.start(uuid(iid), ZHAO)  # safety takes part, but 赵强 is not booked
    assert "张安" in e.value.message
    s.start(uuid(iid), ZHANG)
    with pytest.raises(NotBooked):
        s.record_finding(uuid(iid), ZHAO, employer_credit_code=TARGETS[0]["credit_code"],
                         hazard="h", severity="major", legal_basis="l")
    s.record_finding(uuid(iid), CHEN, employer_credit_code=TARGETS[0]["credit_code"],
                     hazard="通风不良", severity="major", legal_basis="《职业病防治法》")
    with pytest.raises(NotBooked):
        s.order_rectification(uuid(iid), ZHAO, 1, START + timedelta(days=7))
    s.order_rectification(uuid(iid), ZHANG, 1, START + timedelta(days=7))
    with pytest.raises(NotBooked):
        s.reinspect(uuid(iid), ZHAO, 1, True, "")
    s.reinspect(uuid(iid), CHEN, 1, True, "已整改")
    assert s.is_booked(uuid(iid), CHEN) and not s.is_booked(uuid(iid), ZHAO)


def test_hand_chosen_inspectors_must_be_active_register_entries() -> None:
    s = service()
    nobody = [{"id": "insp-s1", "name": "张安", "agency": "safety"},
              {"id": "ghost-9", "name": "无名", "agency": "health"}]
    with pytest.raises(InvalidValue, match="ghost-9") as e:
        schedule(s, inspectors=nobody)
    assert e.value.field == "inspectors.1.id"
    s.registers.deactivate("inspectors", ADMIN, "insp-h1", "调离")
    with pytest.raises(InvalidValue, match="insp-h1 is not active") as e:
        schedule(s)
    assert e.value.field == "inspectors.1.id"
    assert "insp-h1" not in {p["id"] for p in s.registers.contents("inspectors")}  # not drawn
    s.registers.reactivate("inspectors", ADMIN, "insp-h1")
    schedule(s)


def test_a_registered_employer_is_named_as_registered_and_a_valid_code_suffices() -> None:
    s = service()
    s.registers.put("employers", ADMIN, [{"credit_code": TARGETS[0]["credit_code"],
                                          "name": "闽江机械有限公司"}])
    other = credit_code(301)
    iid = schedule(s, targets=[{"credit_code": TARGETS[0]["credit_code"], "name": "闽江"},
                               {"credit_code": other.lower(), "name": "未入库单位"}])
    got = s.get(uuid(iid))["targets"]
    assert got == [{"credit_code": TARGETS[0]["credit_code"], "name": "闽江机械有限公司"},
                   {"credit_code": other, "name": "未入库单位"}]
    with pytest.raises(InvalidValue) as e:
        schedule(s, starts_in=5, targets=[{"credit_code": other[:17] + "0", "name": "错码"}])
    assert e.value.field == "targets.0.credit_code"


def test_severity_decides_what_settles_a_finding() -> None:
    s = service()
    iid = uuid(schedule(s))
    s.start(iid, ZHANG)
    code = TARGETS[0]["credit_code"]
    for sev in ("observation", "minor", "major"):
        s.record_finding(iid, ZHANG, employer_credit_code=code, hazard=f"{sev}隐患",
                         severity=sev, legal_basis="《安全生产法》")
    with pytest.raises(InspectionError, match="observation"):
        s.order_rectification(iid, ZHANG, 1, START + timedelta(days=3))
    with pytest.raises(InspectionError, match="major"):
        s.close_on_spot(iid, ZHANG, 3, "当场整改")
    with pytest.raises(InvalidValue) as e:
        s.close_on_spot(iid, ZHANG, 1, " ")
    assert e.value.field == "note"
    s.close_on_spot(iid, ZHANG, 1, "已提醒")
    s.close_on_spot(iid, ZHANG, 2, "当场整改完毕")
    with pytest.raises(InspectionError, match=r"finding 3 \(major\) needs a rectification"):
        s.complete(iid, ZHANG, "")
    s.order_rectification(iid, ZHANG, 3, START + timedelta(days=3))
    with pytest.raises(InspectionError, match=r"finding 3 \(major\) awaits its re-inspection"):
        s.complete(iid, ZHANG, "")
    s.reinspect(iid, CHEN, 3, True, "复查合格")
    s.complete(iid, ZHANG, "检查完毕")
    got = s.get(iid)
    assert got["status"] == "completed"
    assert got["findings"][1]["closed_on_spot"]["note"] == "当场整改完毕"


def test_no_start_before_the_window_and_the_window_is_beijings() -> None:
    clock = ManualClock(START)
    s = service(clock)
    iid = uuid(schedule(s, starts_in=1))
    assert s.get(iid)["may_start"] is False
    with pytest.raises(NotYet, match="2026-05-05"):
        s.start(iid, ZHANG)
    clock.now = datetime(2026, 5, 4, 16, 30, tzinfo=UTC)  # 00:30 on 5 May in Beijing
    assert s.get(iid)["may_start"] is True
    s.start(iid, ZHANG)


def test_a_proposals_cancelled_inspection_can_be_scheduled_again() -> None:
    s = service()
    first = uuid(schedule(s, proposal_id="p-1"))
    with pytest.raises(InspectionError, match="already scheduled"):
        schedule(s, starts_in=5, proposal_id="p-1")
    s.cancel(first, ZHANG, "台风改期")
    second = uuid(schedule(s, starts_in=5, proposal_id="p-1"))
    assert second != first and s.get(second)["proposal_id"] == "p-1"


def test_findings_stored_with_the_old_severities_read_as_the_new() -> None:
    app = LinkageApp()
    insp = JointInspection.schedule(
        actor=ZHANG, theme="t", starts_on=DAY, ends_on=DAY, lead_agency="safety",
        agencies=["safety", "health"], targets=TARGETS, now=START,
        inspectors=[{"id": "u-zhang", "name": "张安", "agency": "safety"},
                    {"id": "u-chen", "name": "陈卫", "agency": "health"}])
    insp.start(actor=ZHANG, now=START)
    insp.record_finding(actor=ZHANG, employer_credit_code=TARGETS[0]["credit_code"], hazard="h",
                        severity="major", legal_basis="l", now=START)
    event = insp.collect_events()[-1]
    stored = app.mapper.to_stored_event(event)
    for old, new in (("minor", "minor"), ("serious", "major"), ("major_hazard", "major")):
        state = app.mapper.transcoder.decode(stored.state)
        assert state.pop("class_version") == 2
        state["severity"] = old  # as version 1 stored it
        read = app.mapper.to_domain_event(StoredEvent(
            originator_id=uuid4(), originator_version=3, topic=stored.topic,
            state=app.mapper.transcoder.encode(state)))
        assert read.severity == new  # type: ignore[attr-defined]
        env = envelope_of(read, 1)
        assert env.schema_version == 2 and env.payload["severity"] == new


def uuid(value: str) -> UUID:
    return UUID(value)
