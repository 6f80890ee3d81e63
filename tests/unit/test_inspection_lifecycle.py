"""Every lifecycle rule of the joint inspection (no I/O)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from domain.common import Actor, DomainError, InvalidValue, credit_code_check_char
from domain.joint_inspection import (
    InspectionError,
    JointInspection,
    NoSuchFinding,
    NotParticipating,
    WrongStatus,
)

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=CST)
TODAY = NOW.date()
SAFETY = Actor("u-s", "王敏", "safety", "inspector")
HEALTH = Actor("u-h", "陈静", "health", "inspector")
FINANCE = Actor("u-f", "赵磊", "finance", "inspector")


def code(n: int) -> str:
    first = f"91350100{n:09d}"
    return first + credit_code_check_char(first)


# Booked by their account ids (the service names their linked register entries instead).
INSPECTORS = [{"id": "u-s", "name": "王敏", "agency": "safety"},
              {"id": "u-h", "name": "陈静", "agency": "health"}]
TARGETS = [{"credit_code": code(1), "name": "闽江机械"}, {"credit_code": code(2), "name": "榕城化工"}]


def plan(**overrides: Any) -> dict[str, Any]:
    p: dict[str, Any] = {"theme": "危化品专项检查", "starts_on": TODAY, "ends_on": TODAY + timedelta(days=2),
                         "lead_agency": "safety", "agencies": ["safety", "health"],
                         "inspectors": INSPECTORS, "targets": TARGETS}
    p.update(overrides)
    return p


def schedule(**overrides: Any) -> JointInspection:
    return JointInspection.schedule(actor=SAFETY, now=NOW, **plan(**overrides))


def started() -> JointInspection:
    i = schedule()
    i.start(actor=SAFETY, now=NOW)
    return i


def with_finding(deadline_days: int = 7) -> JointInspection:
    i = started()
    i.record_finding(actor=HEALTH, employer_credit_code=code(1), hazard="通风不良",
                     severity="major", legal_basis="《职业病防治法》第二十五条", now=NOW)
    i.order_rectification(actor=SAFETY, finding_no=1, deadline=NOW + timedelta(days=deadline_days),
                          now=NOW)
    return i


def test_schedule_records_the_plan_and_who() -> None:
    i = schedule(notice_id="n-1")
    assert i.status == "scheduled" and i.version == 1
    assert (i.starts_on, i.ends_on) == ("2026-03-02", "2026-03-04")
    assert i.agencies == ["health", "safety"] and i.notice_id == "n-1"
    assert i.scheduled_by == {"id": "u-s", "name": "王敏", "agency": "safety"}


@pytest.mark.parametrize(("overrides", "field"), [
    ({"theme": "  "}, "theme"),
    ({"ends_on": TODAY - timedelta(days=1)}, "ends_on"),
    ({"starts_on": TODAY - timedelta(days=5), "ends_on": TODAY - timedelta(days=1)}, "ends_on"),
    ({"agencies": ["safety"]}, "agencies"),
    ({"agencies": ["safety", "safety"]}, "agencies"),
    ({"agencies": ["safety", "police"]}, "agencies.1"),
    ({"lead_agency": "finance"}, "lead_agency"),
    ({"inspectors": [INSPECTORS[0], {**INSPECTORS[0], "name": "x"}]}, "inspectors"),
    ({"inspectors": [INSPECTORS[0], {"id": "i-s2", "name": "b", "agency": "safety"}]}, "inspectors"),
    ({"inspectors": [INSPECTORS[0], {"id": "i-f", "name": "b", "agency": "finance"}]},
     "inspectors.1.agency"),
    ({"targets": []}, "targets"),
    ({"targets": [{"credit_code": code(1)[:-1] + "0", "name": "x"}]}, "targets.0.credit_code"),
    ({"targets": [TARGETS[0], TARGETS[0]]}, "targets"),
])
def test_schedule_refuses_a_bad_plan_naming_the_field(overrides: dict[str, Any], field: str) -> None:
    if field == "targets.0.credit_code" and code(1).endswith("0"):
        overrides = {"targets": [{"credit_code": code(1)[:-1] + "1", "name": "x"}]}
    with pytest.raises(InvalidValue) as e:
        schedule(**overrides)
    assert e.value.field == field


def test_only_a_participating_agency_schedules_and_records() -> None:
    with pytest.raises(NotParticipating):
        JointInspection.schedule(actor=FINANCE, now=NOW, **plan())
    i = schedule()
    with pytest.raises(NotParticipating):
        i.start(actor=FINANCE, now=NOW)


def test_start_not_before_the_window_and_only_once() -> None:
    i = schedule(starts_on=TODAY + timedelta(days=3), ends_on=TODAY + timedelta(days=4))
    with pytest.raises(WrongStatus, match="begins on 2026-03-05"):
        i.start(actor=SAFETY, now=NOW)
    i.start(actor=SAFETY, now=NOW + timedelta(days=3))
    with pytest.raises(WrongStatus, match="inspection is started"):
        i.start(actor=SAFETY, now=NOW + timedelta(days=3))


def test_findings_need_a_started_inspection_a_target_and_a_known_severity() -> None:
    i = schedule()
    with pytest.raises(WrongStatus, match="needs it started"):
        i.record_finding(actor=SAFETY, employer_credit_code=code(1), hazard="h", severity="minor",
                         legal_basis="l", now=NOW)
    i.start(actor=SAFETY, now=NOW)
    with pytest.raises(InvalidValue) as e:
        i.record_finding(actor=SAFETY, employer_credit_code=code(1), hazard="h", severity="fatal",
                         legal_basis="l", now=NOW)
    assert e.value.field == "severity"
    with pytest.raises(InvalidValue) as e:
        i.record_finding(actor=SAFETY, employer_credit_code=code(9), hazard="h", severity="minor",
                         legal_basis="l", now=NOW)
    assert e.value.field == "employer_credit_code"
    for field in ("hazard", "legal_basis"):
        kw = {"hazard": "h", "legal_basis": "l", field: " "}
        with pytest.raises(InvalidValue) as e:
            i.record_finding(actor=SAFETY, employer_credit_code=code(1), severity="minor", now=NOW,
                             **kw)
        assert e.value.field == field
    for n, severity in enumerate(("observation", "minor", "major"), start=1):
        assert i.record_finding(actor=SAFETY, employer_credit_code=code(2), hazard="h",
                                severity=severity, legal_basis="l", now=NOW) == n
    assert [f["severity"] for f in i.findings] == ["observation", "minor", "major"]


def test_rectification_once_per_finding_with_a_future_deadline() -> None:
    i = started()
    with pytest.raises(NoSuchFinding):
        i.order_rectification(actor=SAFETY, finding_no=1, deadline=NOW + timedelta(days=1), now=NOW)
    i.record_finding(actor=SAFETY, employer_credit_code=code(1), hazard="h", severity="minor",
                     legal_basis="l", now=NOW)
    with pytest.raises(InvalidValue) as e:
        i.order_rectification(actor=SAFETY, finding_no=1, deadline=NOW, now=NOW)
    assert e.value.field == "deadline"
    i.order_rectification(actor=SAFETY, finding_no=1, deadline=NOW + timedelta(days=1), now=NOW)
    with pytest.raises(InspectionError, match="already ordered"):
        i.order_rectification(actor=SAFETY, finding_no=1, deadline=NOW + timedelta(days=2), now=NOW)


def test_reinspection_needs_an_order_and_happens_once() -> None:
    i = started()
    i.record_finding(actor=SAFETY, employer_credit_code=code(1), hazard="h", severity="minor",
                     legal_basis="l", now=NOW)
    with pytest.raises(InspectionError, match="no rectification order"):
        i.reinspect(actor=SAFETY, finding_no=1, rectified=True, note="", now=NOW)
    i.order_rectification(actor=SAFETY, finding_no=1, deadline=NOW + timedelta(days=1), now=NOW)
    i.reinspect(actor=HEALTH, finding_no=1, rectified=True, note="已整改", now=NOW + timedelta(hours=3))
    with pytest.raises(InspectionError, match="already been re-inspected"):
        i.reinspect(actor=SAFETY, finding_no=1, rectified=False, note="", now=NOW)
    assert i.findings[0]["reinspection"]["by"]["agency"] == "health"


def test_a_finding_not_rectified_by_its_deadline_is_overdue() -> None:
    i = with_finding(deadline_days=7)
    f = i.findings[0]
    assert not i.overdue(f, NOW + timedelta(days=7))
    assert i.overdue(f, NOW + timedelta(days=7, seconds=1))
    i.reinspect(actor=SAFETY, finding_no=1, rectified=False, note="未整改", now=NOW + timedelta(days=8))
    assert i.overdue(i.findings[0], NOW + timedelta(days=8))
    on_time = with_finding(deadline_days=7)
    on_time.reinspect(actor=SAFETY, finding_no=1, rectified=True, note="",
                      now=NOW + timedelta(days=6))
    assert not on_time.overdue(on_time.findings[0], NOW + timedelta(days=30))
    late = with_finding(deadline_days=7)
    late.reinspect(actor=SAFETY, finding_no=1, rectified=True, note="", now=NOW + timedelta(days=9))
    assert late.overdue(late.findings[0], NOW + timedelta(days=30))


def test_complete_only_when_every_finding_has_a_reinspection_result() -> None:
    i = with_finding()
    i.record_finding(actor=SAFETY, employer_credit_code=code(2), hazard="h2", severity="minor",
                     legal_basis="l", now=NOW)
    with pytest.raises(InspectionError, match=r"finding 1 \(major\) awaits its re-inspection; finding 2"):
        i.complete(actor=SAFETY, summary="", now=NOW)
    i.reinspect(actor=SAFETY, finding_no=1, rectified=False, note="", now=NOW)
    with pytest.raises(InspectionError, match=r"completed: finding 2 \(minor\) is not closed"):
        i.complete(actor=SAFETY, summary="", now=NOW)
    i.order_rectification(actor=SAFETY, finding_no=2, deadline=NOW + timedelta(days=1), now=NOW)
    i.reinspect(actor=SAFETY, finding_no=2, rectified=True, note="", now=NOW)
    i.complete(actor=SAFETY, summary="两家企业检查完毕", now=NOW)
    assert i.status == "completed"
    with pytest.raises(WrongStatus):
        i.record_finding(actor=SAFETY, employer_credit_code=code(1), hazard="h", severity="minor",
                         legal_basis="l", now=NOW)
    with pytest.raises(WrongStatus):
        i.cancel(actor=SAFETY, reason="x", now=NOW)


def test_complete_needs_a_started_inspection_and_no_findings_is_fine() -> None:
    i = schedule()
    with pytest.raises(WrongStatus):
        i.complete(actor=SAFETY, summary="", now=NOW)
    i.start(actor=SAFETY, now=NOW)
    i.complete(actor=SAFETY, summary="未发现隐患", now=NOW)
    assert i.ended == {"summary": "未发现隐患", "at": NOW}


def test_cancel_with_a_reason_from_scheduled_or_started_then_nothing_more() -> None:
    i = schedule()
    with pytest.raises(InvalidValue) as e:
        i.cancel(actor=SAFETY, reason=" ", now=NOW)
    assert e.value.field == "reason"
    i.cancel(actor=SAFETY, reason="台风停工", now=NOW)
    assert i.status == "cancelled" and i.ended is not None and i.ended["reason"] == "台风停工"
    for step in (lambda: i.start(actor=SAFETY, now=NOW),
                 lambda: i.cancel(actor=SAFETY, reason="again", now=NOW)):
        with pytest.raises(WrongStatus, match="inspection is cancelled"):
            step()
    s = started()
    s.cancel(actor=HEALTH, reason="企业停产", now=NOW)
    assert s.status == "cancelled"


def test_naive_times_are_refused() -> None:
    with pytest.raises(DomainError):
        JointInspection.schedule(actor=SAFETY, now=NOW.replace(tzinfo=None), **plan())
    i = started()
    i.record_finding(actor=SAFETY, employer_credit_code=code(1), hazard="h", severity="minor",
                     legal_basis="l", now=NOW)
    with pytest.raises(InvalidValue):
        i.order_rectification(actor=SAFETY, finding_no=1,
                              deadline=datetime(2026, 4, 1), now=NOW)


def test_history_replays_to_the_same_state() -> None:
    i = with_finding()
    i.reinspect(actor=SAFETY, finding_no=1, rectified=True, note="ok", now=NOW)
    i.complete(actor=SAFETY, summary="done", now=NOW)
    events = i.collect_events()
    copy: Any = None
    for e in events:
        copy = e.mutate(copy)
    assert copy.status == "completed" and copy.findings == i.findings and copy.version == 6
    assert isinstance(date.fromisoformat(copy.starts_on), date)
