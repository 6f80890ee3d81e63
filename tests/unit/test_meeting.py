"""Every rule of the joint meeting (no I/O), and the overdue list per agency."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from domain.common import Actor, InvalidValue
from domain.joint_meeting import (
    JointMeeting,
    MeetingError,
    NoQuorum,
    NoSuchActionItem,
    NotAssigned,
    NotConvenor,
)
from services.envelope import envelope_of
from services.joint_meetings import MeetingIndex, overdue_by_agency
from tests.support import MemoryStore

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=CST)
HELD = date(2026, 6, 10)
ON = datetime(2026, 6, 10, 9, 0, tzinfo=CST)  # the meeting's day
HRSS = Actor("u-h", "李强", "hrss", "liaison")
SAFETY = Actor("u-s", "王敏", "safety", "liaison")
HEALTH = Actor("u-he", "陈静", "health", "liaison")


def convene(**kw: Any) -> JointMeeting:
    args: dict[str, Any] = {"title": "2026年第二季度联席会议", "held_on": HELD,
                            "agenda": ["通报事故情况", "部署联合检查"],
                            "invited": ["safety", "health", "hrss"]}
    args.update(kw)
    return JointMeeting.convene(actor=HRSS, now=NOW, **args)


def all_present(m: JointMeeting) -> JointMeeting:
    for a in m.invited:
        m.record_attendance(actor=HRSS, agency=a, present=True, attendees=[f"{a}代表"], now=ON)
    return m


def item(agency: str, days: int, text: str = "开展专项整治") -> dict[str, Any]:
    return {"agency": agency, "description": text, "due_on": HELD + timedelta(days=days)}


def test_convene_by_hrss_with_agenda_and_members() -> None:
    m = convene()
    assert m.status == "convened" and m.invited == ["health", "hrss", "safety"]
    assert m.held_on == "2026-06-10" and m.convened_by["agency"] == "hrss"
    with pytest.raises(NotConvenor):
        JointMeeting.convene(actor=SAFETY, title="t", held_on=HELD, agenda=["a"],
                             invited=["safety"], now=ON)


@pytest.mark.parametrize(("kw", "field"), [
    ({"title": " "}, "title"),
    ({"held_on": date(2026, 5, 31)}, "held_on"),
    ({"agenda": []}, "agenda"),
    ({"agenda": ["ok", " "]}, "agenda.1"),
    ({"invited": ["hrss"]}, "invited"),
    ({"invited": ["safety", "police"]}, "invited.1"),
])
def test_convene_refuses_bad_input_naming_the_field(kw: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidValue) as e:
        convene(**kw)
    assert e.value.field == field


def test_attendance_by_the_convenor_for_invited_agencies_only() -> None:
    m = convene()
    with pytest.raises(NotConvenor):
        m.record_attendance(actor=SAFETY, agency="safety", present=True, attendees=["王"], now=ON)
    with pytest.raises(InvalidValue) as e:
        m.record_attendance(actor=HRSS, agency="finance", present=True, attendees=["赵"], now=ON)
    assert e.value.field == "agency"
    with pytest.raises(InvalidValue) as e:
        m.record_attendance(actor=HRSS, agency="safety", present=True, attendees=[" "], now=ON)
    assert e.value.field == "attendees"
    m.record_attendance(actor=HRSS, agency="safety", present=False, attendees=[], now=ON)
    m.record_attendance(actor=HRSS, agency="safety", present=True, attendees=["王敏"], now=ON)
    assert m.attendance["safety"]["present"] is True


def test_resolution_needs_a_quorum_naming_the_absent() -> None:
    m = convene()
    m.record_attendance(actor=HRSS, agency="hrss", present=True, attendees=["李强"], now=ON)
    m.record_attendance(actor=HRSS, agency="health", present=False, attendees=[], now=ON)
    with pytest.raises(NoQuorum) as e:
        m.adopt_resolution(actor=HRSS, text="开展联合检查", action_items=[], now=ON)
    assert e.value.absent == ["health", "safety"] and e.value.needed == 2
    assert "health, safety" in e.value.message
    all_present(m)
    no = m.adopt_resolution(actor=HRSS, text="开展联合检查",
                            action_items=[item("safety", 30), item("health", 10)], now=ON)
    assert no == 1
    r = m.resolutions[0]
    assert [(i["no"], i["agency"], i["due_on"]) for i in r["action_items"]] == [
        (1, "safety", "2026-07-10"), (2, "health", "2026-06-20")]


def test_resolution_checks_its_action_items() -> None:
    m = all_present(convene())
    with pytest.raises(InvalidValue) as e:
        m.adopt_resolution(actor=HRSS, text="t", action_items=[item("safety", -1)], now=ON)
    assert e.value.field == "action_items.0.due_on"
    with pytest.raises(InvalidValue) as e:
        m.adopt_resolution(actor=HRSS, text="t", action_items=[item("safety", 1, " ")], now=ON)
    assert e.value.field == "action_items.0.description"
    with pytest.raises(InvalidValue) as e:
        m.adopt_resolution(actor=HRSS, text=" ", action_items=[], now=ON)
    assert e.value.field == "text"
    with pytest.raises(NotConvenor):
        m.adopt_resolution(actor=SAFETY, text="t", action_items=[], now=ON)


def test_action_item_done_only_by_the_assigned_agency_once() -> None:
    m = all_present(convene())
    m.adopt_resolution(actor=HRSS, text="t", action_items=[item("safety", 5), item("health", 5)],
                       now=ON)
    with pytest.raises(NotAssigned, match="assigned to safety"):
        m.mark_done(actor=HRSS, resolution_no=1, item_no=1, note="", now=ON)
    with pytest.raises(NoSuchActionItem):
        m.mark_done(actor=SAFETY, resolution_no=1, item_no=3, note="", now=ON)
    with pytest.raises(NoSuchActionItem):
        m.mark_done(actor=SAFETY, resolution_no=2, item_no=1, note="", now=ON)
    m.mark_done(actor=SAFETY, resolution_no=1, item_no=1, note="已完成", now=ON)
    with pytest.raises(MeetingError, match="already done"):
        m.mark_done(actor=SAFETY, resolution_no=1, item_no=1, note="", now=ON)
    assert m.resolutions[0]["action_items"][0]["done"]["by"]["agency"] == "safety"


def test_overdue_items_are_those_open_past_their_due_date() -> None:
    m = all_present(convene())
    m.adopt_resolution(actor=HRSS, text="t", action_items=[item("safety", 5), item("health", 20)],
                       now=ON)
    assert m.overdue_items(HELD + timedelta(days=5)) == []
    assert [i["agency"] for i in m.overdue_items(HELD + timedelta(days=6))] == ["safety"]
    m.mark_done(actor=SAFETY, resolution_no=1, item_no=1, note="", now=ON + timedelta(days=20))
    assert [i["agency"] for i in m.overdue_items(HELD + timedelta(days=21))] == ["health"]


def test_minutes_then_close_and_nothing_more_in_session() -> None:
    m = convene()
    with pytest.raises(MeetingError, match="attendance"):
        m.publish_minutes(actor=HRSS, text="纪要", now=ON)
    with pytest.raises(MeetingError, match="publish the minutes"):
        m.close(actor=HRSS, now=ON)
    all_present(m)
    m.adopt_resolution(actor=HRSS, text="t", action_items=[item("health", 3)], now=ON)
    with pytest.raises(NotConvenor):
        m.publish_minutes(actor=SAFETY, text="纪要", now=ON)
    m.publish_minutes(actor=HRSS, text="会议纪要：……", now=ON)
    for step in (lambda: m.publish_minutes(actor=HRSS, text="again", now=ON),
                 lambda: m.adopt_resolution(actor=HRSS, text="t", action_items=[], now=ON),
                 lambda: m.record_attendance(actor=HRSS, agency="health", present=False,
                                             attendees=[], now=ON)):
        with pytest.raises(MeetingError, match="minutes published"):
            step()
    m.close(actor=HRSS, now=ON)
    assert m.status == "closed"
    with pytest.raises(MeetingError, match="already closed"):
        m.close(actor=HRSS, now=ON)
    m.mark_done(actor=HEALTH, resolution_no=1, item_no=1, note="会后完成", now=ON)  # still allowed


def test_index_lists_overdue_items_per_agency() -> None:
    m = all_present(convene())
    m.adopt_resolution(actor=HRSS, text="t", action_items=[item("safety", 1), item("health", 2),
                                                           item("safety", 40)], now=ON)
    m.mark_done(actor=HEALTH, resolution_no=1, item_no=2, note="", now=ON)
    store, index = MemoryStore(), MeetingIndex()
    with store.transaction() as tx:
        for n, e in enumerate(m.collect_events(), start=1):
            index.apply(tx, envelope_of(e, n))
        meetings = [d for _, d in tx.scan("meetings")]
    got = overdue_by_agency(meetings, HELD + timedelta(days=10))
    assert list(got) == ["safety"] and [i["item_no"] for i in got["safety"]] == [1]
    assert got["safety"][0]["meeting_title"] == "2026年第二季度联席会议"
    assert overdue_by_agency(meetings, HELD + timedelta(days=41))["safety"][1]["item_no"] == 3
