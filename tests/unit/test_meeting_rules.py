"""The joint meeting at its edges (issue 12): the convener is a member, nothing before the
meeting's day (Beijing time), a quorum of more than half, action items for members only, and
meetings stored before the convener became a member."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from domain.common import Actor, InvalidValue
from domain.joint_meeting import JointMeeting, NoQuorum, TooEarly
from services.application import LinkageApp
from services.envelope import envelope_of

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=CST)
HELD = date(2026, 6, 10)
ON = datetime(2026, 6, 10, 9, 0, tzinfo=CST)
HRSS = Actor("u-h", "李强", "hrss", "liaison")


def convene(invited: list[str]) -> JointMeeting:
    return JointMeeting.convene(actor=HRSS, title="第三季度联席会议", held_on=HELD,
                                agenda=["通报事故"], invited=invited, now=NOW)


def attend(m: JointMeeting, present: list[str], absent: tuple[str, ...] = ()) -> None:
    for a in present:
        m.record_attendance(actor=HRSS, agency=a, present=True, attendees=[f"{a}代表"], now=ON)
    for a in absent:
        m.record_attendance(actor=HRSS, agency=a, present=False, attendees=[], now=ON)


def item(agency: str) -> dict[str, Any]:
    return {"agency": agency, "description": "开展专项整治", "due_on": HELD + timedelta(days=30)}


def test_the_convener_is_a_member_and_records_its_own_attendance() -> None:
    m = convene(["safety", "health"])  # hrss not ticked
    assert m.invited == ["health", "hrss", "safety"]
    m.record_attendance(actor=HRSS, agency="hrss", present=True, attendees=["李强"], now=ON)
    assert m.attendance["hrss"]["present"] is True


@pytest.mark.parametrize("step", ["attendance", "resolution", "minutes", "closure"])
def test_nothing_of_the_meeting_itself_before_its_day(step: str) -> None:
    m = convene(["safety", "health"])
    eve = datetime(2026, 6, 9, 23, 59, tzinfo=CST)
    with pytest.raises(TooEarly, match="2026-06-10"):
        if step == "attendance":
            m.record_attendance(actor=HRSS, agency="safety", present=True, attendees=["王"],
                                now=eve)
        elif step == "resolution":
            m.adopt_resolution(actor=HRSS, text="t", action_items=[], now=eve)
        elif step == "minutes":
            m.publish_minutes(actor=HRSS, text="纪要", now=eve)
        else:
            m.close(actor=HRSS, now=eve)


def test_the_day_is_beijings_whatever_the_clocks_offset() -> None:
    m = convene(["safety"])
    # 00:30 in Beijing on the meeting's day is still the day before in UTC.
    just_after_midnight = datetime(2026, 6, 9, 16, 30, tzinfo=UTC)
    assert not m.in_session_from(datetime(2026, 6, 9, 15, 59, tzinfo=UTC))
    m.record_attendance(actor=HRSS, agency="safety", present=True, attendees=["王敏"],
                        now=just_after_midnight)
    assert m.attendance["safety"]["present"]


def test_a_quorum_is_more_than_half_of_the_members_the_convener_included() -> None:
    m = convene(["safety", "health", "finance"])  # four members with hrss
    attend(m, ["hrss", "safety"], ["health"])
    assert m.quorum() == {"members": 4, "present": 2, "needed": 3, "met": False}
    with pytest.raises(NoQuorum) as e:
        m.adopt_resolution(actor=HRSS, text="开展联合检查", action_items=[], now=ON)
    assert (e.value.needed, e.value.absent) == (3, ["finance", "health"])
    attend(m, ["safety", "finance"])
    no = m.adopt_resolution(actor=HRSS, text="开展联合检查",
                            action_items=[item("health"), item("finance")], now=ON)
    assert no == 1 and m.absent() == ["health"]
    # the absent member is bound all the same: its action item stands
    assert [i["agency"] for i in m.resolutions[0]["action_items"]] == ["health", "finance"]


def test_an_action_item_goes_to_a_member_agency_only() -> None:
    m = convene(["safety", "health"])
    attend(m, ["hrss", "safety", "health"])
    with pytest.raises(InvalidValue, match="member") as e:
        m.adopt_resolution(actor=HRSS, text="t", action_items=[item("safety"), item("finance")],
                           now=ON)
    assert e.value.field == "action_items.1.agency"
    m.adopt_resolution(actor=HRSS, text="t", action_items=[item("hrss")], now=ON)


def test_a_meeting_stored_before_the_convener_was_a_member_reads_with_it() -> None:
    """Convened version 1 did not list hrss unless ticked: upcast, and the envelope agrees."""
    app = LinkageApp()
    new = convene(["safety"])
    event = new.collect_events()[0]
    stored = app.mapper.to_stored_event(event)
    state = app.mapper.transcoder.decode(stored.state)
    assert state.pop("class_version") == 2
    state["invited"] = ["safety"]  # as version 1 stored it
    old = StoredEvent(originator_id=uuid4(), originator_version=1, topic=stored.topic,
                      state=app.mapper.transcoder.encode(state))
    read = app.mapper.to_domain_event(old)
    m = read.mutate(None)
    assert isinstance(m, JointMeeting)
    assert m.invited == ["hrss", "safety"]
    env = envelope_of(read, 1)
    assert env.schema_version == 2 and env.payload["invited"] == ["hrss", "safety"]
