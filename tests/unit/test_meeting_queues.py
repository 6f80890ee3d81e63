"""A resolution binds every member agency, absent ones too: it reaches each member's queue with
that member's action items (issue 12)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from domain.common import Actor
from domain.joint_meeting import JointMeeting
from services.agencies import projection_for
from services.envelope import envelope_of
from services.projections import queue
from tests.support import MemoryStore

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=CST)
ON = datetime(2026, 6, 10, 9, 0, tzinfo=CST)
HELD = date(2026, 6, 10)
HRSS = Actor("u-h", "李强", "hrss", "liaison")
HEALTH = Actor("u-he", "陈静", "health", "liaison")


def meeting() -> JointMeeting:
    m = JointMeeting.convene(actor=HRSS, title="第三季度联席会议", held_on=HELD,
                             agenda=["部署检查"], invited=["safety", "health", "finance"], now=NOW)
    for a, present in (("hrss", True), ("safety", True), ("finance", True), ("health", False)):
        m.record_attendance(actor=HRSS, agency=a, present=present,
                            attendees=[f"{a}代表"] if present else [], now=ON)
    m.adopt_resolution(actor=HRSS, text="开展危化品专项整治", now=ON, action_items=[
        {"agency": "health", "description": "职业健康检查", "due_on": HELD + timedelta(days=20)},
        {"agency": "safety", "description": "联合检查", "due_on": HELD + timedelta(days=10)}])
    return m


def queues(m: JointMeeting) -> dict[str, list[dict[str, object]]]:
    out = {}
    events = m.collect_events()
    for agency in ("hrss", "safety", "health", "finance"):
        store, projection = MemoryStore(), projection_for(agency)
        with store.transaction() as tx:
            for n, e in enumerate(events, start=1):
                projection.apply(tx, envelope_of(e, n))
            out[agency] = [i for i in queue(tx) if str(i["kind"]).startswith("meeting_")]
    return out


def test_an_absent_member_gets_the_resolution_and_its_action_item() -> None:
    got = queues(meeting())
    health = got["health"]
    assert [i["kind"] for i in health] == ["meeting_action_item", "meeting_resolution"]
    item, resolution = health
    assert item["summary"] == "职业健康检查" and item["deadline"] == "2026-06-30T23:59:59+08:00"
    assert resolution["summary"] == "开展危化品专项整治" and resolution["present"] is False
    assert [i["description"] for i in resolution["action_items"]] == ["职业健康检查"]  # type: ignore[attr-defined]
    assert [i["kind"] for i in got["finance"]] == ["meeting_resolution"]
    assert got["finance"][0]["present"] is True
    assert [i["kind"] for i in got["safety"]] == ["meeting_action_item", "meeting_resolution"]
    assert [i["kind"] for i in got["hrss"]] == ["meeting_resolution"]


def test_done_items_and_a_closed_meetings_resolutions_leave_the_queue() -> None:
    m = meeting()
    m.mark_done(actor=HEALTH, resolution_no=1, item_no=1, note="已完成", now=ON)
    m.publish_minutes(actor=HRSS, text="纪要", now=ON)
    assert [i["kind"] for i in queues(m)["health"]] == ["meeting_resolution"]
    m = meeting()
    m.publish_minutes(actor=HRSS, text="纪要", now=ON)
    m.close(actor=HRSS, now=ON)
    got = queues(m)
    assert [i["kind"] for i in got["health"]] == ["meeting_action_item"]
    assert got["finance"] == []
